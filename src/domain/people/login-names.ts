// The names a person signs in with, as an operator gives them for a new account (`campus-sso person add`): a
// username sign-in can find again, and an email address read as the registration form and the account page read one.

import { z } from 'zod';
import { normaliseMobile } from './persons.ts';

/**
 * A username: 3 to 64 ASCII letters, digits, dots, dashes or underscores, starting with a letter or digit — what the
 * sign-in form finds again as typed (it compares case-insensitively, after NFKC), and the form roster accounts take
 * (`s1130007`, `p1130007-1`). No spaces, no `@` (an email address is the person's email, not a username).
 */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;

export type UsernameProblem = 'required' | 'invalid' | 'mobile';

export type UsernameCheck = { ok: true; username: string } | { ok: false; problem: UsernameProblem };

/** A username as typed (full-width letters and digits are the ASCII ones meant); passing, the one to keep. */
export function checkUsername(raw: string): UsernameCheck {
  const username = raw.normalize('NFKC').trim();
  if (!username) return { ok: false, problem: 'required' };
  if (!USERNAME.test(username)) return { ok: false, problem: 'invalid' };
  // Sign-in reads a mobile number as one: such a username would name someone else's phone.
  if (normaliseMobile(username)) return { ok: false, problem: 'mobile' };
  return { ok: true, username };
}

const EMAIL = z.email();

/**
 * An email address as typed, in the form stored (lower case), or undefined when it is none: the registration form's
 * and the account page's rule (a valid address of at most 254 characters; NFKC, so full-width letters are the ASCII
 * ones meant).
 */
export function normaliseEmail(raw: string): string | undefined {
  const email = raw.normalize('NFKC').trim().toLowerCase();
  return email.length <= 254 && EMAIL.safeParse(email).success ? email : undefined;
}
