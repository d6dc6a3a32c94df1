// What the worker delivers through: one transport per channel.
import type { Channel, OutboxMessage } from '../outbox.ts';

export type Deliverable = Pick<
  OutboxMessage,
  'id' | 'channel' | 'recipient' | 'subject' | 'text_body' | 'html_body' | 'kind'
>;

export interface Transport {
  channel: Channel;
  /** For logs: smtp, sms-webhook, mailbox. */
  name: string;
  /** Resolves once the message is accepted; rejects on any failure (the worker retries). Must time out on its own. */
  send(message: Deliverable): Promise<void>;
}
