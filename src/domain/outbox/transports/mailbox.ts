// The embedded default and development: nothing leaves the machine; /dev/mailbox shows every message instead.
import type { Channel } from '../outbox.ts';
import type { Transport } from './types.ts';

export function mailboxTransport(channel: Channel): Transport {
  return { channel, name: 'mailbox', send: async () => {} };
}
