// Texts of the demo relying party (zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  demo: {
    title: '示範應用程式',
    signedIn: '登入成功！以下是示範應用程式收到的資料。',
    idToken: 'ID Token 聲明',
    userinfo: 'UserInfo 回應',
    again: '再登入一次',
    logout: '登出',
    signedOutTitle: '已登出示範應用程式',
    signedOut: '您已經登出示範應用程式。',
    failed: '示範登入未完成：{{reason}}',
    unavailable: '登入服務暫時沒有回應。請等幾秒鐘後再試一次。',
    expired: '示範登入已逾時，或是用了不同的網址開啟。請回到首頁重新開始示範登入。',
    unknownReason: '應用程式無法完成登入。',
    asTitle: '目前的身分',
    as: '{{name}}，以「{{role}}」身分使用（{{school}}）。',
    switchIntro: '您在學校有不只一個身分。應用程式可以讓您換一個身分使用：',
    current: '目前使用中',
    useIdentity: '改用「{{role}}」身分（{{school}}）',
    switch: '重新選擇身分',
    childrenTitle: '我的孩子',
    childrenIntro: '家長可以在應用程式中切換要查看的孩子：',
  },
};

const en: typeof zh = {
  demo: {
    title: 'Demo application',
    signedIn: 'Signed in! This is what the demo application received.',
    idToken: 'ID token claims',
    userinfo: 'UserInfo response',
    again: 'Sign in again',
    logout: 'Sign out',
    signedOutTitle: 'Signed out of the demo application',
    signedOut: 'You have signed out of the demo application.',
    failed: 'The demo sign-in did not complete: {{reason}}',
    unavailable: 'The sign-in service is not answering right now. Please wait a few seconds and try again.',
    expired:
      'The demo sign-in timed out, or was opened under another address. Go back to the home page and start it again.',
    unknownReason: 'The application could not complete the sign-in.',
    asTitle: 'The identity in use',
    as: '{{name}}, using the app as {{role}} ({{school}}).',
    switchIntro: 'You have more than one identity at school. An app can let you switch:',
    current: 'in use',
    useIdentity: 'Use it as {{role}} ({{school}})',
    switch: 'Choose the identity again',
    childrenTitle: 'My children',
    childrenIntro: 'A parent can switch between their children in the app:',
  },
};

defineTexts({ 'zh-TW': zh, en });
