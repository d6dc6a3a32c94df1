// Where a reset goes: the verified email address or mobile number a person typed, and the active person behind it.
import type { Knex } from 'knex';
import { z } from 'zod';
import { normaliseMobile, type Person } from '../../domain/people/persons.ts';

export type ResetTarget = { channel: 'email'; email: string } | { channel: 'sms'; mobile: string };

const email = z.email().max(254);

export function parseResetTarget(input: string): ResetTarget | undefined {
  const value = input.trim();
  if (value.includes('@')) {
    const parsed = email.safeParse(value.toLowerCase());
    return parsed.success ? { channel: 'email', email: parsed.data } : undefined;
  }
  const mobile = normaliseMobile(value);
  return mobile ? { channel: 'sms', mobile } : undefined;
}

/** A stable name for the target, for rate limits. */
export const targetName = (t: ResetTarget) => (t.channel === 'email' ? `email:${t.email}` : `sms:${t.mobile}`);

/** The active person whose verified email or mobile this is; nobody otherwise. */
export function findResetRecipient(db: Knex, target: ResetTarget): Promise<Person | undefined> {
  const q = db('persons').where({ status: 'active' });
  if (target.channel === 'email') return q.whereRaw('lower(email) = ?', [target.email]).andWhere({ email_verified: true }).first();
  return q.where({ mobile: target.mobile, mobile_verified: true }).first();
}
