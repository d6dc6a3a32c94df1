// What a person is told by mail or SMS when their password changes (in both languages: the notice may reach them
// before they choose one).

import type { Knex } from 'knex';
import { bilingual, bilingualSubject, type Locale, translator } from '../../platform/i18n/index.ts';
import { type Channel, enqueueMessage, type NewMessage } from '../outbox/outbox.ts';
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

/**
 * "A second factor was added to your account" (an authenticator app, or a passkey), so that one set up by someone who
 * had the password does not go unseen: by the same channel as passwordChangedNotice, or none.
 */
export function secondFactorAddedNotice(
  person: Pick<Person, 'name' | 'email' | 'email_verified' | 'mobile' | 'mobile_verified'>,
  when: Date,
  what: 'totp' | 'passkey',
  offers: (channel: Channel) => boolean,
): NewMessage | undefined {
  const vars = (locale: Locale) => ({
    name: person.name,
    time: taipeiTime(when, locale),
    what: translator(locale)(`password.mail.factor.${what}`),
  });
  if (person.email && person.email_verified && offers('email'))
    return {
      channel: 'email',
      to: person.email,
      kind: 'second_factor_added',
      subject: bilingualSubject('password.mail.factorSubject'),
      text: bilingual('password.mail.factorText', vars),
    };
  if (person.mobile && person.mobile_verified && offers('sms'))
    return {
      channel: 'sms',
      to: person.mobile,
      kind: 'second_factor_added',
      text: bilingual('password.mail.factorSms', vars, ' '),
    };
  return undefined;
}

/** Queues secondFactorAddedNotice for the person, in the transaction that added the factor. */
export async function queueSecondFactorNotice(
  trx: Knex.Transaction,
  personId: string,
  what: 'totp' | 'passkey',
  offers: (channel: Channel) => boolean,
): Promise<void> {
  const person = await trx('persons')
    .where({ id: personId })
    .first('name', 'email', 'email_verified', 'mobile', 'mobile_verified');
  const notice = person && secondFactorAddedNotice(person, new Date(), what, offers);
  if (notice) await enqueueMessage(trx, notice);
}
