// The password policy: what a new password must be, as the i18n key of the first problem (undefined: accepted).
// Length in characters (≥ 8) and in UTF-8 bytes (≤ 72, all bcrypt reads); not a known common password, not the
// person's account, email or name, not one character repeated. No composition rules (NIST SP 800-63B).
import { createRequire } from 'node:module';
import { MAX_PASSWORD_BYTES } from './passwords.ts';

export const MIN_PASSWORD_LENGTH = 8;
export { MAX_PASSWORD_BYTES };

export type PasswordContext = { username?: string | null; email?: string | null; name?: string | null };

export type PolicyProblem =
  | 'password.policy.tooShort'
  | 'password.policy.tooLong'
  | 'password.policy.repeated'
  | 'password.policy.common'
  | 'password.policy.personal';

/** Words of this service that a password must not be (checked like the common list). */
const SERVICE_WORDS = ['campus-sso', 'campussso', 'campus sso', 'tpeduSSO', 'tpedusso'];

let common: Set<string> | undefined;
/**
 * About 18,000 common passwords of 8 characters or more (zxcvbn's list), lower-cased; built on first use, and the
 * list's package (all its dictionaries) loaded only then, not at start (memory at rest).
 */
function commonPasswords(): Set<string> {
  const load = () =>
    (createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common'))
      .dictionary;
  common ??= new Set(
    [...load()['passwords-common'], ...SERVICE_WORDS]
      .filter((p) => p.length >= MIN_PASSWORD_LENGTH)
      .map((p) => p.toLowerCase()),
  );
  return common;
}

const fold = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');

/** The person's own words: account name, the email address and its local part, the name. */
function personalWords(context: PasswordContext): string[] {
  const words = [context.username, context.email, context.email?.split('@')[0], context.name];
  return words
    .filter((w): w is string => typeof w === 'string')
    .map(fold)
    .filter((w) => w.length > 0);
}

export function checkPasswordPolicy(password: string, context: PasswordContext): PolicyProblem | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return 'password.policy.tooShort';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return 'password.policy.tooLong';
  if (/^(.)\1*$/su.test(password)) return 'password.policy.repeated';
  const folded = fold(password);
  if (commonPasswords().has(password.toLowerCase()) || commonPasswords().has(folded)) return 'password.policy.common';
  // Containing a word of 3+ characters counts ("teacher2026" for "teacher"); shorter ones only when equal.
  if (personalWords(context).some((w) => folded === w || (w.length >= 3 && folded.includes(w))))
    return 'password.policy.personal';
  return undefined;
}

/** Problems of a new password typed twice, as i18n keys per field; empty when it is accepted. */
export type NewPasswordProblems = { password?: string; confirm?: string };

/**
 * The one check of a new password wherever one is chosen (registration, forced change, reset, account page): present,
 * within the policy, and typed the same twice. (People.checkNewPassword adds: not the person's current password.)
 */
export function checkNewPassword(input: {
  password: string;
  confirm: string;
  context: PasswordContext;
}): NewPasswordProblems {
  if (!input.password) return { password: 'password.field.required' };
  const problem = checkPasswordPolicy(input.password, input.context);
  if (problem) return { password: problem };
  if (!input.confirm) return { confirm: 'password.field.confirmRequired' };
  if (input.confirm !== input.password) return { confirm: 'password.field.mismatch' };
  return {};
}
