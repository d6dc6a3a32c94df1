// Texts of the notice that the Department of Education removed a person's second factor (notices.ts,
// secondFactorRemovedNotice), beside texts.ts so that its keys and these can change apart.
import { defineTexts } from '../../platform/i18n/index.ts';

defineTexts({
  'zh-TW': {
    password: {
      mail: {
        factorRemovedSubject: '$t(brand)：您帳號的兩步驟驗證已被移除',
        factorRemovedText:
          '{{name}} 您好：\n\n教育局已於 {{time}} 移除您「{{brand}}」帳號的兩步驟驗證（驗證器 App 和通行密鑰）。下次登入學校後台或教育局後台時，會請您重新設定一次。\n\n如果您沒有請人移除，請立即重設密碼，並和學校聯絡。',
        factorRemovedSms:
          '【{{brand}}】教育局已於 {{time}} 移除您的兩步驟驗證，下次登入學校或教育局後台時請重新設定。如果您沒有請人移除，請和學校聯絡。',
      },
    },
  },
  en: {
    password: {
      mail: {
        factorRemovedSubject: '$t(brand): the second factor of your account was removed',
        factorRemovedText:
          'Hello {{name}},\n\nThe Department of Education removed the second factor (authenticator app and passkeys) of your “{{brand}}” account on {{time}}. The next time you sign in to the school or bureau back office, you will be asked to set one up again.\n\nIf you did not ask for this, reset your password at once and contact your school.',
        factorRemovedSms:
          '[{{brand}}] The Department of Education removed your second factor on {{time}}; set it up again at your next back-office sign-in. If you did not ask for this, contact your school.',
      },
    },
  },
});
