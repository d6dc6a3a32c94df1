// Whether an identity counts now — the project's rule (identities/identities.ts, identities/account.ts): its status is
// 'active' and it has not ended. A school roster that drops someone sets `ended_at` (the end of the semester) and
// leaves the status 'active', so a check of the status alone keeps the rights of people who have left.

/** For `whereRaw`: the identity aliased `alias` has not ended (its `status` is checked beside it). */
export const notEnded = (alias: string): string => `(${alias}.ended_at is null or ${alias}.ended_at > now())`;
