// The language link (zh-TW ⇄ English, web/render.ts) of a page drawn in answer to a form post leads to a page, in the
// other language, never to "not found": the form's address often has no page of its own (a stale sign-out form, a
// sign-in or sign-out sent by POST, a stale or too-large post to a POST-only route). And the not-found page of an area
// (the bureau console, the back office, the developer portal, the account pages) offers the area's start page first,
// without saying its heading twice.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Context } from 'koa';
import { translator } from '../../src/platform/i18n/index.ts';
import { createLogger } from '../../src/platform/log.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { buildApp } from '../../src/web/app.ts';
import { AppError } from '../../src/web/errors.ts';
import { renderPage } from '../../src/web/render.ts';
import { Agent, html, type Step } from '../helpers/agent.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

type Locale = 'zh-TW' | 'en';
const other = (locale: Locale): Locale => (locale === 'en' ? 'zh-TW' : 'en');

/** The page's language, its language link (an address on this site) and what its main part says. */
function read(step: Step) {
  const lang = /<html lang="([^"]+)"/.exec(step.body)?.[1];
  const link = /<a class="lang" href="([^"]+)"/.exec(step.body)?.[1]?.replaceAll('&amp;', '&');
  const heading = /<h1>([^<]*)<\/h1>/.exec(step.body)?.[1];
  const alert = /role="alert">([^<]*)</.exec(step.body)?.[1];
  const ways = [...step.body.matchAll(/<a class="button( secondary)?" href="([^"]+)">([^<]*)<\/a>/g)].map((m) => ({
    href: m[2]!.replaceAll('&amp;', '&'),
    label: m[3]!,
    secondary: !!m[1],
  }));
  return { lang, link, heading, alert, ways };
}

describe(`the language link of a page answering a form post (${storageMode})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  /** POSTs `body` to `path` as a browser in `locale` would, then follows the page's language link (and redirects). */
  async function postThenSwitch(path: string, body: string, locale: Locale) {
    const agent = new Agent();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      'accept-language': locale,
    };
    const page = await agent.request(`${server.issuer}${path}`, { method: 'POST', headers, body });
    const shown = read(page);
    assert.equal(shown.lang, locale, `POST ${path}: the page is drawn in ${locale}`);
    assert.ok(shown.link?.startsWith('/'), `POST ${path}: a language link on this site (${shown.link})`);
    const link = new URL(shown.link!, server.issuer);
    assert.notEqual(link.pathname, path, `POST ${path}: the link is not the form's address (no page there)`);
    const switched = await agent.follow(link.href, undefined, {
      headers: { accept: 'text/html', 'accept-language': locale },
    });
    return { page, shown, link, switched, agent };
  }

  const cases: { name: string; path: string; body: string; status: number }[] = [
    // oidc-provider's sign-out question's form, stale (its details are gone): an error page, at an address no GET has.
    { name: 'a stale sign-out form', path: '/session/end/confirm', body: 'xsrf=stale&logout=yes', status: 400 },
    // A sign-in or sign-out an app sent by POST (web/app.ts GET_ONLY): 405; a GET of the address is a new request.
    { name: 'a sign-in sent by POST', path: '/auth', body: 'client_id=x&response_type=code', status: 405 },
    { name: 'a sign-out sent by POST', path: '/session/end', body: 'id_token_hint=x', status: 405 },
    // A form of ours without its CSRF token, to an address that only takes posts.
    { name: 'a stale form to a POST-only route', path: '/register/resend', body: 'ticket=x', status: 403 },
    // Larger than any form may be (MAX_BODY_BYTES, 64 KiB by default).
    { name: 'a post too large', path: '/register/resend', body: `ticket=${'x'.repeat(70_000)}`, status: 413 },
    // Nothing at all answers this address.
    { name: 'a post to an address nothing answers', path: '/admin/no-such-thing', body: 'a=b', status: 404 },
  ];

  for (const { name, path, body, status } of cases)
    for (const locale of ['zh-TW', 'en'] as const)
      it(`${name} (POST ${path}, ${status}): the link answers in ${other(locale)}, never 404`, async () => {
        const { page, switched, link, agent } = await postThenSwitch(path, body, locale);
        assert.equal(page.status, status, `POST ${path}`);
        assert.equal(link.searchParams.get('lang'), other(locale), 'the link asks for the other language');
        assert.equal(switched.status, 200, `the language link ${link.pathname}${link.search} → ${switched.url}`);
        assert.equal(read(switched).lang, other(locale), 'the page it leads to is in the other language');
        // The choice is kept: the next page is in that language too.
        assert.equal(agent.cookies.get('lang'), other(locale), 'the lang cookie is set');
        const next = await agent.request(`${server.issuer}/`, { headers: { 'accept-language': locale } });
        assert.equal(read(next).lang, other(locale));
      });

  it('leads to the page the form was on: the form’s own address when a GET of it draws the form', async () => {
    // POST /register/resend has no page of its own: the registration's is the nearest.
    const stale = await postThenSwitch('/register/resend', 'ticket=x', 'zh-TW');
    assert.equal(`${stale.link.pathname}${stale.link.search}`, '/register?lang=en');
    // …and the stale form's "open this form again" opens a page too, not "not found".
    const again = stale.shown.ways.find((w) => w.label === html(translator('zh-TW')('error.formAgain')));
    assert.equal(again?.href, '/register', 'the form is opened again at a page');
    // A form whose address has a page (POST /password/forgot, here stale): that page, with its query.
    const agent = new Agent();
    const page = await agent.request(`${server.issuer}/password/forgot?from=x`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: 'email=x',
    });
    assert.equal(read(page).link, '/password/forgot?from=x&lang=en');
  });

  it('on a page answering a GET, the link still shows the same page in the other language', async () => {
    const agent = new Agent();
    const page = await agent.request(`${server.issuer}/admin/no-such-thing?x=1`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 404);
    assert.equal(read(page).link, '/admin/no-such-thing?x=1&lang=en');
  });
});

describe(`the not-found page of an area (${storageMode})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const areas = [
    { path: '/admin/x', start: '/admin', label: 'error.areaStart.admin' },
    { path: '/developers/x', start: '/developers', label: 'error.areaStart.developers' },
    { path: '/school/123456/nothing/here', start: '/school', label: 'error.areaStart.school' },
    { path: '/account/x', start: '/account', label: 'error.areaStart.account' },
  ];

  for (const locale of ['zh-TW', 'en'] as const) {
    const t = translator(locale);
    for (const { path, start, label } of areas)
      it(`GET ${path} (${locale}): the area's start page first, named, then the home page`, async () => {
        const page = await new Agent().request(`${server.issuer}${path}`, {
          headers: { accept: 'text/html', 'accept-language': locale },
        });
        assert.equal(page.status, 404);
        const shown = read(page);
        assert.deepEqual(shown.ways, [
          { href: start, label: html(t(label)), secondary: false },
          { href: '/', label: html(t('error.home')), secondary: true },
        ]);
        // The start page is a page (after its sign-in): not another "not found".
        const opened = await new Agent().follow(`${server.issuer}${start}`, undefined, {
          headers: { accept: 'text/html' },
        });
        assert.equal(opened.status, 200, `${start} → ${opened.url}`);
      });

    it(`GET a page that is nowhere (${locale}): the home page alone`, async () => {
      const page = await new Agent().request(`${server.issuer}/no/such/page`, {
        headers: { accept: 'text/html', 'accept-language': locale },
      });
      assert.equal(page.status, 404);
      assert.deepEqual(read(page).ways, [{ href: '/', label: html(t('error.home')), secondary: false }]);
    });

    it(`the not-found page says its heading once (${locale})`, async () => {
      const page = await new Agent().request(`${server.issuer}/admin/x`, {
        headers: { accept: 'text/html', 'accept-language': locale },
      });
      const { heading, alert } = read(page);
      assert.equal(heading, html(t('error.notFoundTitle')));
      assert.ok(alert, 'a message under the heading');
      // What may be wrong, not "not found" again.
      assert.match(alert!, locale === 'en' ? /address/ : /網址/, 'the message says what may be wrong');
      const words = (text: string) =>
        text
          .toLowerCase()
          .replace(/[。.，,：:！!]/g, '')
          .trim();
      assert.ok(
        !words(alert!).includes(words(heading!)) && !words(heading!).includes(words(alert!)),
        `the message says more than the heading: "${heading}" / "${alert}"`,
      );
      // Said once in the page's main part, and the title says it once.
      const main = /<main[\s\S]*<\/main>/.exec(page.body)![0];
      assert.equal(main.split(heading!).length - 1, 1, 'the heading’s words once in the page');
      const title = /<title>([^<]*)<\/title>/.exec(page.body)![1]!;
      assert.equal(title.split(heading!).length - 1, 1, 'once in the title');
    });
  }
});

describe('the page a form’s answer leads to, from the routes', () => {
  let server: http.Server;
  let base: string;
  before(async () => {
    const page = (ctx: Context) => renderPage(ctx, 'error', { heading: 'done', message: 'done', ways: [] });
    const app = buildApp({
      log: createLogger('silent'),
      metrics: createMetrics(),
      trustProxy: true,
      trustProxyHops: 1,
      issuer: 'http://127.0.0.1',
      cookieKeys: () => ['test-cookie-key'],
      routes: (router) => {
        router.get('/school', page);
        router.get('/school/:code', page);
        router.post('/school/sign-out', page);
        router.get('/admin/people/:id', page);
        router.post('/admin/people/:id/lock', page);
        router.post('/admin/people/:id/sessions/end', () => {
          throw new AppError('csrf', 403);
        });
        router.get('/developers/apps/new', page);
        router.post('/developers/apps/new', () => {
          throw new AppError('csrf', 403);
        });
      },
      // Answers nothing (as oidc-provider answers nothing of an address not its own): our not-found page.
      provider: (_ctx, next) => next(),
    });
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const post = async (path: string) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { accept: 'text/html', 'accept-language': 'zh-TW' },
    });
    return read({ url: path, status: res.status, body: await res.text() });
  };

  it('the form’s own page, else the page above it the form was on, never a route that only matches by a parameter', async () => {
    // `GET /school/:code` matches /school/sign-out, but that address is the sign-out form's, not a school's page.
    assert.equal((await post('/school/sign-out')).link, '/school?lang=en');
    assert.equal((await post('/admin/people/7/lock')).link, '/admin/people/7?lang=en');
    assert.equal((await post('/developers/apps/new?org=3')).link, '/developers/apps/new?org=3&lang=en');
    // oidc-provider's addresses (here its 405 to a sign-in sent by POST), and addresses of nothing: the home page.
    assert.equal((await post('/auth?client_id=x')).link, '/?lang=en');
    assert.equal((await post('/nothing/here')).link, '/?lang=en');
  });

  it('a stale form is opened again at a page: its own, or the one above it', async () => {
    const formAgain = html(translator('zh-TW')('error.formAgain'));
    const stale = await post('/admin/people/7/sessions/end');
    assert.deepEqual(stale.ways, [{ href: '/admin/people/7', label: formAgain, secondary: false }]);
    const own = await post('/developers/apps/new?org=3');
    assert.deepEqual(own.ways, [{ href: '/developers/apps/new?org=3', label: formAgain, secondary: false }]);
  });
});
