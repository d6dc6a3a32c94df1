// Where a reset goes: the verified email address or mobile number a person typed, and the active person behind it.
import { z } from 'zod';
import { normaliseMobile } from '../../domain/people/persons.ts';

export type ResetTarget = { channel: 'email'; email: string } | { channel: 'sms'; mobile: string };

const email = z.email().max(254);

/**
 * The email address or mobile number as typed, read as the sign-in reads a login: full-width letters, digits and signs
 * (`ｐａｒｅｎｔ＠…`, `０９１２３４５６７８`, which a Chinese input method types) made ASCII (NFKC) first.
 */
export function parseResetTarget(input: string): ResetTarget | undefined {
  const value = input.normalize('NFKC').trim();
  if (value.includes('@')) {
    const parsed = email.safeParse(value.toLowerCase());
    return parsed.success ? { channel: 'email', email: parsed.data } : undefined;
  }
  const mobile = normaliseMobile(value);
  return mobile ? { channel: 'sms', mobile } : undefined;
}

/** A stable name for the target, for rate limits. */
export const targetName = (t: ResetTarget) => (t.channel === 'email' ? `email:${t.email}` : `sms:${t.mobile}`);
