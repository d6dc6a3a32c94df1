// Which requests are ours and which are oidc-provider's (src/web/app.ts): a request whose first path segment none of
// our routes begins with goes to the provider without being tried against each route; the rest as the router says.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import type Router from '@koa/router';
import { createLogger } from '../../src/platform/log.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { buildApp } from '../../src/web/app.ts';

/** An app with `routes`, whose provider answers "provider"; returns its base URL. */
async function serve(routes: (router: Router) => void, servers: http.Server[]): Promise<string> {
  const app = buildApp({
    log: createLogger('silent'),
    metrics: createMetrics(),
    trustProxy: true,
    trustProxyHops: 1,
    issuer: 'http://127.0.0.1',
    cookieKeys: () => ['test-cookie-key'],
    routes,
    provider: async (ctx) => {
      ctx.body = 'provider';
    },
  });
  const server = http.createServer(app.callback());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function who(base: string, path: string, method = 'GET'): Promise<string> {
  return (await fetch(`${base}${path}`, { method })).text();
}

describe('requests: ours or the provider’s', () => {
  const servers: http.Server[] = [];
  after(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  it('routes by our routes whatever the case or a trailing slash, and the rest to the provider', async () => {
    const base = await serve((router) => {
      router.get('/', (ctx) => {
        ctx.body = 'home';
      });
      router.get('/admin/things/:id', (ctx) => {
        ctx.body = `thing ${ctx.params.id}`;
      });
    }, servers);
    assert.equal(await who(base, '/'), 'home');
    assert.equal(await who(base, '/admin/things/7'), 'thing 7');
    assert.equal(await who(base, '/ADMIN/Things/7'), 'thing 7');
    assert.equal(await who(base, '/admin/things/7/'), 'thing 7');
    assert.equal(await who(base, '/admin/things/7', 'POST'), 'provider', 'a method we do not answer');
    assert.equal(await who(base, '/admin/other'), 'provider');
    assert.equal(await who(base, '/token'), 'provider');
    assert.equal(await who(base, '/token/introspection', 'POST'), 'provider');
  });

  it('keeps parameter handlers and a middleware under a segment, and each segment to its own routes', async () => {
    const base = await serve((router) => {
      router.use('/admin', async (ctx, next) => {
        ctx.state.seen = 'admin middleware';
        await next();
      });
      router.get('/admin/things/:id', (ctx) => {
        ctx.body = `thing ${ctx.state.thing} after ${ctx.state.seen}`;
      });
      router.param('id', async (id, ctx, next) => {
        ctx.state.thing = `#${id}`;
        await next();
      });
      router.post('/school/:code/import', (ctx) => {
        ctx.body = `import ${ctx.params.code}`;
      });
    }, servers);
    assert.equal(await who(base, '/admin/things/7'), 'thing #7 after admin middleware');
    assert.equal(await who(base, '/school/A1/import', 'POST'), 'import A1');
    assert.equal(await who(base, '/school/A1/import'), 'provider', 'a method we do not answer');
    assert.equal(await who(base, '/admin/school/A1/import', 'POST'), 'provider', 'another segment’s route');
  });

  it('tries every request against every route when a middleware applies to every path', async () => {
    const base = await serve((router) => {
      router.use(async (ctx, next) => {
        await next();
        if (ctx.body) ctx.body = `${ctx.body} (every path)`;
      });
      router.get('/admin/things/:id', (ctx) => {
        ctx.body = `thing ${ctx.params.id}`;
      });
    }, servers);
    assert.equal(await who(base, '/admin/things/7'), 'thing 7 (every path)');
    assert.equal(await who(base, '/token'), 'provider');
  });

  it('tries every request against the routes when one begins with a parameter', async () => {
    const base = await serve((router) => {
      router.get('/:lang/about', (ctx) => {
        ctx.body = `about ${ctx.params.lang}`;
      });
    }, servers);
    assert.equal(await who(base, '/en/about'), 'about en');
    assert.equal(await who(base, '/token'), 'provider');
  });
});
