// Texts of the bureau console's apps (`admin.clients.*`).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  admin: {
    clients: {
      title: '應用程式',
      intro: '所有可以使用單一簽入的應用程式：核准的申請、設定檔和自動註冊的用戶端。',
      id: '用戶端編號',
      name: '名稱',
      kind: '類別',
      firstParty: '教育局自己的',
      thirdParty: '第三方',
      permissions: 'API 權限',
      state: '狀態',
      enabled: '使用中',
      disabled: '已停用',
      clientTitle: '應用程式：{{name}}',
      saved: '已經儲存。',
      subjectType: '識別碼',
      subject: { public: '真實識別碼（public）', pairwise: '成對識別碼（pairwise）' },
      redirectUris: '登入後回到的網址',
      settings: '教育局設定',
      firstPartyLabel: '教育局自己的應用程式（不用再問使用者是否同意）',
      mayRequestIdno: '可以讀取身分證統一編號',
      sis: '校務系統 API（sis）',
      roster: '學校名冊 API（roster）',
      schools: '名冊 API 可以使用的學校代碼',
      schoolsHint: '用空白或逗號分開，例如 403505 413301。',
      publicNote: '這是沒有密碼的應用程式，不能有 API 權限。',
      save: '儲存設定',
      refused: '沒有儲存：{{reason}}',
      changedSince: '剛才有其他人修改了這個應用程式的設定，您的修改沒有儲存。下面是現在的設定，請再修改一次。',
      refusals: {
        publicClient: '這個應用程式沒有密碼，不能有 API 權限。',
        noSchool: '名冊 API 要填至少一個學校代碼。',
        unknownSchool: '找不到學校代碼 {{school}}。',
        notRosterSchool: '{{school}} 不能使用名冊註冊：只有技職學校和私立學校可以。',
      },
      enable: '重新啟用',
      disable: '停用',
    },
  },
};

const en: typeof zh = {
  admin: {
    clients: {
      title: 'Apps',
      intro: 'Every app that may use single sign-on: approved applications, configured and registered clients.',
      id: 'Client id',
      name: 'Name',
      kind: 'Kind',
      firstParty: 'The Department’s own',
      thirdParty: 'Third party',
      permissions: 'API permissions',
      state: 'State',
      enabled: 'In use',
      disabled: 'Disabled',
      clientTitle: 'App: {{name}}',
      saved: 'Saved.',
      subjectType: 'Ids',
      subject: { public: 'Real ids (public)', pairwise: 'Pairwise ids' },
      redirectUris: 'Return addresses after signing in',
      settings: 'Department settings',
      firstPartyLabel: 'The Department’s own app (no consent asked)',
      mayRequestIdno: 'May read national ID numbers',
      sis: 'School-affairs API (sis)',
      roster: 'School roster API (roster)',
      schools: 'Schools the roster API may act for',
      schoolsHint: 'School codes separated by spaces or commas, like 403505 413301.',
      publicNote: 'This app has no secret, so it cannot have API permissions.',
      save: 'Save the settings',
      refused: 'Not saved: {{reason}}',
      changedSince:
        'Someone else changed this app’s settings just now, so your change was not saved. Here they are as they are now: please make your change again.',
      refusals: {
        publicClient: 'This app has no secret, so it cannot have API permissions.',
        noSchool: 'Give at least one school code for the roster API.',
        unknownSchool: 'There is no school with the code {{school}}.',
        notRosterSchool: '{{school}} cannot use roster registration: only vocational and private schools can.',
      },
      enable: 'Enable again',
      disable: 'Disable',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
