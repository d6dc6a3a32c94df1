// PUT/GET /api/schools/:code/roster-credentials — a school's verification credentials, for a client the bureau
// granted `roster` for that school (client metadata `school_codes`).
// PUT upserts a JSON array by account, all rows or none; GET lists accounts and whether they are claimed.
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { rosterEligible, schoolAllowed } from '../../domain/clients/permissions.ts';
import { SELF_KINDS } from '../../domain/enrolment/person-input.ts';
import { PublishedCredentials } from '../../domain/enrolment/roster-credentials.ts';
import { MAX_PASSWORD_BYTES } from '../../domain/people/passwords.ts';
import { holdsOnlyNameCharacters, MAX_PERSON_NAME } from '../../domain/people/person-name.ts';
import { apiClientOf, refuseJson } from '../../web/api-client.ts';
import { type Operation, ok, type Refusal, refused } from '../../web/openapi/registry.ts';
import type { Services } from '../../web/services.ts';

/** `:code`, the school's six-digit code. */
export const SchoolParams = z.object({
  code: z
    .string()
    .regex(/^\d{6}$/)
    .meta({ description: 'the school’s six-digit code' }),
});

/** The shortest password a slip uploaded in plain text may have (the back office prints 8 random characters). */
export const MIN_SLIP_PASSWORD = 8;

export const RowInput = z
  .object({
    role: z.enum(SELF_KINDS),
    account: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits and . _ @ - (1 to 64)'),
    // Printed on a slip and guessed only so many times (ROSTER_CHECK), but not so short that those tries could find
    // it: at least as long as the back office's own slips (8).
    password: z
      .string()
      .min(MIN_SLIP_PASSWORD, `at least ${MIN_SLIP_PASSWORD} characters`)
      .refine((p) => Buffer.byteLength(p) <= MAX_PASSWORD_BYTES, 'at most 72 bytes')
      .meta({
        description: `the slip’s password as printed: at least ${MIN_SLIP_PASSWORD} characters, at most 72 bytes`,
      })
      .optional(),
    password_hash: z
      .string()
      .regex(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/, 'a bcrypt hash')
      .optional(),
    // The name fills the sign-up form (/register/roster/new): a person's name, as the roster takes it.
    name: z
      .string()
      .trim()
      .min(1)
      .max(MAX_PERSON_NAME)
      .refine((n) => holdsOnlyNameCharacters(n, { digits: true }), 'letters of a name (no emoji, symbols or controls)'),
    class_code: z
      .string()
      .regex(/^[0-9A-Za-z-]{1,10}$/)
      .optional(),
    seat: z.number().int().min(1).max(999).optional(),
    student_no: z
      .string()
      .regex(/^[0-9A-Za-z-]{1,20}$/)
      .optional(),
  })
  .strict()
  .refine((r) => (r.password === undefined) !== (r.password_hash === undefined), {
    message: 'exactly one of password and password_hash',
    path: ['password'],
  })
  .meta({ description: 'a credential: exactly one of `password` and `password_hash` (bcrypt)' });

const MAX_ROWS = 5000;
/** The array first (its size), then each row: every bad row is named (validateRows). */
const Body = z.array(z.unknown()).min(1).max(MAX_ROWS);
/** The body as the reference shows it: the same rows. */
const Rows = z.array(RowInput).min(1).max(MAX_ROWS);

export type RowError = { index: number; field: string; message: string };

const Listing = z.object({
  school: z.string(),
  credentials: z.array(
    z.object({
      account: z.string(),
      role: z.string(),
      name: z.string(),
      class_code: z.string().nullable(),
      seat: z.number().nullable(),
      student_no: z.string().nullable(),
      claimed: z.boolean(),
      claimed_at: z.string().nullable(),
    }),
  ),
});

const Written = z.object({ school: z.string(), inserted: z.number(), updated: z.number() });

/**
 * After the client is authenticated (so an unknown school tells a stranger nothing) and before the body is read: the
 * school must exist (404), be one roster registration is for (vocational or private: 403 school_not_eligible), and
 * be one the bureau granted this client (`school_codes`; none granted: no school, 403 school_not_allowed).
 */
export function rosterSchool(s: Services): Middleware {
  return async (ctx, next) => {
    const params = SchoolParams.safeParse(ctx.params);
    const school = params.success ? await s.schools.find(params.data.code) : undefined;
    if (!school) return refuseJson(ctx, 404, 'unknown_school');
    if (!rosterEligible(school))
      return refuseJson(ctx, 403, 'school_not_eligible', {
        error_description: 'roster registration is for vocational and private schools only',
      });
    if (!schoolAllowed(apiClientOf(ctx).schoolCodes, school.code)) return refuseJson(ctx, 403, 'school_not_allowed');
    ctx.state.rosterSchool = school.code;
    await next();
  };
}

/** What rosterSchool refuses. */
export const SCHOOL_REFUSALS: Record<number, Refusal> = {
  403: refused(
    'The school is not one roster registration is for (vocational or private), or not one granted to this client.',
    'school_not_eligible',
    'school_not_allowed',
  ),
  404: refused('No such school.', 'unknown_school'),
};

export const PUT_CREDENTIALS_OPERATION: Operation = {
  tag: 'roster',
  summary: 'Upload verification credentials',
  description:
    'The school’s verification credentials (認證帳號/認證密碼) for roster registration at `/register/roster`, upserted by account: all rows or none. Each bad row is named by its index. The accounts of the slips the back office published (04 同步資料: `s<學號>`, `t<教師編號>`, `p<學號>-<n>`) are the roster’s and are never replaced: a row naming one refuses the call (409 `credential_published`, each such row named). Publishing leaves the credentials uploaded here as they are and gives its own slips other account names (`s1130001-2` when `s1130001` was uploaded).',
  permission: 'roster',
  params: SchoolParams,
  body: Rows,
  example: [
    {
      role: 'student',
      account: 's1130001',
      password: 'Tq7-kd2p',
      name: '王小華',
      class_code: '101',
      seat: 1,
      student_no: '1130001',
    },
  ],
  responses: {
    200: ok('What was written.', Written),
    400: refused('Bad rows: `errors` names each (index, field, message).', 'invalid_request'),
    ...SCHOOL_REFUSALS,
    409: refused(
      'Rows naming the account of a credential the back office published: nothing is written; `errors` names each (index, field `account`, message).',
      'credential_published',
    ),
  },
};

export const GET_CREDENTIALS_OPERATION: Operation = {
  tag: 'roster',
  summary: 'List verification credentials',
  description: 'The school’s credentials (never a password) and whether each was used to register.',
  permission: 'roster',
  params: SchoolParams,
  responses: { 200: ok('The credentials.', Listing), ...SCHOOL_REFUSALS },
};

const schoolOf = (ctx: Context) => ctx.state.rosterSchool as string;

export function validateRows(body: unknown): { rows: z.infer<typeof RowInput>[] } | { errors: RowError[] } {
  const list = Body.safeParse(body);
  if (!list.success) return { errors: [{ index: -1, field: '', message: 'a JSON array of 1 to 5000 rows' }] };
  const errors: RowError[] = [];
  const rows: z.infer<typeof RowInput>[] = [];
  const seen = new Map<string, number>();
  list.data.forEach((raw, index) => {
    const row = RowInput.safeParse(raw);
    if (!row.success) {
      for (const issue of row.error.issues) errors.push({ index, field: issue.path.join('.'), message: issue.message });
      return;
    }
    const first = seen.get(row.data.account);
    if (first !== undefined) errors.push({ index, field: 'account', message: `same account as row ${first}` });
    seen.set(row.data.account, index);
    rows.push(row.data);
  });
  return errors.length ? { errors } : { rows };
}

export function putCredentials(s: Services) {
  return async (ctx: Context) => {
    const school = schoolOf(ctx);
    const checked = validateRows((ctx.request as { body?: unknown }).body);
    if ('errors' in checked) return refuseJson(ctx, 400, 'invalid_request', { errors: checked.errors });
    const rows = checked.rows.map((r) => ({
      role: r.role,
      account: r.account,
      name: r.name,
      classCode: r.class_code,
      seat: r.seat,
      studentNo: r.student_no,
      password: r.password,
      passwordHash: r.password_hash,
    }));
    let counts: { inserted: number; updated: number };
    try {
      counts = await s.enrolment.upsertCredentials(school, rows, apiClientOf(ctx).clientId);
    } catch (err) {
      if (!(err instanceof PublishedCredentials)) throw err;
      return refuseJson(ctx, 409, 'credential_published', {
        error_description: 'the back office published these accounts; an upload does not replace them',
        errors: err.rows.map(
          (r): RowError => ({
            index: r.index,
            field: 'account',
            message: `${r.account} is a credential the back office published`,
          }),
        ),
      });
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = Written.parse({ school, ...counts });
  };
}

export function getCredentials(s: Services) {
  return async (ctx: Context) => {
    const school = schoolOf(ctx);
    const rows = await s.enrolment.listCredentials(school);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = Listing.parse({
      school,
      credentials: rows.map((r) => ({
        account: r.account,
        role: r.role,
        name: r.name,
        class_code: r.class_code,
        seat: r.seat,
        student_no: r.student_no,
        claimed: r.claimed_by_person_id !== null,
        claimed_at: r.claimed_at === null ? null : new Date(r.claimed_at).toISOString(),
      })),
    });
  };
}
