// The text message of a password reset, in both languages (Traditional Chinese first); the mail is the domain's
// (domain/people/reset-mail.ts), which the bureau console sends too.
import type { NewMessage } from '../../domain/outbox/outbox.ts';
import { bilingual } from '../../platform/i18n/index.ts';

export function resetSms(mobile: string, code: string): NewMessage {
  return {
    channel: 'sms',
    to: mobile,
    kind: 'password_reset_code',
    text: bilingual('password.mail.resetSms', () => ({ code }), ' '),
  };
}
