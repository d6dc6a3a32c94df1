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

/** What a notice can be about: a verified contact, or the contact phone (聯絡電話) changed or removed. */
export type Changed = ContactKind | 'contactPhone' | 'contactPhoneRemoved';

const KIND: Record<Changed, string> = {
  email: 'account_changed.email',
  mobile: 'account_changed.mobile',
  contactPhone: 'account_changed.contact_phone',
  contactPhoneRemoved: 'account_changed.contact_phone_removed',
};

/**
 * Tells the account's email address that something was changed (so a change by someone else does not go unseen):
 * what it was and when, never the new value.
 */
export function changeNotice(
  t: TFunction,
  locale: Locale,
  email: string | null | undefined,
  what: Changed,
): NewMessage | undefined {
  if (!email) return undefined;
  const removed = what === 'contactPhoneRemoved';
  const thing = t(`account.mail.what.${removed ? 'contactPhone' : what}`);
  return {
    channel: 'email',
    to: email,
    subject: t('account.mail.noticeSubject'),
    text: t(removed ? 'account.mail.noticeRemoved' : 'account.mail.notice', {
      what: thing,
      time: formatTime(new Date(), locale),
    }),
    kind: KIND[what],
  };
}
