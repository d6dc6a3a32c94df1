// Texts of the password pages and messages (`password.*`, zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  password: {
    change: {
      title: '請設定新密碼',
      intro: '這是您第一次登入，或學校已為您重設密碼。繼續前往「{{client}}」之前，請先設定一組只有您知道的新密碼。',
      submit: '設定新密碼並繼續',
      cancel: '取消，返回應用程式',
    },
    forgot: {
      title: '忘記密碼',
      intro:
        '請輸入您帳號中已驗證的 Email 或手機號碼：我們會寄出重設密碼的連結到 Email，或傳送驗證碼簡訊到手機。沒有信箱或手機的學生，請找導師或學校幫忙重設密碼。',
      target: 'Email 或手機號碼',
      targetHint: '例如 name@example.com 或 0912345678',
      submit: '寄送重設方式',
      required: '請輸入 Email 或手機號碼。',
      invalidTarget: '請輸入正確的 Email 或手機號碼（例如 0912345678）。',
      tooMany: '申請次數過多，請於 1 小時後再試。',
      introEmailOnly:
        '請輸入您帳號中已驗證的 Email，我們會寄出重設密碼的連結。沒有信箱的學生，請找導師或學校幫忙重設密碼。',
      targetEmailOnly: 'Email',
      targetHintEmailOnly: '例如 name@example.com',
      requiredEmailOnly: '請輸入 Email。',
      invalidTargetEmailOnly: '請輸入正確的 Email（例如 name@example.com）。',
      smsUnavailable: '目前無法傳送簡訊驗證碼。請改輸入您帳號中的 Email；沒有 Email 的話，請找學校的老師幫忙。',
      smsWaiting:
        '這個手機號碼輸入錯誤的驗證碼太多次。為了保護帳號，用簡訊重設密碼暫停到 {{until}}（臺北時間）。請改輸入您帳號中的 Email；沒有 Email 的話，請找學校的老師幫忙。',
    },
    sent: {
      title: '請查看您的 Email',
      text: '如果有帳號使用這個 Email，我們已寄出重設密碼的連結。連結 1 小時內有效，只能使用一次。',
      hint: '沒有收到嗎？請檢查垃圾郵件匣；也可以稍後重新申請。',
    },
    code: {
      title: '輸入簡訊驗證碼',
      text: '如果有帳號使用這個手機號碼，我們已傳送 6 位數的驗證碼簡訊，10 分鐘內有效。',
      label: '驗證碼',
      hint: '簡訊中的 6 位數字',
      submit: '確認',
      invalid: '請輸入簡訊中的 6 位數字。',
      wrong: '驗證碼錯誤，您還可以再試 {{count}} 次。',
      tooManyTitle: '驗證碼已失效',
      tooMany: '驗證碼錯誤次數過多，這組驗證碼已失效。請重新申請。',
      expiredTitle: '驗證碼已失效',
      expired: '這組驗證碼已過期或已使用。請重新申請。',
      waitTitle: '暫時不能用簡訊重設密碼',
      wait: '這個手機號碼輸入錯誤的驗證碼太多次。為了保護帳號，用簡訊重設密碼暫停到 {{until}}（臺北時間）。您可以改用帳號中的 Email 重設密碼；沒有 Email 的話，請找學校的老師幫忙。',
      useEmail: '改用 Email 重設密碼',
    },
    reset: {
      title: '設定新密碼',
      intro: '請為您的帳號設定新密碼。設定完成後，請用新密碼登入。',
      submit: '設定新密碼',
      invalidTitle: '連結無效',
      invalid: '這個重設密碼連結無效、已過期或已經使用過。請重新申請。',
      again: '重新申請重設密碼',
      doneTitle: '密碼已更新',
      done: '您的密碼已更新。為了安全，您在其他裝置上的登入和應用程式的授權都已結束；請使用新密碼登入。',
      doneLinks:
        '您連結的其他帳號（例如用來登入的 Google 帳號）也已取消連結，不能再用它們登入。需要的話，用新密碼登入後，可以在「我的帳號」的「連結的帳號」重新連結。',
    },
    welcome: {
      title: '設定您的密碼',
      intro: '歡迎！請為您的新帳號設定一組只有您知道的密碼，之後就用它登入。',
      submit: '設定密碼',
      doneTitle: '密碼設定好了',
      done: '您的密碼設定好了。現在可以用您的帳號和這組密碼登入。',
    },
    back: {
      signIn: '返回登入',
      account: '登入我的帳號',
      home: '回到首頁',
    },
    mail: {
      resetSms: '【{{brand}}】重設密碼驗證碼：{{code}}，10 分鐘內有效。請勿提供給任何人。',
    },
  },
};

const en: typeof zh = {
  password: {
    change: {
      title: 'Set a new password',
      intro:
        'This is your first sign-in, or your school has reset your password. Before you continue to “{{client}}”, please set a new password that only you know.',
      submit: 'Set the password and continue',
      cancel: 'Cancel and return to the application',
    },
    forgot: {
      title: 'Forgot password',
      intro:
        'Enter the verified email address or mobile number of your account: we will email you a link to reset your password, or text you a code. Pupils with no email or mobile: ask your homeroom teacher or the school to reset your password.',
      target: 'Email or mobile number',
      targetHint: 'For example name@example.com or 0912345678',
      submit: 'Send',
      required: 'Please enter an email address or mobile number.',
      invalidTarget: 'Please enter a valid email address or mobile number (for example 0912345678).',
      tooMany: 'Too many requests. Please try again in an hour.',
      introEmailOnly:
        'Enter the verified email address of your account: we will email you a link to reset your password. Pupils with no email: ask your homeroom teacher or the school to reset your password.',
      targetEmailOnly: 'Email',
      targetHintEmailOnly: 'For example name@example.com',
      requiredEmailOnly: 'Please enter an email address.',
      invalidTargetEmailOnly: 'Please enter a valid email address (for example name@example.com).',
      smsUnavailable:
        'We cannot send text messages right now. Please enter the email address of your account instead; if you have none, ask a teacher at your school for help.',
      smsWaiting:
        'Too many wrong codes were typed for this mobile number. To keep the account safe, resetting the password by text message is paused until {{until}} (Taipei time). Please enter the email address of your account instead; if you have none, ask a teacher at your school for help.',
    },
    sent: {
      title: 'Check your email',
      text: 'If an account uses this email address, we have sent it a link to reset the password. The link is valid for 1 hour and works once.',
      hint: 'Nothing arrived? Check your spam folder, or ask again later.',
    },
    code: {
      title: 'Enter the code from the text message',
      text: 'If an account uses this mobile number, we have sent it a 6-digit code by text message. It is valid for 10 minutes.',
      label: 'Code',
      hint: 'The 6 digits in the message',
      submit: 'Confirm',
      invalid: 'Please enter the 6 digits from the message.',
      wrong: 'The code is wrong. You can try {{count}} more times.',
      tooManyTitle: 'The code is no longer valid',
      tooMany: 'Too many wrong codes: this code is no longer valid. Please ask for a new one.',
      expiredTitle: 'The code is no longer valid',
      expired: 'This code has expired or has been used. Please ask for a new one.',
      waitTitle: 'Resetting by text message is paused',
      wait: 'Too many wrong codes were typed for this mobile number. To keep the account safe, resetting the password by text message is paused until {{until}} (Taipei time). You can reset it with the email address of your account instead; if you have none, ask a teacher at your school for help.',
      useEmail: 'Reset with my email instead',
    },
    reset: {
      title: 'Set a new password',
      intro: 'Choose a new password for your account, then sign in with it.',
      submit: 'Set new password',
      invalidTitle: 'This link does not work',
      invalid: 'This password reset link is invalid, has expired or has already been used. Please ask for a new one.',
      again: 'Ask for a new reset link',
      doneTitle: 'Password changed',
      done: 'Your password has been changed. To keep your account safe, you are signed out on your other devices and apps; sign in with the new password.',
      doneLinks:
        'Other accounts you had linked to yours (such as a Google account you signed in with) are unlinked too, and no longer sign you in. If you want them back, sign in with the new password and link them again under My account, Linked accounts.',
    },
    welcome: {
      title: 'Choose your password',
      intro: 'Welcome! Choose a password for your new account that only you know; you will sign in with it.',
      submit: 'Set the password',
      doneTitle: 'Your password is set',
      done: 'Your password is set. You can now sign in with your account and this password.',
    },
    back: {
      signIn: 'Back to sign-in',
      account: 'Sign in to my account',
      home: 'Go to the home page',
    },
    mail: {
      resetSms: '[{{brand}}] Password reset code: {{code}}, valid for 10 minutes. Do not share it with anyone.',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
