// Texts of the console's audit log (`admin.audit.*`, zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  admin: {
    audit: {
      title: '稽核紀錄',
      intro:
        '每一筆變更、登入和管理者的查看都記錄在這裡。可以依操作者、動作、日期、應用程式和學校篩選，最新的在最前面。',
      actor: '操作者',
      actorHint: '帳號、Email 或 ID，例如 cli',
      action: '動作',
      actionHint: '動作的開頭，例如 admin. 或 school.saved',
      from: '從（日期）',
      to: '到（日期）',
      client: '應用程式 ID',
      school: '學校代碼',
      search: '搜尋',
      export: '匯出 CSV',
      exportHint: '依目前的篩選條件匯出（最多 100,000 筆）。匯出會記錄在稽核紀錄。',
      none: '沒有符合的紀錄。',
      previous: '較新的紀錄',
      next: '較舊的紀錄',
      columns: { at: '時間', actor: '操作者', action: '動作', subject: '對象', detail: '內容' },
      errorsSummary: '篩選條件需要修正：',
      errors: {
        date: '請輸入正確的日期，例如 2026-12-03。',
        order: '結束日期不能早於開始日期。',
      },
    },
  },
};

const en: typeof zh = {
  admin: {
    audit: {
      title: 'Audit log',
      intro:
        "Every change, every sign-in and every administrator's look at personal data is recorded here. Filter by who, what, when, app and school; the newest come first.",
      actor: 'Who',
      actorHint: 'A login name, email or id, for example cli',
      action: 'Action',
      actionHint: 'The beginning of the action, for example admin. or school.saved',
      from: 'From (date)',
      to: 'To (date)',
      client: 'App id',
      school: 'School code',
      search: 'Search',
      export: 'Export CSV',
      exportHint: 'Exports what the filter finds (at most 100,000 entries). The export is written to the audit log.',
      none: 'No entries match.',
      previous: 'Newer entries',
      next: 'Older entries',
      columns: { at: 'Time', actor: 'Who', action: 'Action', subject: 'Subject', detail: 'Detail' },
      errorsSummary: 'The filter needs correcting:',
      errors: {
        date: 'Enter a real date, for example 2026-12-03.',
        order: 'The end date cannot be before the start date.',
      },
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
