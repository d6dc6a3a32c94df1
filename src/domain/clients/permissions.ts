// What the bureau lets an API client do (client metadata `permissions`), and for which schools (`school_codes`).
// `sis`: the school-affairs push, city-wide. `roster`: a school's roster credentials, only for the schools listed in
// `school_codes` (none listed: no school), and only for schools roster registration is meant for.

/** What an API client may do, granted by the bureau in its metadata (`permissions`). */
export const PERMISSIONS = ['sis', 'roster'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Permissions that act for one school at a time, bounded by `school_codes`. */
export const SCHOOL_SCOPED: ReadonlySet<Permission> = new Set(['roster']);

export const isPermission = (value: string): value is Permission => (PERMISSIONS as readonly string[]).includes(value);

/** Roster registration is for vocational and private schools only (SPEC §4 flow 9); others enrol through the SIS. */
export const rosterEligible = (school: { level: string; kind: string }): boolean =>
  school.level === 'vocational' || school.kind === 'private';

/** Whether a client bound to `schoolCodes` may act for `code`: only a school it lists. */
export const schoolAllowed = (schoolCodes: readonly string[] | undefined, code: string): boolean =>
  !!schoolCodes?.includes(code);
