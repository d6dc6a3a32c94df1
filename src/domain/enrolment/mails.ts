// The two mails of registration, in the person's language, worded after seed 000 §1.1 and §2.1.
import './texts.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { translator } from '../../platform/i18n/index.ts';
import type { NewMessage } from '../outbox/outbox.ts';

export function activationMail(locale: Locale, m: { to: string; link: string; home: string }): NewMessage {
  const t = translator(locale);
  const brand = t('brand');
  return {
    channel: 'email',
    to: m.to,
    kind: 'registration_activation',
    subject: t('registration.mail.activationSubject', { brand }),
    text: t('registration.mail.activationText', { brand, link: m.link, home: m.home }),
  };
}

export function welcomeMail(
  locale: Locale,
  m: { to: string; home: string; school: string; role: string; verified?: boolean },
): NewMessage {
  const t = translator(locale);
  const brand = t('brand');
  return {
    channel: 'email',
    to: m.to,
    kind: 'registration_welcome',
    subject: t('registration.mail.welcomeSubject', { brand }),
    text: t(m.verified ? 'registration.mail.welcomeTextVerified' : 'registration.mail.welcomeText', {
      brand,
      email: m.to,
      home: m.home,
      school: m.school,
      role: t(`role.${m.role}`),
    }),
  };
}

export const activationLink = (issuer: string, token: string) => `${issuer}/register/activate?token=${token}`;
export const homeLink = (issuer: string) => `${issuer}/`;
