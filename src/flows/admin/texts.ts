// Texts of the bureau console's frame (`admin.*`, zh-TW first, English second); each section has its own texts file.
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  admin: {
    title: '教育局管理',
    sectionsLabel: '管理項目',
    sections: {
      applications: '應用程式申請',
      clients: '應用程式',
      schools: '學校',
      people: '人員',
      audit: '稽核紀錄',
    },
    signOut: '登出',
    homeLink: '到首頁',
    home: {
      title: '教育局管理',
      intro: '在這裡審核應用程式申請，管理學校、學校承辦人、人員帳號，並查詢稽核紀錄。',
      waiting: '等待審核的申請：{{count}} 件',
    },
    signIn: {
      failedTitle: '沒有登入教育局管理',
      expired: '這次登入等太久了，請重新登入。',
      cancelled: '您取消了登入。',
      failed: '登入沒有成功，請再試一次。',
      unavailable: '登入服務暫時無法使用，請稍後再試。',
      noSecondFactor: '教育局管理需要兩步驟驗證，這次登入沒有完成，請重新登入。',
      again: '重新登入',
    },
    notAdmin: {
      title: '不能使用教育局管理',
      text: '這裡只給教育局管理者使用。如果您需要使用，請洽教育局資訊單位。',
    },
  },
};

const en: typeof zh = {
  admin: {
    title: 'Bureau console',
    sectionsLabel: 'Console sections',
    sections: {
      applications: 'App applications',
      clients: 'Apps',
      schools: 'Schools',
      people: 'People',
      audit: 'Audit log',
    },
    signOut: 'Sign out',
    homeLink: 'Home page',
    home: {
      title: 'Bureau console',
      intro:
        'Review app applications, manage schools, school administrators and accounts, and search the audit log here.',
      waiting: 'Applications waiting for review: {{count}}',
    },
    signIn: {
      failedTitle: 'Not signed in to the bureau console',
      expired: 'This sign-in waited too long. Please sign in again.',
      cancelled: 'You cancelled signing in.',
      failed: 'Signing in did not work. Please try again.',
      unavailable: 'Signing in is not available right now. Please try again shortly.',
      noSecondFactor:
        'The bureau console needs two-step verification, and this sign-in did not finish it. Please sign in again.',
      again: 'Sign in again',
    },
    notAdmin: {
      title: 'The bureau console is not for this account',
      text: 'This console is for the Department of Education’s administrators. If you need it, ask the Department’s IT team.',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
