// The worker's queries: claim due messages under a lease, then record the outcome of each send.
import type { Knex } from 'knex';
import type { OutboxMessage } from './outbox.ts';

/**
 * Takes up to `limit` due messages: pending ones whose time has come, and 'sending' ones whose lease ran out (their
 * worker died). SKIP LOCKED lets several workers claim at once without waiting for or sharing a row. Each claim
 * counts as an attempt, so a message that crashes its worker still runs out of attempts.
 */
export async function claimDue(db: Knex, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
  const result = await db.raw<{ rows: OutboxMessage[] }>(
    `with due as (
       select id from outbox_messages
        where (status = 'pending' and next_attempt_at <= now())
           or (status = 'sending' and locked_until <= now())
        order by next_attempt_at
        limit ?
        for update skip locked)
     update outbox_messages m
        set status = 'sending', attempts = m.attempts + 1, locked_until = now() + ?::double precision * interval '1 millisecond'
       from due
      where m.id = due.id
     returning m.*`,
    [limit, leaseMs],
  );
  return result.rows;
}

/** The claim is identified by (id, attempts): a worker whose lease was taken over no longer matches. */
type Claim = Pick<OutboxMessage, 'id' | 'attempts'>;

/**
 * Returns false when the claim was lost (lease expired and another worker took the message). `forget`: the text is
 * dropped once a gateway has it (it may hold a live link or code); the development mailbox keeps it to show it.
 */
export async function markSent(db: Knex, claim: Claim, forget = false): Promise<boolean> {
  const n = await db('outbox_messages')
    .where({ id: claim.id, attempts: claim.attempts, status: 'sending' })
    .update({
      status: 'sent',
      sent_at: db.fn.now(),
      locked_until: null,
      last_error: null,
      ...(forget ? { text_body: '', html_body: null } : {}),
    });
  return n > 0;
}

/** Messages kept after they were sent or given up (what was sent, to whom, when), then deleted. */
export const KEEP_DELIVERED_DAYS = 7;

export async function purgeDeliveredMessages(db: Knex): Promise<number> {
  return db('outbox_messages')
    .whereIn('status', ['sent', 'failed'])
    .where('created_at', '<', db.raw(`now() - ?::int * interval '1 day'`, [KEEP_DELIVERED_DAYS]))
    .delete();
}

/** Schedules the next attempt after `delayMs`, or gives the message up ('failed'). */
export async function markFailed(
  db: Knex,
  claim: Claim,
  outcome: { error: string; delayMs: number; giveUp: boolean },
): Promise<boolean> {
  const n = await db('outbox_messages')
    .where({ id: claim.id, attempts: claim.attempts, status: 'sending' })
    .update({
      status: outcome.giveUp ? 'failed' : 'pending',
      next_attempt_at: db.raw(`now() + ?::double precision * interval '1 millisecond'`, [outcome.delayMs]),
      locked_until: null,
      last_error: outcome.error,
    });
  return n > 0;
}
