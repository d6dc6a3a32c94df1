// What a person is told by mail or SMS about their account — a password changed, a second factor added or removed (in both
// languages: the notice may reach them before they choose one) — and the one rule of where such a notice goes.
import type { Knex } from 'knex';
import { bilingual, bilingualSubject, type Locale, translator } from '../../platform/i18n/index.ts';
import { type Channel, enqueueMessage, type NewMessage } from '../outbox/outbox.ts';
import type { Person, VerifiedContacts } from './persons.ts';
import './texts.ts';
import './texts-factor-removed.ts';

const taipeiTime = (when: Date, locale: string) =>
  `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Taipei' }).format(when)} (UTC+8)`;

/** Where a notice about the account goes: its verified email, else its verified mobile (when SMS goes anywhere here). */
export type NoticeTarget = VerifiedContacts;

/** The rule itself: the verified email, else the verified mobile (when SMS goes anywhere here), else nowhere. */
export function noticeTarget(
  person: NoticeTarget,
  offers: (channel: Channel) => boolean,
): { channel: 'email'; to: string } | { channel: 'sms'; to: string } | undefined {
  if (person.email && person.email_verified && offers('email')) return { channel: 'email', to: person.email };
  if (person.mobile && person.mobile_verified && offers('sms')) return { channel: 'sms', to: person.mobile };
  return undefined;
}

/**
 * A notice about the account in both languages, by the one channel NoticeTarget names, or none:
 * `keys` name its mail subject, mail text and SMS text; `vars` fill them in each language.
 */
export function accountNotice(
  person: NoticeTarget,
  kind: string,
  keys: { subject: string; text: string; sms: string },
  vars: (locale: Locale) => Record<string, string>,
  offers: (channel: Channel) => boolean,
): NewMessage | undefined {
  const target = noticeTarget(person, offers);
  if (target?.channel === 'email')
    return { ...target, kind, subject: bilingualSubject(keys.subject), text: bilingual(keys.text, vars) };
  if (target?.channel === 'sms') return { ...target, kind, text: bilingual(keys.sms, vars, ' ') };
  return undefined;
}

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
  const vars = (locale: Locale) => ({
    name: person.name,
    time: taipeiTime(when, locale),
    link: forgotLink,
    links: linksRemoved ? translator(locale)('password.mail.changedLinks') : '',
  });
  const keys = {
    subject: 'password.mail.changedSubject',
    text: 'password.mail.changedText',
    sms: 'password.mail.changedSms',
  };
  return accountNotice(person, 'password_changed', keys, vars, offers);
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
  const keys = {
    subject: 'password.mail.factorSubject',
    text: 'password.mail.factorText',
    sms: 'password.mail.factorSms',
  };
  return accountNotice(person, 'second_factor_added', keys, vars, offers);
}

/**
 * "The Department of Education removed your second factor; the next back-office sign-in sets one up again; if you did
 * not ask for this, contact your school": by the same channel as passwordChangedNotice, or none.
 */
export function secondFactorRemovedNotice(
  person: Pick<Person, 'name' | 'email' | 'email_verified' | 'mobile' | 'mobile_verified'>,
  when: Date,
  offers: (channel: Channel) => boolean,
): NewMessage | undefined {
  const vars = (locale: Locale) => ({ name: person.name, time: taipeiTime(when, locale) });
  const keys = {
    subject: 'password.mail.factorRemovedSubject',
    text: 'password.mail.factorRemovedText',
    sms: 'password.mail.factorRemovedSms',
  };
  return accountNotice(person, 'second_factor_removed', keys, vars, offers);
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
