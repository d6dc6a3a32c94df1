// Texts of the home page (zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  home: {
    title: '歡迎使用$t(brand)',
    intro:
      '$t(brand)讓學生、老師、職員和家長用同一組帳號和密碼，登入校務行政系統、學習歷程檔案系統、校園繳費系統，以及教育局核准的其他應用程式。',
    demoTitle: '試用示範',
    demoText: '點選「開始示範登入」，以下列任一示範帳號登入，即可看到應用程式收到的資料（ID Token 與 UserInfo）。',
    demoStart: '開始示範登入',
    account: '帳號',
    password: '密碼',
    who: '身分',
    developers: '開發者資訊',
    accountTitle: '我的帳號',
    manageAccount: '管理我的帳號',
    register: '註冊新帳號',
    schoolOfficeTitle: '學校承辦人：學校後台',
    schoolOfficeText: '設定學年學期、匯入學校資料。需要手機上的驗證器 App（兩步驟驗證）。',
    schoolOffice: '進入學校後台',
    bureauTitle: '教育局：管理與審核',
    bureauText: '審核應用程式申請，管理學校、學校承辦人、人員帳號和稽核紀錄。需要兩步驟驗證。',
    bureauConsole: '進入教育局管理',
    developerPortal: '開發者專區：申請讓應用程式使用單一簽入',
    apiDocs: 'API 說明文件：校務行政系統、學校名冊與其他程式介面',
    bindingTitle: '家長：親子綁定',
    bindingText: '家長（法定代理人或監護人）可以申請與孩子的帳號綁定。導師審核通過後，就能用自己的帳號看到孩子的資料。',
    binding: '親子綁定',
    discovery: 'OpenID Connect 探索文件',
    jwks: '公開金鑰 (JWKS)',
  },
};

const en: typeof zh = {
  home: {
    title: 'Welcome to $t(brand)',
    intro:
      'With $t(brand), students, teachers, staff and parents use one account and password for the school-affairs system, the learning portfolio, the school payment system and other apps the Department of Education has approved.',
    demoTitle: 'Try the demo',
    demoText:
      'Press “Start demo sign-in” and sign in with one of the demo accounts below to see what the application receives (ID token and UserInfo).',
    demoStart: 'Start demo sign-in',
    account: 'Account',
    password: 'Password',
    who: 'Who',
    developers: 'For developers',
    accountTitle: 'My account',
    manageAccount: 'Manage my account',
    register: 'Create an account',
    schoolOfficeTitle: 'School administrators: the back office',
    schoolOfficeText:
      'Set the school year and semester, import school data. Needs an authenticator app on your phone (two-step verification).',
    schoolOffice: 'Open the school back office',
    bureauTitle: 'The Department of Education: review and administration',
    bureauText:
      'Review app applications, manage schools, school administrators, accounts and the audit log. Needs two-step verification.',
    bureauConsole: 'Open the bureau console',
    developerPortal: 'Developer portal: apply for your app to use single sign-on',
    apiDocs: 'API reference: the school-affairs, roster and other programming interfaces',
    bindingTitle: 'Parents: parent-child binding',
    bindingText:
      "Parents (legal representatives or guardians) can apply to be bound to their child's account. Once the homeroom teacher approves, you see your child with your own account.",
    binding: 'Parent-child binding',
    discovery: 'OpenID Connect discovery document',
    jwks: 'Public keys (JWKS)',
  },
};

defineTexts({ 'zh-TW': zh, en });
