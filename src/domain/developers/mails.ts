// What a developer is told when the bureau decides on an application.
import { defineTexts, LOCALES, type Locale, translator } from '../../platform/i18n/index.ts';
import type { NewMessage } from '../outbox/outbox.ts';

const zh = {
  developerMail: {
    subject: {
      approve: '{{brand}}：您的應用程式「{{app}}」已經核准',
      changes: '{{brand}}：您的應用程式「{{app}}」需要修改',
      reject: '{{brand}}：您的應用程式「{{app}}」沒有核准',
    },
    text: {
      approve:
        '您好：\n\n教育局已經核准「{{app}}」。請到開發者專區查看用戶端編號和密碼（密碼只顯示一次），以及設定範例：\n{{link}}\n\n{{note}}{{brand}}敬上',
      changes:
        '您好：\n\n教育局審核「{{app}}」後，請您修改以下內容再送出：\n\n{{note}}\n\n修改位置：{{link}}\n\n{{brand}}敬上',
      reject: '您好：\n\n教育局沒有核准「{{app}}」，原因如下：\n\n{{note}}\n\n申請紀錄：{{link}}\n\n{{brand}}敬上',
    },
    noteLine: '教育局的說明：{{note}}\n\n',
  },
};

const en: typeof zh = {
  developerMail: {
    subject: {
      approve: '{{brand}}: your app “{{app}}” is approved',
      changes: '{{brand}}: your app “{{app}}” needs changes',
      reject: '{{brand}}: your app “{{app}}” was not approved',
    },
    text: {
      approve:
        'Hello,\n\nThe Department of Education approved “{{app}}”. Open the developer portal for the client id, the secret (shown only once) and example settings:\n{{link}}\n\n{{note}}{{brand}}',
      changes:
        'Hello,\n\nThe Department of Education reviewed “{{app}}” and asks you to change the following, then send it again:\n\n{{note}}\n\nChange it at: {{link}}\n\n{{brand}}',
      reject:
        'Hello,\n\nThe Department of Education did not approve “{{app}}”, for this reason:\n\n{{note}}\n\nThe application: {{link}}\n\n{{brand}}',
    },
    noteLine: 'A note from the Department: {{note}}\n\n',
  },
};

defineTexts({ 'zh-TW': zh, en });

export type Decision = 'approve' | 'changes' | 'reject';

export function decisionMail(
  locale: string | null,
  m: { to: string; decision: Decision; app: string; note: string; link: string },
): NewMessage {
  const t = translator(LOCALES.includes(locale as Locale) ? (locale as Locale) : 'zh-TW');
  const brand = t('brand');
  const note = m.decision === 'approve' ? (m.note ? t('developerMail.noteLine', { note: m.note }) : '') : m.note;
  return {
    channel: 'email',
    to: m.to,
    kind: 'developer_decision',
    subject: t(`developerMail.subject.${m.decision}`, { brand, app: m.app }),
    text: t(`developerMail.text.${m.decision}`, { brand, app: m.app, note, link: m.link }),
  };
}
