// The outbox: messages are written with the change that causes them (pass your transaction) and sent later.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { type AuditEvent, recordAudit } from '../audit.ts';

export const CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
export type MessageStatus = 'pending' | 'sending' | 'sent' | 'failed';

const kind = z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'lower-case word, e.g. password_reset');
const noLineBreaks = (v: string) => !/[\r\n]/.test(v);

const messageSchema = z.discriminatedUnion('channel', [
  z.object({
    channel: z.literal('email'),
    to: z.email().max(320),
    subject: z.string().min(1).max(500).refine(noLineBreaks, 'no line breaks'),
    text: z.string().min(1).max(100_000),
    html: z.string().max(500_000).optional(),
    kind,
  }),
  z.object({
    channel: z.literal('sms'),
    to: z.string().regex(/^\+?[0-9]{6,15}$/, 'a phone number: digits, optional leading +'),
    text: z.string().min(1).max(1000),
    kind,
  }),
]);

export type NewMessage = z.input<typeof messageSchema>;

/** A stored message as the worker and the mailbox see it. */
export type OutboxMessage = {
  id: string;
  channel: Channel;
  recipient: string;
  subject: string | null;
  text_body: string;
  html_body: string | null;
  kind: string;
  status: MessageStatus;
  attempts: number;
  next_attempt_at: Date;
  locked_until: Date | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
};

export function parseMessage(input: unknown) {
  return messageSchema.parse(input);
}

/** Queues a message; `db` should be the transaction of the change that causes it. Returns the message id. */
export async function enqueueMessage(db: Knex, message: NewMessage): Promise<string> {
  const m = parseMessage(message);
  const id = crypto.randomUUID();
  await db('outbox_messages').insert({
    id,
    channel: m.channel,
    recipient: m.to,
    subject: m.channel === 'email' ? m.subject : null,
    text_body: m.text,
    html_body: m.channel === 'email' ? (m.html ?? null) : null,
    kind: m.kind,
  });
  return id;
}

export async function listMessages(db: Knex, limit = 200): Promise<OutboxMessage[]> {
  return db('outbox_messages')
    .select('*')
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }])
    .limit(limit);
}

export async function findMessage(db: Knex, id: string): Promise<OutboxMessage | undefined> {
  return db('outbox_messages').where({ id }).first();
}

/** The outbox as flows use it outside a change of their own: queue one message, read what was queued. */
export class Outbox {
  readonly #db: Knex;
  readonly #channels: ReadonlySet<Channel>;

  /** `channels`: those that have somewhere to go (a gateway, or the development mailbox page). */
  constructor(db: Knex, channels: Iterable<Channel> = CHANNELS) {
    this.#db = db;
    this.#channels = new Set(channels);
  }

  /** Whether messages on this channel reach anyone: a flow offers SMS only when this says so. */
  offers(channel: Channel): boolean {
    return this.#channels.has(channel);
  }

  /** Queues a message, with the audit entry that says why in the same transaction. */
  enqueue(message: NewMessage, audit?: AuditEvent): Promise<string> {
    if (!this.offers(message.channel)) throw new Error(`outbox: the ${message.channel} channel goes nowhere here`);
    if (!audit) return enqueueMessage(this.#db, message);
    return this.#db.transaction(async (trx) => {
      const id = await enqueueMessage(trx, message);
      await recordAudit(trx, audit);
      return id;
    });
  }

  list(limit?: number): Promise<OutboxMessage[]> {
    return listMessages(this.#db, limit);
  }

  find(id: string): Promise<OutboxMessage | undefined> {
    return findMessage(this.#db, id);
  }
}
