// Texts of what people are told about their linked accounts from the domain: the "an account was linked" notice.
import { defineTexts } from '../../platform/i18n/index.ts';

defineTexts({
  'zh-TW': {
    federation: {
      mail: {
        linkedSubject: '$t(brand)：您的帳號連結了其他帳號',
        linkedText:
          '{{name}} 您好：\n\n您「{{brand}}」的帳號已於 {{time}}（臺北時間）連結了一個「{{provider}}」帳號。連結以後，用那個帳號就能直接登入您的帳號。\n\n如果這是您本人操作，不需要做任何事。如果不是，請立即到下列網址重設密碼（重設密碼會同時取消所有連結的帳號），並通知學校承辦人：\n\n{{link}}',
        linkedSms:
          '【{{brand}}】您的帳號已於 {{time}} 連結一個「{{provider}}」帳號。如非本人操作，請立即重設密碼（會取消所有連結）並通知學校。',
      },
    },
  },
  en: {
    federation: {
      mail: {
        linkedSubject: '$t(brand): another account was linked to yours',
        linkedText:
          'Hello {{name}},\n\nA “{{provider}}” account was linked to your “{{brand}}” account on {{time}} (Taipei time). Once linked, that account can sign in to yours directly.\n\nIf that was you, there is nothing to do. If not, reset your password at once at the address below (a reset also removes every linked account) and tell your school:\n\n{{link}}',
        linkedSms:
          '[{{brand}}] A “{{provider}}” account was linked to yours on {{time}}. If this was not you, reset your password now (it removes every link) and tell your school.',
      },
    },
  },
});
