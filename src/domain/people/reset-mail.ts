// The password-reset mail: a one-use link to set a new password (password-links.ts), sent when a person asks for it
// (forgot password) or when the bureau sends it for them (the console), in both languages.
import { bilingual, bilingualSubject } from '../../platform/i18n/index.ts';
import type { NewMessage } from '../outbox/outbox.ts';
import type { PasswordLinks } from './password-links.ts';
import type { Person } from './persons.ts';
import './texts.ts';

export function resetMail(to: string, name: string, link: string): NewMessage {
  return {
    channel: 'email',
    to,
    kind: 'password_reset',
    subject: bilingualSubject('password.mail.resetSubject'),
    text: bilingual('password.mail.resetText', () => ({ name, link })),
  };
}

/** A new reset link for the person's verified email and the mail that carries it; none without such an address. */
export async function resetLinkMail(
  links: PasswordLinks,
  issuer: string,
  person: Pick<Person, 'id' | 'name' | 'email' | 'email_verified'>,
  interaction?: string,
): Promise<NewMessage | undefined> {
  if (!person.email || !person.email_verified) return undefined;
  const token = await links.issue({ personId: person.id, via: 'email', interaction, issuedAt: Date.now() });
  return resetMail(person.email, person.name, `${issuer}/password/reset?token=${token}`);
}
