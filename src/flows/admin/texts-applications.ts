// Texts of the bureau console's review queue and apps (`admin.applications.*`, `admin.clients.*`).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  admin: {
    applications: {
      title: '應用程式申請',
      intro: '開發者送出的申請和已核准應用程式的修改，依送出時間排列。',
      empty: '沒有這個狀態的申請。',
      filter: '依狀態查看',
      app: '應用程式',
      org: '組織',
      kind: '種類',
      updated: '最後更新',
      change: '修改',
      newApp: '新申請',
      reviewTitle: '審核：{{name}}',
      decided: '已經完成審核，並寄 Email 通知開發者。',
      changeIntro: '這是已核准應用程式的修改。有變動的欄位標示為「已修改」，並列出原來的內容。',
      field: '欄位',
      now: '申請內容',
      before: '原來的內容',
      changedBadge: '已修改',
      blank: '（未填）',
      allRoles: '所有身分（沒有限定）',
      history: '紀錄',
      decide: '審核結果',
      approve: '核准',
      changes: '請開發者修改',
      reject: '不核准',
      note: '給開發者的說明',
      noteHint: '請開發者修改或不核准時必填，會寄給開發者。',
      bureauSettings: '教育局設定',
      firstParty: '教育局自己的應用程式（不用再問使用者是否同意，使用真實識別碼）',
      mayRequestIdno: '可以讀取身分證統一編號',
      permission: { sis: '校務系統 API（sis）' },
      submit: '送出審核結果',
      chooseDecision: '請選擇審核結果。',
      changedSince: '您開啟這個頁面之後，開發者修改了申請，這次沒有送出審核結果。下面是現在的申請內容，請重新審核。',
      alreadyDecided: {
        approve: '這件申請已經由{{who}}在 {{time}} 核准了，您這次的審核結果沒有送出。下面是這件申請現在的狀態和紀錄。',
        changes:
          '這件申請已經由{{who}}在 {{time}} 請開發者修改了，您這次的審核結果沒有送出。下面是這件申請現在的狀態和紀錄。',
        reject:
          '這件申請已經由{{who}}在 {{time}} 決定不核准了，您這次的審核結果沒有送出。下面是這件申請現在的狀態和紀錄。',
        other: '這件申請現在不是等待審核（{{status}}），您這次的審核結果沒有送出。下面是這件申請現在的狀態和紀錄。',
      },
      you: '您',
      yourNote: '您填寫的說明（沒有寄出，可以複製後再使用）',
      backToQueue: '回到等待審核的申請',
      enable: '重新啟用',
      disable: '停用',
      clientLink: '用戶端設定',
    },
  },
};

const en: typeof zh = {
  admin: {
    applications: {
      title: 'App applications',
      intro: 'Applications from developers and changes of approved apps, oldest first.',
      empty: 'No applications with this status.',
      filter: 'Show by status',
      app: 'App',
      org: 'Organisation',
      kind: 'Kind',
      updated: 'Last change',
      change: 'Change',
      newApp: 'New',
      reviewTitle: 'Review: {{name}}',
      decided: 'The decision is saved and the developer has been emailed.',
      changeIntro:
        'This is a change of an approved app. Fields that changed are marked “changed”, with what they were before.',
      field: 'Field',
      now: 'Asked for',
      before: 'Before',
      changedBadge: 'changed',
      blank: '(not filled in)',
      allRoles: 'Every identity (none chosen)',
      history: 'History',
      decide: 'Decision',
      approve: 'Approve',
      changes: 'Ask the developer for changes',
      reject: 'Do not approve',
      note: 'Note to the developer',
      noteHint: 'Needed when asking for changes or not approving; it is emailed to the developer.',
      bureauSettings: 'Department settings',
      firstParty: 'The Department’s own app (no consent asked, real ids)',
      mayRequestIdno: 'May read national ID numbers',
      permission: { sis: 'School-affairs API (sis)' },
      submit: 'Save the decision',
      chooseDecision: 'Please choose a decision.',
      changedSince:
        'The developer changed the application after you opened it, so your decision was not saved. Here it is as it is now: please review it again.',
      alreadyDecided: {
        approve:
          'This application was already approved by {{who}} at {{time}}, so your decision was not saved. Below is where it stands now, with its history.',
        changes:
          'Changes to this application were already asked for by {{who}} at {{time}}, so your decision was not saved. Below is where it stands now, with its history.',
        reject:
          'This application was already turned down by {{who}} at {{time}}, so your decision was not saved. Below is where it stands now, with its history.',
        other:
          'This application no longer waits for a decision ({{status}}), so your decision was not saved. Below is where it stands now, with its history.',
      },
      you: 'you',
      yourNote: 'Your note (not sent; copy it if you need it)',
      backToQueue: 'Back to the applications waiting',
      enable: 'Enable again',
      disable: 'Disable',
      clientLink: 'Client settings',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
