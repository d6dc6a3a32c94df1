// The mails and text messages of password resets: Traditional Chinese first, English below.

import type { NewMessage } from '../../domain/outbox/outbox.ts';
import type { Person } from '../../domain/people/persons.ts';
import { translator } from '../../platform/i18n/index.ts';

const zh = translator('zh-TW');
const en = translator('en');

const MAIL_SEPARATOR = '\n\n――――――――――\n\n';

/** One text in both languages; `vars` may differ per language (dates). */
function both(key: string, separator: string, vars: (locale: 'zh-TW' | 'en') => Record<string, string>): string {
  return `${zh(key, { brand: zh('brand'), ...vars('zh-TW') })}${separator}${en(key, { brand: en('brand'), ...vars('en') })}`;
}

const subject = (key: string) => `${zh(key)} / ${en(key)}`;

/** Absolute URL of a path on this service. */
export function serviceUrl(issuer: string, pathAndQuery: string): string {
  return new URL(pathAndQuery.replace(/^\//, ''), issuer.endsWith('/') ? issuer : `${issuer}/`).href;
}

export function resetMail(to: string, name: string, link: string): NewMessage {
  return {
    channel: 'email',
    to,
    kind: 'password_reset',
    subject: subject('password.mail.resetSubject'),
    text: both('password.mail.resetText', MAIL_SEPARATOR, () => ({ name, link })),
  };
}

export function resetSms(mobile: string, code: string): NewMessage {
  return {
    channel: 'sms',
    to: mobile,
    kind: 'password_reset_code',
    text: both('password.mail.resetSms', ' ', () => ({ code })),
  };
}

const taipeiTime = (when: Date, locale: string) =>
  `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Taipei' }).format(when)} (UTC+8)`;

/** "Your password was changed": by mail to a verified address, else by SMS to a verified mobile, else none. */
export function passwordChangedNotice(person: Person, when: Date, forgotLink: string): NewMessage | undefined {
  const vars = (locale: 'zh-TW' | 'en') => ({ name: person.name, time: taipeiTime(when, locale), link: forgotLink });
  if (person.email && person.email_verified) {
    return {
      channel: 'email',
      to: person.email,
      kind: 'password_changed',
      subject: subject('password.mail.changedSubject'),
      text: both('password.mail.changedText', MAIL_SEPARATOR, vars),
    };
  }
  if (person.mobile && person.mobile_verified) {
    return {
      channel: 'sms',
      to: person.mobile,
      kind: 'password_changed',
      text: both('password.mail.changedSms', ' ', vars),
    };
  }
  return undefined;
}
