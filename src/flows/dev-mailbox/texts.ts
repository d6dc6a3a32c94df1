// Texts of the development mailbox (zh-TW first, English second).
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  mailbox: {
    title: '開發用信箱',
    intro: '在嵌入模式與開發環境中，郵件與簡訊不會真的寄出；這裡列出每一則訊息，其中的連結可以直接點選。',
    empty: '目前沒有訊息。',
    back: '回到信箱',
    created: '建立時間',
    channel: '管道',
    recipient: '收件人',
    subject: '主旨',
    kind: '類型',
    status: '狀態',
    attempts: '嘗試次數',
    lastError: '最近一次錯誤',
    text: '內容',
    html: 'HTML 版本',
    channels: {
      email: '電子郵件',
      sms: '簡訊',
    },
    statuses: {
      pending: '等待寄送',
      sending: '寄送中',
      sent: '已寄出',
      failed: '寄送失敗',
    },
  },
};

const en: typeof zh = {
  mailbox: {
    title: 'Development mailbox',
    intro:
      'In the embedded mode and in development no mail or SMS is really sent; every message is listed here, with its links clickable.',
    empty: 'No messages yet.',
    back: 'Back to the mailbox',
    created: 'Created',
    channel: 'Channel',
    recipient: 'Recipient',
    subject: 'Subject',
    kind: 'Kind',
    status: 'Status',
    attempts: 'Attempts',
    lastError: 'Last error',
    text: 'Message',
    html: 'HTML version',
    channels: {
      email: 'Email',
      sms: 'SMS',
    },
    statuses: {
      pending: 'Waiting to be sent',
      sending: 'Sending',
      sent: 'Sent',
      failed: 'Failed',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
