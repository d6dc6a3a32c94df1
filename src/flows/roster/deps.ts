// What roster registration needs from the composition root: the account portal's dependencies (its pages sign
// the person in), which include the database, the shared store and the bcrypt cost.
import type { AccountDeps } from '../account/deps.ts';

export type RosterDeps = AccountDeps;

/** The identity kinds a school can issue verification accounts for (those a person may also self-declare). */
export const ROSTER_ROLES = ['student', 'teacher', 'staff', 'parent'] as const;
export type RosterRole = (typeof ROSTER_ROLES)[number];
