// The mail and SMS the account pages send, in the language of the page the person used.
import type { TFunction } from 'i18next';
import type { NewMessage } from '../../domain/outbox/outbox.ts';
import type { ContactKind } from '../../domain/people/persons.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { formatTime } from './time.ts';

export function codeMessage(t: TFunction, kind: ContactKind, to: string, code: string): NewMessage {
  return kind === 'email'
    ? {
        channel: 'email',
        to,
        subject: t('account.mail.codeSubject'),
        text: t('account.mail.codeEmail', { code }),
        kind: 'verify_email_change',
      }
    : { channel: 'sms', to, text: t('account.mail.codeSms', { code }), kind: 'verify_mobile_change' };
}

/** Tells the account's email address that something was changed (so a change by someone else does not go unseen). */
export function changeNotice(
  t: TFunction,
  locale: Locale,
  email: string | null | undefined,
  what: ContactKind,
): NewMessage | undefined {
  if (!email) return undefined;
  return {
    channel: 'email',
    to: email,
    subject: t('account.mail.noticeSubject'),
    text: t('account.mail.notice', { what: t(`account.mail.what.${what}`), time: formatTime(new Date(), locale) }),
    kind: `account_changed.${what}`,
  };
}
