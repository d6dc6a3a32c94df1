// WORKERS=2: `npm start` as a cluster, in whichever storage mode the environment selects. Every request of these
// tests goes on a connection of its own (Connection: close), so node's round-robin hands consecutive requests to
// different workers; which worker answered is read from its request log line (a worker's lines carry its pid).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { parseSettings, SettingsError } from '../../src/platform/settings.ts';
import { Agent } from '../helpers/agent.ts';
import {
  gone,
  killAll,
  postmaster,
  processEnv,
  runCli,
  type ServerProcess,
  startServerProcess,
} from '../helpers/process.ts';
import { authorizationUrl, CALLBACK, discover, pkce, signIn } from '../helpers/rp.ts';
import { storageMode, TEST_SECRET_KEY } from '../helpers/server.ts';

const embedded = storageMode === 'embedded';

/** The request ids of every answer this process got, in order. */
const answered: string[] = [];
const plainFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('connection', 'close'); // a new connection: the primary gives it to the next worker
  const res = await plainFetch(input, { ...init, headers });
  const id = res.headers.get('x-request-id');
  if (id) answered.push(id);
  return res;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The server's JSON log lines. */
const logLines = (server: ServerProcess) =>
  server
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });

/** The pids of the workers that answered these requests (waiting for their log lines). */
async function answeredBy(server: ServerProcess, ids: string[]): Promise<Set<number>> {
  return until('the request log lines', () => {
    const pids = new Map(logLines(server).flatMap((l) => (l.msg === 'request' ? [[l.reqId, l.pid as number]] : [])));
    return ids.every((id) => pids.has(id)) ? new Set(ids.map((id) => pids.get(id)!)) : undefined;
  });
}

/** The primary's worker processes: its children running src/main.ts (the embedded postmaster is a child too). */
function workerPids(primary: number): number[] {
  return fs.readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      return ppid === primary && command.includes('src/main.ts') && !gone(Number(entry)) ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

/** What each of `count` requests (each answered by the next worker) got, and which workers answered. */
async function acrossWorkers(server: ServerProcess, count: number, request: () => Promise<Response>) {
  const from = answered.length;
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await request()).status);
  return { statuses, pids: await answeredBy(server, answered.slice(from)) };
}

describe('WORKERS setting', () => {
  it('takes a whole number from 1 to 256 or auto, and names itself when it is wrong', () => {
    assert.equal(parseSettings({}).workers, 1);
    assert.equal(parseSettings({ WORKERS: '4' }).workers, 4);
    assert.equal(parseSettings({ WORKERS: 'auto' }).workers, os.availableParallelism());
    for (const bad of ['0', '-1', 'two', '1.5', '257', ' 2'])
      assert.throws(
        () => parseSettings({ WORKERS: bad }),
        (err: Error) =>
          err instanceof SettingsError &&
          err.message === 'WORKERS: must be a whole number from 1 to 256, or auto (one per core)',
        bad,
      );
  });
});

/** A DATA_DIR and the settings of a cluster of two workers on `port` in the storage mode of this run. */
function clusterEnv(port: number) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-workers-'));
  fs.chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const env = processEnv(
    dataDir,
    port,
    {
      WORKERS: '2',
      LOG_LEVEL: 'info',
      SEED_DEMO: 'true',
      REDIS_PREFIX: `test:${crypto.randomBytes(4).toString('hex')}:`,
      SECRET_KEY: embedded ? undefined : (process.env.SECRET_KEY ?? TEST_SECRET_KEY),
    },
    embedded,
  );
  return { dataDir, env };
}

describe(`WORKERS=2 (${storageMode})`, () => {
  const { dataDir, env } = clusterEnv(0); // PORT=0: the primary chooses the port and tells it in its log line
  let server: ServerProcess;
  let primary: number;
  let issuer: string;
  let workers: number[];
  const rpId = `workers-rp-${crypto.randomBytes(3).toString('hex')}`;
  const secret = 'workers-rp-secret-0123456789abcdef';
  let endpoint: string;
  const authorize = (redirectUri: string) => () => {
    const url = new URL(endpoint);
    url.search = new URLSearchParams({
      client_id: rpId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      state: 'state-0123456789',
      code_challenge: crypto.randomBytes(32).toString('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return fetch(url, { redirect: 'manual' });
  };

  /** A full authorization-code sign-in through openid-client; returns the workers that answered it. */
  const signInOnce = async () => {
    const from = answered.length;
    const config = await discover(issuer, rpId, secret);
    const p = await pkce();
    const callback = await signIn(new Agent(), authorizationUrl(config, p), 'teacher', 'Blue-Chalk-2026');
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    assert.ok(tokens.claims()?.sub);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.sub, tokens.claims()!.sub);
    return answeredBy(server, answered.slice(from));
  };

  before(async () => {
    server = startServerProcess(env);
    primary = server.child.pid!;
    const listening = await until(
      'the primary to say it is listening',
      () => {
        if (server.child.exitCode !== null) assert.fail(`the server exited: ${server.output()}`);
        return logLines(server).find((l) => l.msg === 'campus-sso listening' && l.primary === primary);
      },
      90_000,
    );
    issuer = listening.issuer as string;
    assert.equal(listening.workers, 2);
    assert.notEqual(listening.port, 0, 'PORT=0: the primary chose a port for the workers');
    endpoint = ((await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>)
      .authorization_endpoint!;
  });
  after(() => {
    killAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('forks two workers that both answer, with the same keys, the metrics of both', async () => {
    workers = workerPids(primary);
    assert.equal(workers.length, 2, `two workers: ${workers}`);
    const lines = logLines(server).filter((l) => l.msg === 'campus-sso listening');
    assert.deepEqual(lines.map((l) => l.worker ?? 'primary').sort(), [0, 1, 'primary']);

    const health = await acrossWorkers(server, 4, () => fetch(`${issuer}/healthz`));
    assert.deepEqual(health.statuses, [200, 200, 200, 200]);
    assert.deepEqual([...health.pids].sort(), [...workers].sort(), 'both workers answered');

    const jwks = await Promise.all([1, 2].map(async () => (await fetch(`${issuer}/jwks`)).text()));
    assert.equal(jwks[0], jwks[1], 'one key set (created once, by the primary)');

    // Each worker counted two of the four /healthz: either one's /metrics shows all four.
    const count = async () => {
      const text = await (await fetch(`${issuer}/metrics`)).text();
      return /http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} (\d+)/.exec(text)?.[1];
    };
    assert.deepEqual([await count(), await count()], ['4', '4']);
  });

  it('a client added and changed while running is seen by every worker', async () => {
    // Each worker looks the client up first (and remembers that it does not exist).
    const unknown = await acrossWorkers(server, 2, authorize(CALLBACK));
    assert.deepEqual(unknown.statuses, [400, 400]);
    assert.equal(unknown.pids.size, 2);
    const added = await runCli(env, 'client', 'add', '--id', rpId, '--secret', secret, '--redirect-uri', CALLBACK);
    assert.equal(added.status, 0, added.stderr);
    const known = await acrossWorkers(server, 2, authorize(CALLBACK));
    assert.deepEqual(known.statuses, [303, 303]);
    assert.equal(known.pids.size, 2);

    const second = 'http://127.0.0.1:9/second';
    assert.deepEqual((await acrossWorkers(server, 2, authorize(second))).statuses, [400, 400]);
    const updated = await runCli(env, 'client', 'update', '--id', rpId, '--add-redirect-uri', second, '--first-party');
    assert.equal(updated.status, 0, updated.stderr);
    const changed = await acrossWorkers(server, 2, authorize(second));
    assert.deepEqual(changed.statuses, [303, 303]);
    assert.equal(changed.pids.size, 2);
  });

  it('signs in with openid-client while consecutive requests land on different workers', async () => {
    const pids = await signInOnce();
    assert.deepEqual([...pids].sort(), [...workers].sort(), 'both workers took part in one sign-in');
  });

  it('a worker killed with SIGKILL is replaced, and sign-ins go on', async () => {
    const [victim, survivor] = workers as [number, number];
    process.kill(victim, 'SIGKILL');
    await until('the primary to say so', () =>
      logLines(server).find((l) => l.msg === 'worker exited; starting another' && l.pid === victim),
    );
    const replacement = await until('another worker', () => workerPids(primary).find((p) => p !== survivor));
    await until('it to start', () => logLines(server).find((l) => l.msg === 'worker started again'));
    workers = workerPids(primary);
    assert.deepEqual(workers.sort(), [survivor, replacement].sort());
    const pids = await signInOnce();
    assert.deepEqual([...pids].sort(), workers, 'the new worker serves too');
  });

  it('SIGTERM to the primary stops the workers, then itself (and the embedded PostgreSQL)', async () => {
    const pg = embedded ? postmaster(dataDir) : undefined;
    if (embedded) assert.ok(pg, 'the primary runs the embedded PostgreSQL');
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    for (const pid of workers) assert.ok(gone(pid), `worker ${pid} ended`);
    if (pg) {
      assert.ok(gone(pg.pid), 'the embedded PostgreSQL stopped');
      assert.equal(postmaster(dataDir), undefined);
    }
    assert.equal(
      logLines(server).filter((l) => l.msg === 'worker exited; starting another').length,
      1,
      'no worker restarted while stopping',
    );
  });
});

describe(`WORKERS=2 that cannot start (${storageMode})`, () => {
  it('a worker that cannot listen stops the whole server with one line (and the embedded PostgreSQL)', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    const { dataDir, env } = clusterEnv((busy.address() as net.AddressInfo).port);
    try {
      const server = startServerProcess(env);
      assert.equal(await server.exited, 1, server.output());
      assert.match(
        server.output(),
        /^campus-sso: failed to start: worker \d: listen EADDRINUSE: port \d+ is already in use$/m,
      );
      if (embedded) assert.equal(postmaster(dataDir), undefined, 'the embedded PostgreSQL stopped');
    } finally {
      busy.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
