// A sign-out stays in the language it started in (the app's ui_locales): the question, its answer's page ("you are
// signed out" / "you are still signed in") and the errors of its form; an app's own return address gets nothing added.
// And a sign-out an app sent by POST says what is true for this browser: signed in (sign out here) or already out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as oidc from 'openid-client';
import { translator } from '../../../src/platform/i18n/index.ts';
import { Agent, type Step } from '../../helpers/agent.ts';
import { authorizationUrl, discover, pkce, registerClient, signIn } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const BYE = 'http://127.0.0.1:9/bye';
const [zh, en] = [translator('zh-TW'), translator('en')];

/** A page's language, heading, message (its status or alert line) and the addresses of its ways on. */
const said = (page: Step) => ({
  status: page.status,
  lang: /<html lang="([^"]+)"/.exec(page.body)?.[1],
  heading: /<h1>([^<]*)/.exec(page.body)?.[1],
  message: /role="(?:status|alert)">([^<]*)/.exec(page.body)?.[1],
  ways: [...page.body.matchAll(/<a class="button[^"]*"(?: id="[^"]*")? href="([^"]*)"/g)].map((m) =>
    m[1]!.replaceAll('&amp;', '&'),
  ),
});

/** The sign-out question's form (or oidc-provider's page that posts it by itself): where it posts, and its secret. */
const logoutForm = (page: Step) => ({
  action: new URL(/<form[^>]*action="([^"]+)"/.exec(page.body)![1]!.replaceAll('&amp;', '&'), page.url).href,
  xsrf: /name="xsrf" value="([^"]+)"/.exec(page.body)![1]!,
});

describe(`the sign-out's language (${storageMode})`, () => {
  let server: TestServer;
  let conf: oidc.Configuration;

  before(async () => {
    server = await startTestServer();
    await registerClient(server, { client_id: 'rp-bye', post_logout_redirect_uris: [BYE] }, 'rp-bye-secret-0123456789');
    conf = await discover(server.issuer, 'rp-bye', 'rp-bye-secret-0123456789');
  });
  after(() => server.close());

  /** A browser (whose own language is zh-TW) signed in to the app. */
  const signedIn = async () => {
    const agent = new Agent();
    await signIn(agent, authorizationUrl(conf, await pkce()), 'parent', 'Red-Kite-2026');
    return agent;
  };
  const endSession = (params: Record<string, string>) => `${server.issuer}/session/end?${new URLSearchParams(params)}`;

  it('answers "Sign out" to an English sign-out question with an English "You are signed out"', async () => {
    const agent = await signedIn();
    const question = await agent.request(endSession({ ui_locales: 'en', client_id: 'rp-bye' }));
    assert.deepEqual([said(question).lang, said(question).heading], ['en', en('logout.title')]);
    const { action, xsrf } = logoutForm(question);
    const done = await agent.submit(action, { xsrf, logout: 'yes' });
    assert.equal(new URL(done.url).pathname, '/session/end/success');
    assert.deepEqual(said(done), {
      status: 200,
      lang: 'en',
      heading: en('logout.done'),
      message: en('logout.doneText'),
      ways: ['/'],
    });
    assert.ok(!agent.cookies.has('_session'), 'and signed out');
  });

  it('answers "Stay signed in" in English too, its "sign out after all" keeping the language', async () => {
    const agent = await signedIn();
    // A list of tags, the first one we speak is followed: English, carried as just that.
    const question = await agent.request(endSession({ ui_locales: 'fr-CA en-GB', client_id: 'rp-bye' }));
    assert.equal(said(question).lang, 'en');
    const stayed = await agent.submit(logoutForm(question).action, { xsrf: logoutForm(question).xsrf });
    assert.deepEqual(said(stayed), {
      status: 200,
      lang: 'en',
      heading: en('logout.stayed'),
      message: en('logout.stayedText'),
      ways: ['/', '/session/end?ui_locales=en'],
    });
    const again = await agent.request(new URL('/session/end?ui_locales=en', server.issuer).href);
    assert.deepEqual([said(again).lang, said(again).heading], ['en', en('logout.title')], 'asked again in English');
  });

  it("leaves an app's post_logout_redirect_uri as the app registered it", async () => {
    const agent = await signedIn();
    const question = await agent.request(
      endSession({ ui_locales: 'en', client_id: 'rp-bye', post_logout_redirect_uri: BYE, state: 's1' }),
    );
    const { action, xsrf } = logoutForm(question);
    const out = await agent.submit(action, { xsrf, logout: 'yes' }, BYE);
    assert.equal(out.location, `${BYE}?state=s1`);
  });

  it('a browser not signed in: the page that posts by itself, and "signed out" after it, in English', async () => {
    const agent = new Agent();
    const posting = await agent.request(endSession({ ui_locales: 'en' }));
    assert.equal(said(posting).lang, 'en');
    const { action, xsrf } = logoutForm(posting);
    assert.equal(new URL(action).search, '?ui_locales=en');
    const done = await agent.submit(action, { xsrf, logout: 'yes' });
    assert.deepEqual([said(done).lang, said(done).heading], ['en', en('logout.done')]);
  });

  it('a stale sign-out form says so in the language the sign-out started in', async () => {
    const agent = await signedIn();
    const question = await agent.request(endSession({ ui_locales: 'en' }));
    const stale = logoutForm(question);
    await agent.request(endSession({ ui_locales: 'en' })); // asked again in another tab: the first form is stale
    const answer = await agent.request(stale.action, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: stale.xsrf, logout: 'yes' }).toString(),
    });
    assert.deepEqual(said(answer), {
      status: 400,
      lang: 'en',
      heading: en('error.signOutNotDoneTitle'),
      message: en('error.signOutFormSignedIn'),
      ways: ['/session/end?ui_locales=en', '/'],
    });
  });

  it("carries only a language we speak, and the person's own choice still wins", async () => {
    // Something else in ui_locales: nothing carried, the browser's language (zh-TW) as before.
    const agent = await signedIn();
    const question = await agent.request(endSession({ ui_locales: 'fr "><b>x</b>' }));
    const { action, xsrf } = logoutForm(question);
    assert.equal(new URL(action).search, '');
    assert.deepEqual(said(await agent.submit(action, { xsrf, logout: 'yes' })).heading, zh('logout.done'));
    // A tag we speak with more after it: carried as the language alone.
    const other = await signedIn();
    const odd = logoutForm(await other.request(endSession({ ui_locales: 'en-"><b>' })));
    assert.equal(new URL(odd.action).search, '?ui_locales=en');
    // The person chose zh-TW on our pages (the lang cookie): that wins over the app's English.
    await other.request(`${server.issuer}/?lang=zh-TW`);
    const done = await other.submit(odd.action, { xsrf: odd.xsrf, logout: 'yes' });
    assert.deepEqual([said(done).lang, said(done).heading], ['zh-TW', zh('logout.done')]);
  });

  it('a sign-out sent by POST says "already signed out" to a browser not signed in, and keeps its words when signed in', async () => {
    const post = (agent: Agent, accept = 'text/html') =>
      agent.request(`${server.issuer}/session/end`, {
        method: 'POST',
        headers: { accept, 'accept-language': 'en', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'state=x',
      });
    const allow = async (agent: Agent) => {
      const res = await fetch(`${server.issuer}/session/end`, {
        method: 'POST',
        headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      await res.arrayBuffer();
      return res.headers.get('allow');
    };
    const nobody = new Agent();
    assert.deepEqual(said(await post(nobody)), {
      status: 405,
      lang: 'en',
      heading: en('error.signedOutTitle'),
      message: en('error.signOutRequestSignedOut'),
      ways: ['/'],
    });
    assert.equal(await allow(nobody), 'GET');
    // A browser whose session cookie names no session, or a session nobody signed in to: signed out as well.
    const stale = new Agent();
    stale.cookies.set('_session', 'no-such-session');
    assert.equal(said(await post(stale)).heading, en('error.signedOutTitle'));
    const asked = new Agent();
    await asked.request(`${server.issuer}/session/end`);
    assert.ok(asked.cookies.has('_session'));
    assert.equal(said(await post(asked)).heading, en('error.signedOutTitle'));

    const agent = await signedIn();
    assert.deepEqual(said(await post(agent)), {
      status: 405,
      lang: 'en',
      heading: en('error.signOutMethodTitle'),
      message: en('error.signOutMethod'),
      ways: ['/session/end', '/'],
    });
    assert.equal(await allow(agent), 'GET');
    // A program asking for JSON: the same code either way.
    for (const who of [nobody, agent]) {
      const api = await post(who, 'application/json');
      assert.deepEqual(
        [api.status, (JSON.parse(api.body) as { error: string }).error],
        [405, 'sign_out_method_not_allowed'],
      );
    }
  });
});
