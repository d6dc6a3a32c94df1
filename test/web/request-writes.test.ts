// A request's oidc-provider writes are sent when it is done (src/oidc/adapters/deferred-writes.ts), so a database that
// fails then must still fail the request: the redirect the provider had set becomes the "try again shortly" page.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import knex, { type Knex } from 'knex';
import { withRequestWrites } from '../../src/oidc/adapters/deferred-writes.ts';
import { PostgresAdapter } from '../../src/oidc/adapters/postgres.ts';
import { createLogger } from '../../src/platform/log.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { buildApp } from '../../src/web/app.ts';

/** A TCP port nothing listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('writes sent at the end of a request', () => {
  let server: http.Server;
  let base: string;
  let db: Knex;

  before(async () => {
    db = knex({
      client: 'pg',
      connection: { host: '127.0.0.1', port: await closedPort(), user: 'x', connectionTimeoutMillis: 2000 },
      pool: { min: 0, max: 1 },
      acquireConnectionTimeout: 3000,
    });
    const sessions = new PostgresAdapter(db, 'Session');
    const app = buildApp({
      log: createLogger('silent'),
      metrics: createMetrics(),
      trustProxy: true, // no same-host check: the issuer's port is not known before listening
      trustProxyHops: 1,
      issuer: 'http://127.0.0.1',
      cookieKeys: () => ['test-cookie-key'],
      routes: () => {},
      // Stands in for oidc-provider: stores a session (kept for the end of the request), then redirects.
      provider: async (ctx) => {
        await sessions.upsert('s-1', { uid: 'u-1', accountId: 'a' }, 300);
        ctx.redirect('/next');
      },
      aroundRequest: withRequestWrites,
    });
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.destroy();
  });

  it('answers 503 with the translated page, not the redirect, when the database cannot take the writes', async () => {
    const res = await fetch(`${base}/auth?client_id=x`, {
      redirect: 'manual',
      headers: { accept: 'text/html', 'accept-language': 'zh-TW' },
    });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('location'), null, 'the redirect to a step that was not stored is dropped');
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    const html = await res.text();
    assert.match(html, /<html lang="zh-TW"/);
    assert.doesNotMatch(html, /ECONNREFUSED|at .*\.ts:\d+/, 'no error code or stack on the page');
  });

  it('answers JSON callers (the token endpoint) with temporarily unavailable JSON', async () => {
    const res = await fetch(`${base}/token`, {
      method: 'POST',
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: string };
    assert.equal(body.error, 'unavailable');
  });
});
