import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PASSWORD_RESET, SIGN_OUT_PAGES } from '../../../src/platform/limits.ts';
import { freePort, startEmbeddedCluster } from '../../../src/platform/storage/embedded-postgres.ts';
import { Agent, hiddenField } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { startTestServer, storageMode, TEST_SECRET_KEY, type TestServer } from '../../helpers/server.ts';

describe(`health, readiness and metrics (${storageMode})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers /healthz and /readyz', async () => {
    assert.deepEqual(await (await fetch(`${server.issuer}/healthz`)).json(), { status: 'ok' });
    const ready = await fetch(`${server.issuer}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { checks: Record<string, string> };
    assert.equal(body.checks.postgres, 'ok');
    if (process.env.REDIS_URL) assert.equal(body.checks.redis, 'ok');
  });

  it('exposes Prometheus metrics with request durations by route, never by raw path', async () => {
    await fetch(`${server.issuer}/.well-known/openid-configuration`);
    await fetch(`${server.issuer}/interaction/some-random-id-123`);
    const text = await (await fetch(`${server.issuer}/metrics`)).text();
    assert.match(text, /http_request_duration_seconds_count\{route="oidc:discovery",method="GET",status="200"\}/);
    assert.match(text, /route="\/interaction\/:uid"/);
    assert.doesNotMatch(text, /some-random-id-123/);
    assert.match(text, /process_cpu_seconds_total/);
  });

  it('echoes a safe request id and makes one otherwise', async () => {
    const given = await fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': 'abc-12345678' } });
    assert.equal(given.headers.get('x-request-id'), 'abc-12345678');
    const unsafe = await fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    assert.match(unsafe.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
  });

  it('sets security headers on its own pages', async () => {
    const res = await fetch(`${server.issuer}/`);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('behind a TLS-offloading proxy', () => {
  it('marks cookies secure when TRUST_PROXY is on and the proxy says https, and not otherwise', async () => {
    for (const trust of ['true', 'false']) {
      const server = await startTestServer({ TRUST_PROXY: trust });
      try {
        const url = `${server.issuer}/auth?client_id=demo-rp&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${server.issuer}/demo/callback`)}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`;
        const res = await fetch(url, { redirect: 'manual', headers: { 'x-forwarded-proto': 'https' } });
        assert.equal(res.status, 303);
        const cookies = res.headers.getSetCookie().join('\n');
        assert.match(cookies, /_interaction=/);
        if (trust === 'true') assert.match(cookies, /; secure/i);
        else assert.doesNotMatch(cookies, /; secure/i);
        // An http issuer (a laptop, the tests) never pins browsers to https.
        assert.equal(res.headers.get('strict-transport-security'), null);
      } finally {
        await server.close();
      }
    }
  });
});

describe('production behind its TLS proxy', () => {
  it('refuses a request the proxy did not mark https (no cookie without Secure), and serves the probes', async () => {
    // Production needs a database of its own: the test's, or a cluster started here in the embedded run.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-production-'));
    const cluster = process.env.DATABASE_URL
      ? undefined
      : await startEmbeddedCluster(dataDir, 0, crypto.randomBytes(12).toString('hex'));
    const server = await startTestServer({
      NODE_ENV: 'production',
      ISSUER: 'https://sso.example.test',
      TRUST_PROXY: 'true',
      DATABASE_URL: process.env.DATABASE_URL ?? cluster!.url,
      SECRET_KEY: process.env.SECRET_KEY ?? TEST_SECRET_KEY,
      SMTP_URL: 'smtp://127.0.0.1:9',
      BCRYPT_COST: '10',
      SEED_DEMO: 'false',
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const viaProxy = await fetch(`${base}/register`, { headers: { 'x-forwarded-proto': 'https' } });
      assert.equal(viaProxy.status, 200);
      const cookies = viaProxy.headers.getSetCookie();
      assert.ok(cookies.length > 0);
      for (const cookie of cookies) assert.match(cookie, /; secure/i, cookie);
      // Browsers are told to come back only over https: our pages, oidc-provider's answers, the not-found page.
      for (const path of ['/register', '/.well-known/openid-configuration', '/no-such-page']) {
        const res = await fetch(`${base}${path}`, { headers: { 'x-forwarded-proto': 'https' } });
        assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains', path);
      }

      for (const path of ['/register', '/.well-known/openid-configuration', '/login']) {
        const plain = await fetch(`${base}${path}`, { redirect: 'manual' });
        assert.equal(plain.status, 400, path);
        assert.deepEqual(plain.headers.getSetCookie(), [], `${path}: no cookie over plain http`);
        assert.match(await plain.text(), new RegExp(translator('zh-TW')('error.httpsRequired')));
      }
      for (const probe of ['/healthz', '/readyz', '/metrics'])
        assert.equal((await fetch(`${base}${probe}`)).status, 200, probe);
    } finally {
      await server.close();
      await cluster?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('who may read /metrics', () => {
  it('behind the proxy: never a request it forwarded; with METRICS_TOKEN, only with the token', async () => {
    const server = await startTestServer({ TRUST_PROXY: 'true' });
    try {
      const forwarded = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' };
      const fromOutside = await fetch(`${server.issuer}/metrics`, { headers: forwarded });
      assert.equal(fromOutside.status, 403, 'sign-in outcomes and route timings are not for the public');
      assert.doesNotMatch(await fromOutside.text(), /process_cpu_seconds_total/);
      const scraper = await fetch(`${server.issuer}/metrics`);
      assert.equal(scraper.status, 200, 'a scraper inside the network reaches the process itself');
      assert.match(await scraper.text(), /process_cpu_seconds_total/);
    } finally {
      await server.close();
    }
    const token = crypto.randomBytes(24).toString('base64url');
    const guarded = await startTestServer({ METRICS_TOKEN: token });
    try {
      const url = `${guarded.issuer}/metrics`;
      const none = await fetch(url);
      assert.equal(none.status, 401);
      assert.match(String(none.headers.get('www-authenticate')), /^Bearer/);
      assert.equal((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status, 401);
      const right = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(right.status, 200);
      assert.match(await right.text(), /process_cpu_seconds_total/);
    } finally {
      await guarded.close();
    }
  });
});

describe('addresses and hosts behind proxies', () => {
  it('takes the client address TRUST_PROXY_HOPS entries from the right of X-Forwarded-For, never the left-most', async () => {
    const server = await startTestServer({ TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '1' });
    try {
      // An address that has used up its password-reset requests (50 an hour).
      const spent = `198.51.100.${crypto.randomInt(1, 250)}`;
      for (let i = 0; i < PASSWORD_RESET.address.max; i++)
        await server.services.throttle.hit(PASSWORD_RESET.address, spent);
      const ask = async (forwardedFor: string) => {
        const agent = new Agent();
        const page = await agent.request(`${server.issuer}/password/forgot`, {
          headers: { 'x-forwarded-for': forwardedFor },
        });
        const res = await agent.request(`${server.issuer}/password/forgot`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
          body: new URLSearchParams({
            _csrf: hiddenField(page.body, '_csrf'),
            target: `proxy-${crypto.randomBytes(4).toString('hex')}@school.example.edu.tw`,
            ...(await challengeFields(server.issuer)),
          }).toString(),
        });
        return res.status;
      };
      // The proxy appends the address it saw: the client cannot escape the limit by sending a header of its own…
      assert.equal(await ask(`203.0.113.7, ${spent}`), 429);
      // …and cannot borrow another address's limit either.
      assert.equal(await ask(`${spent}, 203.0.113.8`), 303);
    } finally {
      await server.close();
    }
  });

  it('counts the sign-out pages an anonymous visitor opens per address, and says when to come back; the person check stores nothing', async () => {
    const server = await startTestServer({ TRUST_PROXY: 'true' });
    try {
      const busy = `198.51.100.${crypto.randomInt(1, 250)}`;
      const other = `203.0.113.${crypto.randomInt(1, 250)}`;
      for (let i = 0; i < SIGN_OUT_PAGES.max; i++) await server.services.throttle.hit(SIGN_OUT_PAGES, busy);
      const get = (path: string, address: string, accept = 'text/html') =>
        fetch(`${server.issuer}${path}`, { headers: { 'x-forwarded-for': address, accept } });

      const limited = await get('/session/end', busy);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '600');
      assert.deepEqual(
        limited.headers.getSetCookie().filter((c) => c.startsWith('_session=')),
        [],
      );
      assert.match(await limited.text(), new RegExp(translator('zh-TW')('error.tooMany')));
      assert.equal((await get('/session/end', other)).status, 200, 'from another address');

      // A page with the person check, and its challenge: signed, stored nowhere (no cookie, nothing in the store).
      const keys = async () =>
        server.storage.redis
          ? (await server.storage.redis.keys(`${server.env.REDIS_PREFIX}*`)).length
          : Number((await server.storage.db('counters').count('* as n'))[0]!.n) +
            Number((await server.storage.db('ephemeral_values').count('* as n'))[0]!.n);
      const before = await keys();
      for (const path of ['/register', '/password/forgot', '/challenge']) {
        const res = await get(path, busy, path === '/challenge' ? 'application/json' : 'text/html');
        assert.equal(res.status, 200, path);
      }
      assert.equal(await keys(), before, 'nothing stored for a visitor');
    } finally {
      await server.close();
    }
  });

  it('never takes the issuer host from Host or X-Forwarded-Host', async () => {
    const server = await startTestServer({ TRUST_PROXY: 'true' });
    try {
      const res = await fetch(`${server.issuer}/.well-known/openid-configuration`, {
        headers: { 'x-forwarded-host': 'evil.example', host: 'evil.example' },
      });
      const text = await res.text();
      assert.doesNotMatch(text, /evil\.example/);
      const discovery = JSON.parse(text) as Record<string, string>;
      assert.equal(discovery.issuer, server.issuer);
      assert.equal(new URL(discovery.authorization_endpoint!).host, new URL(server.issuer).host);
    } finally {
      await server.close();
    }
  });
});

describe('readiness follows Redis', {
  skip: fs.existsSync('/usr/bin/redis-server') ? false : 'redis-server is not installed',
}, () => {
  it('reports 503 when Redis goes away', async () => {
    const port = await freePort();
    const redis = spawn(
      '/usr/bin/redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    try {
      for (let i = 0; i < 50; i++) {
        try {
          await new Promise<void>((resolve, reject) => {
            const s = net.connect(port, '127.0.0.1', () => {
              s.end();
              resolve();
            });
            s.on('error', reject);
          });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const server = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${port}/0` });
      try {
        assert.equal((await fetch(`${server.issuer}/readyz`)).status, 200);
        redis.kill('SIGKILL');
        await new Promise((r) => setTimeout(r, 200));
        const down = await fetch(`${server.issuer}/readyz`);
        assert.equal(down.status, 503);
        assert.equal(((await down.json()) as { checks: Record<string, string> }).checks.redis, 'unavailable');
        assert.equal((await fetch(`${server.issuer}/healthz`)).status, 200, 'the process itself is still alive');
      } finally {
        await server.close();
      }
    } finally {
      redis.kill('SIGKILL');
    }
  });
});
