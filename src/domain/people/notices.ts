// What a person is told by mail or SMS when their password changes (in both languages: the notice may reach them
// before they choose one).
import { bilingual, bilingualSubject, type Locale, translator } from '../../platform/i18n/index.ts';
import type { Channel, NewMessage } from '../outbox/outbox.ts';
import type { Person } from './persons.ts';
import './texts.ts';

const taipeiTime = (when: Date, locale: string) =>
  `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Taipei' }).format(when)} (UTC+8)`;

/**
 * "Your password was changed; other devices were signed out": to a verified email, else a verified mobile (when SMS
 * goes anywhere here), else none.
 */
export function passwordChangedNotice(
  person: Person,
  when: Date,
  forgotLink: string,
  offers: (channel: Channel) => boolean,
  /** The reset removed the person's linked accounts: the notice says so, and that they can link them again. */
  linksRemoved = false,
): NewMessage | undefined {
  const vars = (locale: string) => ({
    name: person.name,
    time: taipeiTime(when, locale),
    link: forgotLink,
    links: linksRemoved ? translator(locale as Locale)('password.mail.changedLinks') : '',
  });
  if (person.email && person.email_verified && offers('email')) {
    return {
      channel: 'email',
      to: person.email,
      kind: 'password_changed',
      subject: bilingualSubject('password.mail.changedSubject'),
      text: bilingual('password.mail.changedText', vars),
    };
  }
  if (person.mobile && person.mobile_verified && offers('sms')) {
    return {
      channel: 'sms',
      to: person.mobile,
      kind: 'password_changed',
      text: bilingual('password.mail.changedSms', vars, ' '),
    };
  }
  return undefined;
}
