export { mailboxTransport } from './mailbox.ts';
export { type SmsDriver, smsTransport, webhookSmsDriver } from './sms.ts';
export { smtpTransport } from './smtp.ts';
export type { Deliverable, Transport } from './types.ts';
