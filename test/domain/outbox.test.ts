// The mail and SMS outbox against the real database (embedded, or DATABASE_URL): a real SMTP sink (smtp-server)
// that goes away mid-run and comes back, an SMS webhook that fails once, two workers on one table, a worker that
// dies holding a lease, and the development mailbox page.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import knex, { type Knex } from 'knex';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { enqueueMessage, Outbox, type OutboxMessage } from '../../src/domain/outbox/outbox.ts';
import { claimDue, purgeDeliveredMessages } from '../../src/domain/outbox/queue.ts';
import {
  mailboxTransport,
  smsTransport,
  smtpTransport,
  type Transport,
  webhookSmsDriver,
} from '../../src/domain/outbox/transports/index.ts';
import { type OutboxWorkerOptions, startOutboxWorker } from '../../src/domain/outbox/worker.ts';
import { mailboxRoutes } from '../../src/flows/dev-mailbox/routes.ts';
import { createLogger } from '../../src/platform/log.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { buildApp } from '../../src/web/app.ts';
import type { Services } from '../../src/web/services.ts';
import { storageMode, useTestStorage } from '../helpers/server.ts';

/** Every subject and text starts with this, so a run only counts its own messages. */
const RUN = `ob-${crypto.randomBytes(4).toString('hex')}`;
const FROM = 'campus-sso <no-reply@sso.test>';
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

let db: Knex;

useTestStorage(
  (opened) => {
    db = opened.db;
  },
  (opened) =>
    opened.db('outbox_messages').where('subject', 'like', `${RUN}%`).orWhere('text_body', 'like', `${RUN}%`).del(),
);

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

type Sink = { port: number; closed: Promise<void>; close(): Promise<void> };

/**
 * An SMTP server on 127.0.0.1 that counts the subjects it accepts in `received`. With `closeAfter` it shuts itself
 * down (gracefully: messages already in flight are still answered) once it has accepted that many.
 */
async function startSink(
  received: Map<string, number>,
  opts: { port?: number; closeAfter?: number; delayMs?: number } = {},
): Promise<Sink> {
  let accepted = 0;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const close = () =>
    new Promise<void>((resolve) =>
      server.close(() => {
        markClosed();
        resolve();
      }),
    );
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 2000,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          const subject = mail.subject ?? '';
          received.set(subject, (received.get(subject) ?? 0) + 1);
          if (opts.delayMs) await sleep(opts.delayMs);
          callback();
          if (++accepted === opts.closeAfter) setImmediate(() => void close());
        })
        .catch(callback);
    },
  });
  const listener = await new Promise<net.Server>((resolve, reject) => {
    const s: net.Server = server.listen(opts.port ?? 0, '127.0.0.1', () => resolve(s));
    server.once('error', reject);
  });
  return { port: (listener.address() as net.AddressInfo).port, closed, close };
}

const smtp = (port: number) => smtpTransport(`smtp://127.0.0.1:${port}`, FROM);

/** Worker defaults for tests: fast back-off; a long poll so that tests which drive it with drain() stay in charge. */
function worker(transports: Transport[], opts: Partial<OutboxWorkerOptions> = {}) {
  return startOutboxWorker({ db, transports, log, pollMs: 60_000, backoff: { baseMs: 25, capMs: 400 }, ...opts });
}

/** Queues `n` emails in one transaction; returns their subjects. */
async function enqueueEmails(label: string, n: number, trxDb: Knex = db): Promise<string[]> {
  const subjects = Array.from({ length: n }, (_, i) => `${RUN} ${label} #${i + 1}`);
  await trxDb.transaction(async (trx) => {
    for (const [i, subject] of subjects.entries()) {
      await enqueueMessage(trx, {
        channel: 'email',
        to: `person${i + 1}@example.org`,
        subject,
        text: `Hello: http://localhost/reset/${i + 1}`,
        kind: 'test',
      });
    }
  });
  return subjects;
}

const rowsFor = (subjects: string[]): Promise<OutboxMessage[]> => db('outbox_messages').whereIn('subject', subjects);

function assertEachOnce(received: Map<string, number>, subjects: string[]) {
  const counts = subjects.map((s) => received.get(s) ?? 0);
  assert.deepEqual(
    counts.filter((c) => c !== 1),
    [],
    `every message exactly once (counts: ${counts.join(',')})`,
  );
  const ours = [...received.keys()].filter((s) => subjects.includes(s));
  assert.equal(ours.length, subjects.length);
}

describe(`outbox (${storageMode})`, () => {
  it('delivers 20 messages queued in one transaction, each once, with a stable Message-ID', async () => {
    const received = new Map<string, number>();
    const ids = new Map<string, string | undefined>();
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream).then((mail) => {
          received.set(mail.subject ?? '', (received.get(mail.subject ?? '') ?? 0) + 1);
          ids.set(mail.subject ?? '', mail.messageId);
          callback();
        }, callback);
      },
    });
    const listener = await new Promise<net.Server>((resolve) => {
      const s: net.Server = server.listen(0, '127.0.0.1', () => resolve(s));
    });
    const w = worker([smtp((listener.address() as net.AddressInfo).port), mailboxTransport('sms')]);
    try {
      const subjects = await enqueueEmails('bulk', 20);
      await w.drain();
      assertEachOnce(received, subjects);
      const rows = await rowsFor(subjects);
      assert.deepEqual(new Set(rows.map((r) => `${r.status}/${r.attempts}`)), new Set(['sent/1']));
      for (const row of rows) {
        assert.ok(row.sent_at instanceof Date);
        assert.equal(row.locked_until, null);
        assert.equal(ids.get(row.subject!), `<${row.id}@sso.test>`);
        assert.equal(row.text_body, '', 'the text (a live link, a code) is not kept once the gateway has it');
      }
    } finally {
      await w.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('delivers nothing from a rolled-back transaction', async () => {
    const sent: string[] = [];
    const recording: Transport = {
      channel: 'email',
      name: 'recording',
      send: async (m) => void sent.push(m.subject ?? ''),
    };
    const w = worker([recording, mailboxTransport('sms')]);
    try {
      const subject = `${RUN} rolled back`;
      await assert.rejects(
        db.transaction(async (trx) => {
          await enqueueMessage(trx, { channel: 'email', to: 'a@example.org', subject, text: 'never', kind: 'test' });
          await trx('persons').insert({ id: crypto.randomUUID(), name: 'x', username: `${RUN}-rb` });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      await w.drain();
      assert.deepEqual(await rowsFor([subject]), []);
      assert.ok(!sent.includes(subject));
    } finally {
      await w.stop();
    }
  });

  it('keeps retrying while the SMTP server is down, then delivers every message exactly once', async (t) => {
    const received = new Map<string, number>();
    const first = await startSink(received, { closeAfter: 4 });
    const port = first.port;
    // The loop runs on its own here (short poll), as in the server.
    const w = worker([smtp(port), mailboxTransport('sms')], { pollMs: 20, batchSize: 3, maxAttempts: 100 });
    let second: Sink | undefined;
    try {
      const early = await enqueueEmails('outage-early', 10);
      await first.closed; // the sink went away mid-run
      const late = await enqueueEmails('outage-late', 5);
      const all = [...early, ...late];

      await waitFor('the undelivered messages to be retried', async () => {
        const open = (await rowsFor(all)).filter((r) => r.status !== 'sent');
        return open.length >= late.length && open.every((r) => r.attempts >= 2);
      });
      const open = (await rowsFor(all)).filter((r) => r.status !== 'sent');
      for (const row of open) {
        assert.notEqual(row.status, 'failed');
        assert.ok(row.attempts >= 2);
        assert.match(row.last_error ?? '', /^\w+(:[\w.-]+)+$/, 'class and code only');
        assert.ok(!row.last_error!.includes('@') && !row.last_error!.includes('127.0.0.1'), 'no recipient or address');
      }
      for (const s of late) assert.equal(received.get(s), undefined);
      t.diagnostic(
        `down: ${open.length} waiting, attempts ${open.map((r) => r.attempts).join(',')}, last error ${open[0]!.last_error}`,
      );

      second = await startSink(received, { port }); // back, on the same port
      await waitFor('every message to be sent', async () => (await rowsFor(all)).every((r) => r.status === 'sent'));
      await sleep(200); // a duplicate, if any, would arrive now
      assertEachOnce(received, all);
    } finally {
      await w.stop();
      await second?.close();
    }
  });

  it('retries an SMS the gateway refused (500, then 200) and sends it once more only', async () => {
    const text = `${RUN} 驗證碼 123456`;
    const requests: { body: { to: string; text: string }; key: string | undefined; status: number }[] = [];
    const gateway = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as { to: string; text: string };
        const mine = body.text === text;
        const status = mine && requests.filter((r) => r.body.text === text).length === 0 ? 500 : 200;
        if (mine) requests.push({ body, key: req.headers['idempotency-key'] as string | undefined, status });
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(status === 200 ? '{"ok":true}' : '{"error":"busy"}');
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(gateway.address() as net.AddressInfo).port}/sms`;
    const w = worker([mailboxTransport('email'), smsTransport(webhookSmsDriver(url))]);
    try {
      const id = await db.transaction((trx) =>
        enqueueMessage(trx, { channel: 'sms', to: '+886912345678', text, kind: 'test' }),
      );
      await w.drain();
      let row: OutboxMessage = await db('outbox_messages').where({ id }).first();
      assert.equal(row.status, 'pending');
      assert.equal(row.attempts, 1);
      assert.equal(row.last_error, 'GatewayError:sms_gateway_http_500');

      await waitFor('the retry', async () => {
        await w.drain();
        row = await db('outbox_messages').where({ id }).first();
        return row.status === 'sent';
      });
      assert.equal(row.attempts, 2);
      assert.deepEqual(
        requests.map((r) => r.status),
        [500, 200],
      );
      assert.deepEqual(requests[1]!.body, { to: '+886912345678', text });
      assert.deepEqual(
        requests.map((r) => r.key),
        [id, id],
      );
    } finally {
      await w.stop();
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  });

  it('two workers on the same table (separate connection pools) never send a message twice', async () => {
    const received = new Map<string, number>();
    const sink = await startSink(received, { delayMs: 5 });
    const otherProcessDb = knex({ client: 'pg', connection: db.client.config.connection, pool: { min: 0, max: 4 } });
    const perWorker = [0, 0];
    const counted = (i: number): Transport => {
      const inner = smtp(sink.port);
      return {
        ...inner,
        send: async (m) => {
          await inner.send(m);
          perWorker[i]!++;
        },
      };
    };
    const a = worker([counted(0), mailboxTransport('sms')], { batchSize: 4 });
    const b = startOutboxWorker({
      db: otherProcessDb,
      transports: [counted(1), mailboxTransport('sms')],
      log,
      pollMs: 60_000,
      batchSize: 4,
    });
    try {
      const subjects = await enqueueEmails('two-workers', 40);
      await Promise.all([a.drain(), b.drain()]);
      await waitFor('every message to be sent', async () =>
        (await rowsFor(subjects)).every((r) => r.status === 'sent'),
      );
      assertEachOnce(received, subjects);
      assert.ok(perWorker[0]! + perWorker[1]! >= 40);
      assert.ok(perWorker[0]! > 0 && perWorker[1]! > 0, `both workers took part (${perWorker.join(' + ')})`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await otherProcessDb.destroy();
      await sink.close();
    }
  });

  it('takes over the messages of a worker that died holding them once its lease runs out', async () => {
    const subjects = await enqueueEmails('crashed', 3);
    // A worker claims them and dies before sending: nothing but the lease is left behind.
    const claimed = (await claimDue(db, 100, 300)).filter((m) => subjects.includes(m.subject!));
    assert.equal(claimed.length, 3);
    const sent: string[] = [];
    const w = worker([
      { channel: 'email', name: 'recording', send: async (m) => void sent.push(m.subject ?? '') },
      mailboxTransport('sms'),
    ]);
    try {
      await w.drain();
      assert.deepEqual(
        sent.filter((s) => subjects.includes(s)),
        [],
        'not while the lease holds',
      );
      await sleep(350);
      await w.drain();
      assert.deepEqual(sent.filter((s) => subjects.includes(s)).sort(), [...subjects].sort());
      const rows = await rowsFor(subjects);
      assert.deepEqual(new Set(rows.map((r) => `${r.status}/${r.attempts}`)), new Set(['sent/2']));
    } finally {
      await w.stop();
    }
  });

  it('never marks sent a message whose channel has no transport here (an SMS without a gateway)', async () => {
    const w = worker([mailboxTransport('email')], { maxAttempts: 2, backoff: { baseMs: 5, capMs: 20 } });
    try {
      const id = await enqueueMessage(db, { channel: 'sms', to: '0912345678', text: `${RUN} nowhere`, kind: 'test' });
      await waitFor('the message to fail', async () => {
        await w.drain();
        return (await db('outbox_messages').where({ id }).first()).status === 'failed';
      });
      const row: OutboxMessage = await db('outbox_messages').where({ id }).first();
      assert.equal(row.sent_at, null);
      assert.match(String(row.last_error), /no_transport/);
    } finally {
      await w.stop();
    }
  });

  it('deletes sent and given-up messages a week after they were queued, and keeps the rest', async () => {
    const subjects = await enqueueEmails('old', 3);
    const [sent, failed, pending] = (await rowsFor(subjects)).sort((a, b) => a.subject!.localeCompare(b.subject!));
    const old = db.raw(`now() - interval '8 days'`);
    await db('outbox_messages').where({ id: sent!.id }).update({ status: 'sent', created_at: old });
    await db('outbox_messages').where({ id: failed!.id }).update({ status: 'failed', created_at: old });
    await db('outbox_messages')
      .where({ id: pending!.id })
      .update({ created_at: old, next_attempt_at: db.raw(`now() + interval '1 day'`) });
    const recent = await enqueueEmails('recent', 1);
    await db('outbox_messages').whereIn('subject', recent).update({ status: 'sent' });
    assert.ok((await purgeDeliveredMessages(db)) >= 2);
    assert.deepEqual(
      (await rowsFor([...subjects, ...recent])).map((r) => r.subject).sort(),
      [pending!.subject, ...recent].sort(),
      'a pending message and a recent one stay',
    );
    await db('outbox_messages').whereIn('id', [pending!.id]).update({ status: 'failed' });
  });

  it('gives a message up after the last attempt', async () => {
    const subject = `${RUN} hopeless`;
    const broken: Transport = {
      channel: 'email',
      name: 'broken',
      send: async (m) => {
        if (m.subject === subject)
          throw Object.assign(new Error(`mailbox ${m.recipient} is full`), { code: 'EENVELOPE', responseCode: 552 });
      },
    };
    const w = worker([broken, mailboxTransport('sms')], { maxAttempts: 3, backoff: { baseMs: 5, capMs: 20 } });
    try {
      const id = await enqueueMessage(db, {
        channel: 'email',
        to: 'full@example.org',
        subject,
        text: 'x',
        kind: 'test',
      });
      await waitFor('the message to fail', async () => {
        await w.drain();
        return (await db('outbox_messages').where({ id }).first()).status === 'failed';
      });
      const row: OutboxMessage = await db('outbox_messages').where({ id }).first();
      assert.equal(row.attempts, 3);
      assert.equal(row.last_error, 'Error:EENVELOPE:552');
      assert.equal(row.sent_at, null);
    } finally {
      await w.stop();
    }
  });
});

describe('development mailbox page', () => {
  let base: string;
  let server: http.Server;
  let emailId: string;
  let smsId: string;

  before(async () => {
    const app = buildApp({
      log,
      metrics: createMetrics(),
      trustProxy: false,
      trustProxyHops: 1,
      issuer: 'http://127.0.0.1',
      cookieKeys: () => ['test-cookie-key'],
      routes: (r) => mailboxRoutes(r, { outbox: new Outbox(db) } as unknown as Services),
      provider: async (_ctx, next) => next(),
    });
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    emailId = await enqueueMessage(db, {
      channel: 'email',
      to: 'parent@example.org',
      subject: `${RUN} 重設密碼 <b>now</b>`,
      kind: 'password_reset',
      text: `請點選 http://localhost:3000/reset?token=abc&x=1，十分鐘內有效。\n<script>alert(1)</script>`,
      html: '<p onclick="x()">Hi <script>alert(2)</script></p>',
    });
    smsId = await enqueueMessage(db, { channel: 'sms', to: '+886912000111', text: `${RUN} code 654321`, kind: 'otp' });
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('lists messages newest first, in Chinese by default and in English on request', async () => {
    const res = await fetch(`${base}/dev/mailbox`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.match(html, /開發用信箱/);
    const smsAt = html.indexOf(`/dev/mailbox/${smsId}`);
    const emailAt = html.indexOf(`/dev/mailbox/${emailId}`);
    assert.ok(smsAt > 0 && emailAt > smsAt, 'newest first');
    assert.ok(html.includes('&lt;b&gt;now&lt;/b&gt;') && !html.includes('<b>now</b>'), 'subjects are escaped');
    const en = await (await fetch(`${base}/dev/mailbox?lang=en`)).text();
    assert.match(en, /Development mailbox/);
  });

  it('shows one message with its links clickable and everything else escaped', async () => {
    const res = await fetch(`${base}/dev/mailbox/${emailId}`, { headers: { 'accept-language': 'en' } });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.ok(
      html.includes(
        '<a href="http://localhost:3000/reset?token=abc&amp;x=1">http://localhost:3000/reset?token=abc&amp;x=1</a>，十分鐘內有效。',
      ),
    );
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!html.includes('<script>'), 'no markup from the message reaches the page');
    assert.ok(
      html.includes(
        '<iframe sandbox="" srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Hi &lt;script&gt;alert(2)&lt;/script&gt;&lt;/p&gt;"',
      ),
    );
    const sms = await (await fetch(`${base}/dev/mailbox/${smsId}`)).text();
    assert.match(sms, /簡訊/);
    assert.ok(sms.includes('+886912000111'));
  });

  it('answers 404 for an unknown or malformed id', async () => {
    assert.equal((await fetch(`${base}/dev/mailbox/${crypto.randomUUID()}`)).status, 404);
    assert.equal((await fetch(`${base}/dev/mailbox/not-a-uuid`)).status, 404);
  });
});
