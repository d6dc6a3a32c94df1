// Checks a new password and its confirmation for a person: the policy, the match, and that it is really new.
import { checkPasswordPolicy } from '../../domain/people/password-policy.ts';
import { verifyPassword } from '../../domain/people/passwords.ts';
import type { Person } from '../../domain/people/persons.ts';

/** i18n keys per field; empty when the password is accepted. */
export type NewPasswordErrors = { password?: string; confirm?: string };

export async function newPasswordErrors(person: Person, password: string, confirm: string): Promise<NewPasswordErrors> {
  if (!password) return { password: 'password.field.required' };
  const problem = checkPasswordPolicy(password, { username: person.username, email: person.email, name: person.name });
  if (problem) return { password: problem };
  if (!confirm) return { confirm: 'password.field.confirmRequired' };
  if (confirm !== password) return { confirm: 'password.field.mismatch' };
  if (person.password_hash && (await verifyPassword(password, person.password_hash))) return { password: 'password.field.sameAsCurrent' };
  return {};
}
