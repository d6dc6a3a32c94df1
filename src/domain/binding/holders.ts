// Who already holds an email address or a mobile number, for a binding application's new parent: anyone at all,
// registrations still waiting for their activation link included. A binding applicant proves only the contact their
// code went to; an address typed in step 4 that someone else has started to register with is not theirs to take (the
// approval would make it the parent's login and leave the person who registered it a dead end at activation).
import type { Knex } from 'knex';

export type Held = 'account' | 'pending';

/** Whether any person uses `email` as their email or username, and whether only a waiting registration does. */
export async function emailHeld(db: Knex, email: string): Promise<Held | undefined> {
  const key = email.toLowerCase();
  const rows: { status: string }[] = await db('persons')
    .select('status')
    .where((q) => q.whereRaw('lower(email) = ?', [key]).orWhereRaw('lower(username) = ?', [key]))
    .limit(5);
  if (!rows.length) return undefined;
  return rows.some((r) => r.status !== 'pending') ? 'account' : 'pending';
}

/** Whether any person has this mobile number as theirs (the sign-in number, whatever their status). */
export async function mobileHeld(db: Knex, mobile: string): Promise<boolean> {
  return !!(await db('persons').where({ mobile }).first('id'));
}
