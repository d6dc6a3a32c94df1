// Delivers the outbox: claims due messages under a lease, sends each through its channel's transport, and records
// the outcome at once. At-least-once: a message is sent again only if its worker dies (or loses the database)
// between the transport accepting it and the 'sent' mark.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Logger } from '../../platform/log.ts';
import { type BackoffOptions, backoffMs, DEFAULT_BACKOFF } from './backoff.ts';
import { errorSummary } from './error-summary.ts';
import type { Channel, OutboxMessage } from './outbox.ts';
import { claimDue, markFailed, markSent } from './queue.ts';
import type { Transport } from './transports/index.ts';

export type OutboxWorkerOptions = {
  db: Knex;
  transports: Transport[];
  log: Logger;
  /** How often to look for due messages when the last look found none. */
  pollMs?: number;
  batchSize?: number;
  /** How long a claim lasts; must exceed the transports' own timeouts. */
  leaseMs?: number;
  /** After this many attempts the message is 'failed'. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
};

export type OutboxWorker = {
  stop(): Promise<void>;
  /** Processes until nothing is due (messages waiting for a later retry are left alone). For tests. */
  drain(): Promise<void>;
};

/** Retries a bookkeeping query a few times: failing to record a successful send means sending it again. */
async function persistently<T>(fn: () => Promise<T>): Promise<T> {
  for (const wait of [200, 1000, 3000]) {
    try {
      return await fn();
    } catch {
      await sleep(wait);
    }
  }
  return fn();
}

export function startOutboxWorker(opts: OutboxWorkerOptions): OutboxWorker {
  const { db, log } = opts;
  const pollMs = opts.pollMs ?? 1000;
  const batchSize = opts.batchSize ?? 10;
  const leaseMs = opts.leaseMs ?? 120_000;
  const maxAttempts = opts.maxAttempts ?? 10;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const transports = new Map<Channel, Transport>(opts.transports.map((t) => [t.channel, t]));

  async function deliver(message: OutboxMessage): Promise<void> {
    const meta = { outboxId: message.id, kind: message.kind, channel: message.channel, attempts: message.attempts };
    const transport = transports.get(message.channel);
    try {
      if (!transport) throw Object.assign(new Error('no transport'), { code: 'no_transport' });
      await transport.send(message);
    } catch (err) {
      const error = errorSummary(err);
      const giveUp = message.attempts >= maxAttempts;
      const delayMs = backoffMs(message.attempts, backoff);
      await persistently(() => markFailed(db, message, { error, delayMs, giveUp }));
      if (giveUp) log.error({ ...meta, error }, 'outbox message failed; giving up');
      else log.warn({ ...meta, error, retryInMs: delayMs }, 'outbox message not delivered; will retry');
      return;
    }
    const recorded = await persistently(() => markSent(db, message, transport.name !== 'mailbox'));
    if (recorded) log.info({ ...meta, transport: transport.name }, 'outbox message sent');
    else log.warn(meta, 'outbox message sent after its lease ran out; another worker may send it again');
  }

  /** One claim and its deliveries; returns how many messages it handled. */
  async function processBatch(): Promise<number> {
    const claimed = await claimDue(db, batchSize, leaseMs);
    await Promise.all(
      claimed.map((m) => deliver(m).catch((err) => log.error({ err, outboxId: m.id }, 'outbox bookkeeping failed'))),
    );
    return claimed.length;
  }

  let busy: Promise<number> | undefined;
  const tick = () => (busy ??= processBatch().finally(() => (busy = undefined)));

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(loop, ms);
    timer.unref();
  };
  async function loop() {
    let handled = 0;
    try {
      handled = await tick();
    } catch (err) {
      log.error({ err }, 'outbox poll failed');
    }
    schedule(handled > 0 ? 0 : pollMs);
  }
  schedule(0);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await busy?.catch(() => {});
    },
    async drain() {
      await busy?.catch(() => {});
      while ((await tick()) > 0);
    },
  };
}
