// Texts of signing in with another account (`federation.*`, zh-TW first, English second); the sign-in page's
// buttons and messages use them too.
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  federation: {
    heading: '以其他帳號登入',
    signInWith: '以 {{provider}} 登入',
    linking:
      '您的 {{provider}} 帳號（{{email}}）還沒有連結。請用您的校園帳號和密碼登入一次，就會連結起來，下次可以直接用 {{provider}} 登入。',
    linkingNoEmail:
      '您的 {{provider}} 帳號還沒有連結。請用您的校園帳號和密碼登入一次，就會連結起來，下次可以直接用 {{provider}} 登入。',
    notLinking: '不要連結，改用其他方式登入',
    notice: {
      cancelled: '您在另一個網站取消了登入。您可以再試一次，或用帳號和密碼登入。',
      cancelledAt: '您在「{{provider}}」取消了登入。您可以再試一次，或用帳號和密碼登入。',
      failed: '用另一個帳號登入沒有成功，所以沒有登入。請再試一次，或用帳號和密碼登入。',
      unavailable: '另一個網站現在沒有回應，請過幾分鐘再試，或用帳號和密碼登入。',
      unavailableAt: '「{{provider}}」現在沒有回應，請過幾分鐘再試，或用帳號和密碼登入。',
      disabled: '這個登入方式現在不能使用，請用帳號和密碼登入。',
      pending: '這個帳號還沒有完成 Email 認證。請到信箱點選認證信中的連結，再回來登入。',
      inactive: '此帳號目前無法登入，請洽學校承辦人。',
    },
    new: {
      title: '您的 {{provider}} 帳號還沒有連結',
      intro: '您用來登入的 {{provider}} 帳號（{{email}}）還沒有和任何校園帳號連結。',
      introNoEmail: '您用來登入的 {{provider}} 帳號還沒有和任何校園帳號連結。',
      choose: '要繼續登入「{{client}}」，請選一個：',
      create: '建立帳號',
      createHelp: '還沒有校園帳號：用 {{provider}} 的姓名和 Email 開始註冊，帳號建立後就會連結。',
      link: '以現有帳號登入',
      linkHelp: '已經有校園帳號：用帳號和密碼登入一次，就會連結，下次可以直接用 {{provider}} 登入。',
      back: '都不要，回到登入畫面',
    },
    pending: {
      title: '這個帳號還沒有完成 Email 認證',
      message: '這個帳號還沒有完成 Email 認證，所以還不能登入。請到信箱打開認證信，點信中的連結，再回來登入。',
      resendHelp: '找不到認證信？可以再寄一次（也請看看垃圾郵件匣）。',
      resend: '重新寄送認證信',
      back: '回到登入畫面',
    },
    message: {
      title: '這次用其他帳號登入沒有完成',
      state:
        '這個登入連結已經用過、過期了，或不是在這個瀏覽器開始的，所以沒有登入，也沒有改變任何資料。請重新開始登入。',
      expired: '這次登入等太久，已經過期了。請重新開始登入。',
    },
  },
};

const en: typeof zh = {
  federation: {
    heading: 'Sign in with another account',
    signInWith: 'Sign in with {{provider}}',
    linking:
      'Your {{provider}} account ({{email}}) is not linked yet. Sign in once with your campus account and password to link it; next time you can sign in with {{provider}} directly.',
    linkingNoEmail:
      'Your {{provider}} account is not linked yet. Sign in once with your campus account and password to link it; next time you can sign in with {{provider}} directly.',
    notLinking: 'Do not link it; sign in another way',
    notice: {
      cancelled: 'You cancelled signing in on the other website. Try again, or sign in with your account and password.',
      cancelledAt: 'You cancelled signing in at {{provider}}. Try again, or sign in with your account and password.',
      failed:
        'Signing in with your other account did not work, so you are not signed in. Try again, or sign in with your account and password.',
      unavailable:
        'The other website is not answering right now. Try again in a few minutes, or sign in with your account and password.',
      unavailableAt:
        '{{provider}} is not answering right now. Try again in a few minutes, or sign in with your account and password.',
      disabled: 'This way of signing in is not available now. Please sign in with your account and password.',
      pending:
        'This account has not confirmed its email address yet. Open the link in the activation mail, then come back to sign in.',
      inactive: 'This account cannot sign in at the moment. Please contact your school.',
    },
    new: {
      title: 'Your {{provider}} account is not linked yet',
      intro: 'The {{provider}} account you signed in with ({{email}}) is not linked to any campus account.',
      introNoEmail: 'The {{provider}} account you signed in with is not linked to any campus account.',
      choose: 'To go on to “{{client}}”, choose one:',
      create: 'Create an account',
      createHelp:
        'No campus account yet: start registering with your name and email from {{provider}}; the new account will be linked.',
      link: 'Sign in with my account',
      linkHelp:
        'Already have a campus account: sign in once with your account and password to link it; next time you can use {{provider}} directly.',
      back: 'Neither; back to sign-in',
    },
    pending: {
      title: 'This account has not confirmed its email address yet',
      message:
        'This account has not confirmed its email address yet, so it cannot sign in. Open the activation mail, choose the link in it, then come back to sign in.',
      resendHelp: 'Cannot find the mail? We can send it again (please look in your junk mail folder too).',
      resend: 'Send the activation mail again',
      back: 'Back to sign-in',
    },
    message: {
      title: 'Signing in with another account did not finish',
      state:
        'This sign-in link was already used, has expired, or was not started in this browser, so nobody was signed in and nothing changed. Please start signing in again.',
      expired: 'This sign-in waited too long and has expired. Please start signing in again.',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
