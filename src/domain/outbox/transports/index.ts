export type { Deliverable, Transport } from './types.ts';
export { smtpTransport } from './smtp.ts';
export { smsTransport, webhookSmsDriver, type SmsDriver } from './sms.ts';
export { mailboxTransport } from './mailbox.ts';
