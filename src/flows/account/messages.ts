// The mail and SMS the account pages send, in the language of the page the person used.
import type { TFunction } from 'i18next';
import type { Channel, NewMessage } from '../../domain/outbox/outbox.ts';
import { noticeTarget } from '../../domain/people/notices.ts';
import type { ContactKind, VerifiedContacts } from '../../domain/people/persons.ts';
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
 * Tells the account that something was changed (so a change by someone else does not go unseen): what it was and
 * when, never the new value. It goes where every notice about the account goes (noticeTarget: the verified email the
 * account had before the change, else its verified mobile, so a mobile-only account is told by SMS and a mobile change
 * reaches the old number); none when the account had neither.
 */
export function changeNotice(
  t: TFunction,
  locale: Locale,
  previous: VerifiedContacts,
  what: Changed,
  offers: (channel: Channel) => boolean,
): NewMessage | undefined {
  const target = noticeTarget(previous, offers);
  if (!target) return undefined;
  const removed = what === 'contactPhoneRemoved';
  const vars = {
    what: t(`account.mail.what.${removed ? 'contactPhone' : what}`),
    time: formatTime(new Date(), locale),
  };
  if (target.channel === 'sms')
    return {
      ...target,
      text: t(removed ? 'account.mail.noticeRemovedSms' : 'account.mail.noticeSms', vars),
      kind: KIND[what],
    };
  return {
    ...target,
    subject: t('account.mail.noticeSubject'),
    text: t(removed ? 'account.mail.noticeRemoved' : 'account.mail.notice', vars),
    kind: KIND[what],
  };
}
