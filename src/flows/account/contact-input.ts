// A new email address, mobile number or contact phone as typed, in the one form we store, or its problem's i18n key.
import { z } from 'zod';
import { normaliseContactPhone } from '../../domain/enrolment/contact-phone.ts';
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

/**
 * A contact phone (聯絡電話) as typed, read as registration reads its 聯絡電話 (a mobile or a landline, full-width digits,
 * spaces, dashes, brackets, +886 and an extension allowed). `hasOne`: the person has one now (an empty field then says
 * how to remove it).
 */
export function parseContactPhone(input: string, hasOne: boolean): { value: string } | { error: string } {
  if (!input.normalize('NFKC').trim())
    return { error: hasOne ? 'account.contactPhone.requiredOrRemove' : 'account.contactPhone.required' };
  const phone = normaliseContactPhone(input);
  return phone ? { value: phone } : { error: 'account.contactPhone.invalid' };
}

/** A 6-digit code as typed: full-width digits, spaces and dashes allowed. */
export function parseCode(input: string): string | undefined {
  const code = input.normalize('NFKC').replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}
