// The mail and text message of a password reset, in both languages (Traditional Chinese first).
import type { NewMessage } from '../../domain/outbox/outbox.ts';
import { bilingual, bilingualSubject } from '../../platform/i18n/index.ts';

export function resetMail(to: string, name: string, link: string): NewMessage {
  return {
    channel: 'email',
    to,
    kind: 'password_reset',
    subject: bilingualSubject('password.mail.resetSubject'),
    text: bilingual('password.mail.resetText', () => ({ name, link })),
  };
}

export function resetSms(mobile: string, code: string): NewMessage {
  return {
    channel: 'sms',
    to: mobile,
    kind: 'password_reset_code',
    text: bilingual('password.mail.resetSms', () => ({ code }), ' '),
  };
}
