// The fault suite: stores stopped and started again, SMTP out of reach, a server process killed in the middle of a
// sign-in. During an outage requests are answered at once with 503 and a Retry-After (never a 500, never a hang);
// afterwards everything works again without restarting the server, and nothing stored before the outage is lost.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { freePort, startEmbeddedCluster } from '../../src/platform/storage/embedded-postgres.ts';
import { Agent, formAction, hiddenField, type Step } from '../helpers/agent.ts';
import { challengeFields } from '../helpers/challenge.ts';
import { startMailSink } from '../helpers/mail-sink.ts';
import {
  gone,
  killAll,
  postmaster,
  processEnv,
  runCli,
  startServerProcess,
  stopServerProcess,
  waitReady,
} from '../helpers/process.ts';
import { deleteRedisPrefix } from '../helpers/redis.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, signIn } from '../helpers/rp.ts';
import { startTestServer, storageMode, TEST_SECRET_KEY, type TestServer } from '../helpers/server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const folders: string[] = [];
const tempFolder = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-faults-'));
  fs.chmodSync(dir, 0o755);
  folders.push(dir);
  return dir;
};

/**
 * The bound on an answer during an outage. It is no speed target (benchmarks measure speed): before this suite a
 * request waited 10–15 s (Redis) or a minute (PostgreSQL) and then failed with 500; failing fast means well under this.
 */
const FAST_MS = 3000;

async function timed(url: string, init?: RequestInit) {
  const start = Date.now();
  const res = await fetch(url, { ...init, redirect: 'manual' });
  return { res, body: await res.text(), ms: Date.now() - start };
}

function assertUnavailable(answer: { res: Response; body: string; ms: number }, what: string) {
  assert.equal(answer.res.status, 503, `${what}: ${answer.res.status} ${answer.body.slice(0, 200)}`);
  assert.equal(answer.res.headers.get('retry-after'), '5', what);
  assert.ok(answer.ms < FAST_MS, `${what} answered in ${answer.ms} ms`);
  assert.doesNotMatch(answer.body, /at .*\.ts:\d+|Error:/, `${what}: no stack trace`);
}

/** Listens on 127.0.0.1:port as soon as it is free (tried every few milliseconds), so that nobody else gets it. */
async function holdPort(port: number, ms: number): Promise<net.Server> {
  const end = Date.now() + ms;
  for (;;) {
    const server = net.createServer((socket) => socket.destroy());
    const taken = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (taken) return server;
    if (Date.now() > end) assert.fail(`port ${port} was not freed within ${ms} ms`);
    await sleep(5);
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  assert.fail(`${what} did not happen within ${ms} ms`);
}

const ready = async (issuer: string) => (await fetch(`${issuer}/readyz`)).status === 200;

async function signedInClient(server: TestServer) {
  const id = `faults-${crypto.randomBytes(4).toString('hex')}`;
  await registerClient(server, { client_id: id, token_endpoint_auth_method: 'client_secret_basic' }, 'fault-secret');
  const config = await discover(server.issuer, id, 'fault-secret');
  return Object.assign(config, { basic: `Basic ${Buffer.from(`${id}:fault-secret`).toString('base64')}` });
}

/** A sign-in of the demo student through the real pages, and the code exchanged: the whole flow works. */
async function fullSignIn(config: oidc.Configuration, agent = new Agent()) {
  const p = await pkce();
  const callback = await signIn(agent, authorizationUrl(config, p), 'student', 'Green-Frog-2026');
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: p.verifier,
    expectedState: p.state,
    expectedNonce: p.nonce,
  });
  assert.ok(tokens.claims()?.sub);
  return agent;
}

// --- Redis ---------------------------------------------------------------------------------------------------------

type RedisServer = { port: number; dir: string; child: ChildProcess; exited: Promise<void> };

async function startRedis(port: number, dir: string): Promise<RedisServer> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  await until('redis-server answers', async () => {
    if (probe.status !== 'ready') await probe.connect();
    return (await probe.ping()) === 'PONG';
  });
  probe.disconnect();
  return { port, dir, child, exited };
}

describe(`faults (${storageMode})`, () => {
  after(() => {
    killAll();
    for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Redis stopped: 503 at once with Retry-After; back by itself when Redis returns, sessions kept', async () => {
    const port = await freePort();
    const dir = tempFolder();
    let redis = await startRedis(port, dir);
    const server = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${port}/0` });
    try {
      const config = await signedInClient(server);
      const agent = await fullSignIn(config);
      const pendingAgent = new Agent();
      const pending = await pendingAgent.follow(authorizationUrl(config, await pkce()).href, CALLBACK);
      assert.equal(pending.status, 200, 'a sign-in page, to be posted during the outage');

      redis.child.kill('SIGTERM'); // a clean stop: Redis writes its append-only file
      await redis.exited;

      assertUnavailable(await timed(authorizationUrl(config, await pkce()).href), 'GET /auth');
      const cookie = cookieHeader(pendingAgent);
      assertUnavailable(await timed(pending.url, { headers: { cookie } }), 'the sign-in page');
      assertUnavailable(
        await timed(formAction(pending.body, /\/login$/, pending.url), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
          body: new URLSearchParams({
            login: 'student',
            password: 'Green-Frog-2026',
            _csrf: hiddenField(pending.body, '_csrf'),
          }),
        }),
        'POST /login',
      );
      const token = await timed(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: config.basic },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: CALLBACK }),
      });
      // The client is known from PostgreSQL; looking the code up needs Redis.
      assertUnavailable(token, 'POST /token');
      assert.equal(JSON.parse(token.body).error, 'temporarily_unavailable');
      const page = await timed(`${server.issuer}/readyz`);
      assert.equal(page.res.status, 503);
      assert.equal((await timed(`${server.issuer}/`)).res.status, 200, 'pages that need no store still work');

      redis = await startRedis(port, dir);
      await until('/readyz says ready', () => ready(server.issuer));
      // The session from before the outage is still there: single sign-on goes straight through.
      const again = await agent.follow(authorizationUrl(config, await pkce()).href, CALLBACK);
      assert.ok(again.location?.startsWith(CALLBACK), `SSO after the outage: ${again.status}`);
      await fullSignIn(config);
    } finally {
      await server.close();
      redis.child.kill('SIGKILL');
    }
  });

  it('PostgreSQL stopped: 503 at once; started again, everything works and nothing is lost', async () => {
    // Embedded: the server's own cluster, which it starts again. PostgreSQL + Redis: the machine's PostgreSQL is not
    // ours to stop, so a cluster of the test's own stands in for it, looked after by the test process.
    const pgDir = storageMode === 'embedded' ? undefined : tempFolder();
    const external = pgDir ? await startEmbeddedCluster(pgDir, 0, crypto.randomBytes(12).toString('hex')) : undefined;
    const server = await startTestServer(external ? { DATABASE_URL: external.url } : {});
    let blocker: net.Server | undefined;
    try {
      const config = await signedInClient(server);
      const agent = await fullSignIn(config);
      const clusterDir = pgDir ?? server.dataDir;
      const before = postmaster(clusterDir)!;
      process.kill(before.pid, 'SIGINT'); // someone stops it (fast shutdown)
      // Its owner starts it again within a second or two, which can be before this test's first request. So the
      // outage lasts as long as the test wants: the port is taken the moment PostgreSQL lets go of it, and every
      // restart fails (and is tried again) until the test gives the port back.
      blocker = await holdPort(before.port, 30_000);
      await until('the postmaster has stopped', async () => gone(before.pid));

      // Until it is back, every answer is a fast 503: never a 500, never a wait. The signed-in browser's next visit to
      // the authorization endpoint needs the person's account (and, embedded, the session) from PostgreSQL.
      const statuses = new Set<number>();
      const url = authorizationUrl(config, await pkce()).href;
      let unavailable = 0;
      const end = Date.now() + 30_000;
      while (Date.now() < end) {
        const answer = await timed(url, { headers: { cookie: cookieHeader(agent) } });
        statuses.add(answer.res.status);
        if (answer.res.status === 503) {
          assertUnavailable(answer, 'GET /auth');
          // Several restarts have failed meanwhile (one a second); now PostgreSQL may come back.
          const held = blocker;
          if (++unavailable === 40 && held.listening) await new Promise((r) => held.close(r));
        } else if (answer.res.status === 303) break;
        else assert.fail(`GET /auth during the outage: ${answer.res.status} ${answer.body.slice(0, 200)}`);
        await sleep(50);
      }
      if (blocker.listening) blocker.close();
      assert.ok(statuses.has(503), `a 503 was seen: ${[...statuses]}`);
      assert.ok(statuses.has(303), `the authorization endpoint came back: ${[...statuses]}`);
      const after = postmaster(clusterDir)!;
      assert.notEqual(after.pid, before.pid, 'a new postmaster');
      assert.equal(after.port, before.port, 'on the same port');
      // The person, the client and the session from before the stop are all still there.
      const again = await agent.follow(authorizationUrl(config, await pkce()).href, CALLBACK);
      assert.ok(again.location?.startsWith(CALLBACK), `SSO after the restart: ${again.status}`);
      await fullSignIn(config);
    } finally {
      // A failure during the outage would otherwise keep the port held, PostgreSQL down and the test process alive.
      if (blocker?.listening) blocker.close();
      await server.close();
      await external?.stop();
    }
  });

  it('SMTP out of reach: the reset page answers as usual, and the mail goes out once SMTP is back', async () => {
    const smtpPort = await freePort();
    const server = await startTestServer({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, OUTBOX_POLL_MS: '100' });
    let sink: Awaited<ReturnType<typeof startMailSink>> | undefined;
    try {
      const startedAt = new Date(Date.now() - 1000);
      const agent = new Agent();
      const page = await agent.follow(`${server.issuer}/password/forgot`);
      const sent = await agent.submit(formAction(page.body, /\/password\/forgot$/, page.url), {
        _csrf: hiddenField(page.body, '_csrf'),
        target: 'student@demo.campus-sso.test',
        ...(await challengeFields(server.issuer)),
      });
      assert.equal(sent.status, 200);
      assert.match(sent.url, /\/password\/forgot\/sent/);
      const message = () =>
        server.storage
          .db('outbox_messages')
          .where({ recipient: 'student@demo.campus-sso.test', kind: 'password_reset' })
          .where('created_at', '>=', startedAt)
          .first();
      // An attempt counts from its claim ('sending'); it has failed once its error is recorded.
      await until('a delivery attempt failed', async () => !!(await message())?.last_error);
      const failed = await message();
      assert.ok(failed.attempts >= 1);
      assert.equal(failed.status, 'pending', 'kept for another attempt');

      sink = await startMailSink(smtpPort);
      await until('the mail arrived', async () => sink!.mails.length === 1, 60_000);
      const to = sink.mails[0]!.to;
      assert.equal(to && !Array.isArray(to) ? to.text : '', 'student@demo.campus-sso.test');
      // The sink has the mail a moment before the worker records it as sent.
      await until('recorded as sent', async () => (await message()).status === 'sent');
    } finally {
      await server.close();
      await sink?.close();
    }
  });

  it('a server process killed during a sign-in: a second process finishes it', async () => {
    const dataDir = tempFolder();
    const [portA, portB] = [await freePort(), await freePort()];
    const issuer = `http://127.0.0.1:${portA}`;
    const prefix = `test:${crypto.randomBytes(4).toString('hex')}:`;
    const shared = {
      ISSUER: issuer,
      REDIS_PREFIX: prefix,
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      // Embedded: the secret generated in the shared DATA_DIR; a shared database: the one its keys are sealed with.
      SECRET_KEY: process.env.SECRET_KEY ?? TEST_SECRET_KEY,
    };
    const embedded = storageMode === 'embedded';
    // B starts first: with the embedded cluster it is the owner, and stops the cluster at the end.
    const envB = processEnv(dataDir, portB, { ...shared, SEED_DEMO: 'true' }, embedded);
    const envA = processEnv(dataDir, portA, { ...shared, SEED_DEMO: 'false' }, embedded);
    const b = startServerProcess(envB);
    await waitReady(portB, b);
    const a = startServerProcess(envA);
    await waitReady(portA, a);
    try {
      const secret = 'fault-suite-secret-0123456789abcdef';
      const clientId = `fault-rp-${crypto.randomBytes(4).toString('hex')}`;
      const added = await runCli(
        envB,
        'client',
        'add',
        '--id',
        clientId,
        '--secret',
        secret,
        '--redirect-uri',
        CALLBACK,
      );
      assert.equal(added.status, 0, added.stderr);

      // Everything after A dies goes to B: a browser retrying on the other server behind the load balancer.
      const toB = (url: string) => url.replace(issuer, `http://127.0.0.1:${portB}`);
      const config = await oidc.discovery(new URL(issuer), clientId, secret, oidc.ClientSecretBasic(secret), {
        execute: [oidc.allowInsecureRequests],
        [oidc.customFetch]: (url: string, init: oidc.CustomFetchOptions) => fetch(toB(url), init as RequestInit),
      });
      const p = await pkce();
      const agent = new Agent();
      const page = await agent.follow(authorizationUrl(config, p).href, CALLBACK);
      assert.match(page.url, new RegExp(`^${issuer}/`), 'the sign-in page came from A');
      a.child.kill('SIGKILL');
      await a.exited;

      const viaB = new (class extends Agent {
        override request(url: string, init?: RequestInit): Promise<Step> {
          return super.request(toB(url), init);
        }
      })();
      for (const [name, value] of agent.cookies) viaB.cookies.set(name, value);
      let step = await viaB.submit(
        formAction(page.body, /\/login$/, page.url),
        { login: 'student', password: 'Green-Frog-2026', _csrf: hiddenField(page.body, '_csrf') },
        CALLBACK,
      );
      if (!step.location?.startsWith(CALLBACK) && step.body.includes('/confirm')) {
        step = await viaB.submit(
          formAction(step.body, /\/confirm$/, step.url),
          { _csrf: hiddenField(step.body, '_csrf') },
          CALLBACK,
        );
      }
      assert.ok(
        step.location?.startsWith(CALLBACK),
        `B finished the sign-in: ${step.status} ${step.body.slice(0, 200)}`,
      );
      const tokens = await oidc.authorizationCodeGrant(config, new URL(step.location!), {
        pkceCodeVerifier: p.verifier,
        expectedState: p.state,
        expectedNonce: p.nonce,
      });
      assert.equal(tokens.claims()?.iss, issuer);
      assert.ok(tokens.access_token);
    } finally {
      a.child.kill('SIGKILL');
      await stopServerProcess(b);
      if (envB.REDIS_URL) {
        const redis = new Redis(envB.REDIS_URL);
        await deleteRedisPrefix(redis, prefix);
        redis.disconnect();
      }
    }
  });
});

function cookieHeader(agent: Agent) {
  return [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}
