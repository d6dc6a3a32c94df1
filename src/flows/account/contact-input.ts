// A new email address or mobile number as typed, in the one form we store, or the i18n key of its problem.
import { z } from 'zod';
import type { ContactKind } from '../../domain/people/persons.ts';
import { normaliseMobile } from '../../domain/people/persons.ts';

export function parseContact(kind: ContactKind, input: string): { value: string } | { error: string } {
  const trimmed = input.normalize('NFKC').trim();
  if (!trimmed) return { error: `account.contact.required.${kind}` };
  if (kind === 'mobile') {
    const mobile = normaliseMobile(trimmed);
    return mobile ? { value: mobile } : { error: 'account.contact.invalidMobile' };
  }
  const email = trimmed.toLowerCase();
  return email.length <= 254 && z.email().safeParse(email).success
    ? { value: email }
    : { error: 'account.contact.invalidEmail' };
}

/** A 6-digit code as typed: full-width digits, spaces and dashes allowed. */
export function parseCode(input: string): string | undefined {
  const code = input.normalize('NFKC').replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}
