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
    failed: '示範登入未完成：{{reason}}',
    unavailable: '登入服務暫時沒有回應。請等幾秒鐘後再試一次。',
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
    failed: 'The demo sign-in did not complete: {{reason}}',
    unavailable: 'The sign-in service is not answering right now. Please wait a few seconds and try again.',
  },
};

defineTexts({ 'zh-TW': zh, en });
