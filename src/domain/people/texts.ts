// Texts of what people are told about their account from the domain: the password-changed notice, the reset mail.
import { defineTexts } from '../../platform/i18n/index.ts';

defineTexts({
  'zh-TW': {
    password: {
      mail: {
        resetSubject: '$t(brand)：重設您的密碼',
        resetText:
          '{{name}} 您好：\n\n我們收到重設您「{{brand}}」帳號密碼的申請。請在 1 小時內開啟下列連結，設定新密碼（連結只能使用一次）：\n\n{{link}}\n\n如果這不是您提出的申請，請忽略這封信，您的密碼不會改變。',
        changedSubject: '$t(brand)：您的密碼已變更',
        changedText:
          '{{name}} 您好：\n\n您「{{brand}}」帳號的密碼已於 {{time}} 變更。為了安全，您在其他裝置上的登入和應用程式的授權都已結束，請用新密碼重新登入。{{links}}\n\n如果這不是您本人的操作，請立即到下列網址重設密碼，並通知學校承辦人：\n\n{{link}}',
        changedLinks:
          '您連結的其他帳號（例如用來登入的 Google 帳號）也已取消連結；需要的話，用新密碼登入後，可以在「我的帳號」的「連結的帳號」重新連結。',
        changedSms:
          '【{{brand}}】您的帳號密碼已於 {{time}} 變更，其他裝置已登出。{{links}}如非本人操作，請立即重設密碼並通知學校。',
        factor: { totp: '驗證器 App', passkey: '通行密鑰' },
        factorSubject: '$t(brand)：您的帳號加上了兩步驟驗證',
        factorText:
          '{{name}} 您好：\n\n您「{{brand}}」帳號的兩步驟驗證已於 {{time}} 加上了一個{{what}}。以後登入學校後台或教育局後台時，要用它再確認一次。\n\n如果這不是您本人的操作，表示有人知道您的密碼：請立即重設密碼，並請學校承辦人或教育局移除這個兩步驟驗證。',
        factorSms:
          '【{{brand}}】您的帳號已於 {{time}} 加上{{what}}作為兩步驟驗證。如非本人操作，請立即重設密碼，並請學校承辦人或教育局移除。',
        setupCodeSubject: '$t(brand)：設定兩步驟驗證的驗證碼',
        setupCodeText:
          '{{name}} 您好：\n\n您的驗證碼是：{{code}}\n\n有人正在第一次設定您「{{brand}}」帳號的兩步驟驗證。如果是您，請在 10 分鐘內，在設定頁面輸入這 6 位數字。請不要把驗證碼告訴任何人，學校和教育局也不會跟您要。\n\n如果這不是您，表示有人知道您的密碼：請不要理會這個驗證碼，立即重設密碼，並通知學校承辦人。',
        setupCodeSms:
          '【{{brand}}】設定兩步驟驗證的驗證碼：{{code}}（10 分鐘內有效，請勿告訴任何人）。如非本人操作，請立即重設密碼。',
      },
    },
  },
  en: {
    password: {
      mail: {
        resetSubject: '$t(brand): reset your password',
        resetText:
          'Hello {{name}},\n\nWe received a request to reset the password of your “{{brand}}” account. Open this link within 1 hour to set a new password (it works once):\n\n{{link}}\n\nIf you did not ask for this, ignore this message; your password stays the same.',
        changedSubject: '$t(brand): your password was changed',
        changedText:
          'Hello {{name}},\n\nThe password of your “{{brand}}” account was changed on {{time}}. To keep your account safe, you are signed out on your other devices and apps; sign in again with the new password.{{links}}\n\nIf you did not do this, reset your password at once at the address below and tell your school:\n\n{{link}}',
        changedLinks:
          ' Other accounts you had linked to yours (such as a Google account you signed in with) are unlinked too; if you want them back, sign in with the new password and link them again under My account, Linked accounts.',
        changedSms:
          '[{{brand}}] Your password was changed on {{time}}; other devices were signed out.{{links}} If this was not you, reset it now and tell your school.',
        factor: { totp: 'An authenticator app', passkey: 'A passkey' },
        factorSubject: '$t(brand): a second factor was added to your account',
        factorText:
          'Hello {{name}},\n\n{{what}} was added as the second factor of your “{{brand}}” account on {{time}}. From now on, signing in to the school or bureau back office asks for it as well.\n\nIf you did not do this, someone knows your password: reset it at once, and ask the administrator at your school or the Department of Education to remove this second factor.',
        factorSms:
          '[{{brand}}] {{what}} was added as your second factor on {{time}}. If this was not you, reset your password now and ask your school or the Department of Education to remove it.',
        setupCodeSubject: '$t(brand): your code to set up two-step verification',
        setupCodeText:
          'Hello {{name}},\n\nYour code is: {{code}}\n\nSomeone is setting up two-step verification for your “{{brand}}” account for the first time. If it is you, type these 6 digits on the set-up page within 10 minutes. Do not tell anyone the code; your school and the bureau will never ask for it.\n\nIf it is not you, someone knows your password: ignore this code, reset your password at once and tell your school.',
        setupCodeSms:
          '[{{brand}}] Your code to set up two-step verification: {{code}} (10 minutes; tell no one). If this was not you, reset your password now.',
      },
    },
  },
});
