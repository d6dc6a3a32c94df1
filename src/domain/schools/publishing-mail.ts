// What a person is told when a school's published roster adds an identity to the account they already have.
import { defineTexts, LOCALES, type Locale, translator } from '../../platform/i18n/index.ts';
import type { NewMessage } from '../outbox/outbox.ts';

const zh = {
  schoolMail: {
    identityAddedSubject: '{{brand}}：學校在您的帳號加上了新身分',
    identityAddedText:
      '您好：\n\n{{school}}已經把「{{role}}」身分加到您的帳號（{{login}}）。下次登入時，您可以選擇用這個身分登入。\n\n登入位置：{{home}}\n\n如果您不認識這所學校，請與學校或{{brand}}聯絡。\n\n{{brand}}敬上',
  },
};

const en: typeof zh = {
  schoolMail: {
    identityAddedSubject: '{{brand}}: your school added an identity to your account',
    identityAddedText:
      'Hello,\n\n{{school}} added the identity “{{role}}” to your account ({{login}}). The next time you sign in, you can choose to sign in with it.\n\nSign in at: {{home}}\n\nIf you do not know this school, please contact the school or {{brand}}.\n\n{{brand}}',
  },
};

defineTexts({ 'zh-TW': zh, en });

export function identityAddedMail(
  locale: string | null,
  m: { to: string; school: string; role: string; login: string; home: string },
): NewMessage {
  const t = translator(LOCALES.includes(locale as Locale) ? (locale as Locale) : 'zh-TW');
  const brand = t('brand');
  return {
    channel: 'email',
    to: m.to,
    kind: 'school_identity_added',
    subject: t('schoolMail.identityAddedSubject', { brand }),
    text: t('schoolMail.identityAddedText', {
      brand,
      school: m.school,
      role: t(`role.${m.role}`),
      login: m.login,
      home: m.home,
    }),
  };
}
