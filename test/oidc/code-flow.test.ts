import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { ANONYMOUS_SESSION_SECONDS } from '../../src/oidc/configuration.ts';
import { translator } from '../../src/platform/i18n/index.ts';
import { Agent } from '../helpers/agent.ts';
import {
  authorizationUrl,
  CALLBACK,
  discover,
  pkce,
  registerClient,
  signedInOffline,
  signIn,
  submitLogin,
} from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

/** An error page: its status, language, heading and message, and the addresses of its ways on. */
const said = (page: { status: number; body: string }) => ({
  status: page.status,
  lang: /<html lang="([^"]+)"/.exec(page.body)?.[1],
  words: [/<h1>([^<]*)/.exec(page.body)?.[1], /role="(?:alert|status)">([^<]*)/.exec(page.body)?.[1]],
  ways: [...page.body.matchAll(/<a class="button[^"]*" href="([^"]*)"/g)].map((m) => m[1]),
});

/** A pushed authorization request (PAR) for `conf`'s app; the address the browser opens. */
const pushed = (conf: oidc.Configuration, p: Awaited<ReturnType<typeof pkce>>) =>
  oidc.buildAuthorizationUrlWithPAR(conf, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    state: p.state,
    nonce: p.nonce,
  });

describe(`authorization code flow (${storageMode})`, () => {
  let server: TestServer;
  let conf: oidc.Configuration;
  const secret = crypto.randomBytes(24).toString('base64url');

  before(async () => {
    server = await startTestServer();
    await registerClient(
      server,
      {
        client_id: 'rp-conf',
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        post_logout_redirect_uris: ['http://127.0.0.1:9/bye'],
      },
      secret,
    );
    conf = await discover(server.issuer, 'rp-conf', secret);
  });
  after(() => server.close());

  it('publishes discovery with the features turned on', () => {
    const m = conf.serverMetadata();
    assert.equal(m.issuer, server.issuer);
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
    for (const key of [
      'registration_endpoint',
      'introspection_endpoint',
      'revocation_endpoint',
      'end_session_endpoint',
      'pushed_authorization_request_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
    ] as const) {
      assert.ok(m[key], `${key} missing`);
    }
    assert.ok(m.dpop_signing_alg_values_supported?.length);
    assert.equal(m.request_parameter_supported, true);
    assert.equal(m.backchannel_logout_supported, true);
    assert.deepEqual([...(m.subject_types_supported ?? [])].sort(), ['pairwise', 'public']);
    assert.ok(m.grant_types_supported?.includes('client_credentials'));
  });

  it('signs in through the real pages, with consent, and returns a verified ID token and userinfo', async () => {
    const p = await pkce();
    const agent = new Agent();
    const callback = await signIn(
      agent,
      authorizationUrl(conf, p, { scope: 'openid profile email offline_access', prompt: 'consent' }),
      'teacher',
      'Blue-Chalk-2026',
    );
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    const claims = tokens.claims()!;
    assert.equal(claims.iss, server.issuer);
    assert.equal(claims.aud, 'rp-conf');
    assert.equal(claims.nonce, p.nonce);
    assert.equal(claims.name, undefined, 'claims go to userinfo when an access token is issued');
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString());
    const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string; d?: string }[] };
    assert.ok(
      jwks.keys.some((k) => k.kid === header.kid),
      'ID token kid is published',
    );
    assert.ok(
      jwks.keys.every((k) => k.d === undefined),
      'no private key material is published',
    );
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, claims.sub);
    assert.equal(info.name, '王小明');
    assert.equal(info.email, 'teacher@demo.campus-sso.test');
    assert.ok(tokens.refresh_token, 'offline_access with prompt=consent gives a refresh token');
  });

  it('rotates refresh tokens and treats reuse as theft', async () => {
    const { callback, checks } = await signedInOffline(conf);
    const first = await oidc.authorizationCodeGrant(conf, callback, checks);
    const second = await oidc.refreshTokenGrant(conf, first.refresh_token!);
    assert.ok(second.refresh_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    await assert.rejects(
      oidc.refreshTokenGrant(conf, first.refresh_token!),
      (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
    );
    // Reuse revoked the whole grant: the rotated token and its access token die too.
    await assert.rejects(
      oidc.refreshTokenGrant(conf, second.refresh_token!),
      (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
    );
    assert.equal((await oidc.tokenIntrospection(conf, second.access_token)).active, false);
  });

  it('introspects and revokes access tokens', async () => {
    const p = await pkce();
    const callback = await signIn(new Agent(), authorizationUrl(conf, p), 'parent', 'Red-Kite-2026');
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    const active = await oidc.tokenIntrospection(conf, tokens.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, 'rp-conf');
    assert.equal(active.sub, tokens.claims()!.sub);
    await oidc.tokenRevocation(conf, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(conf, tokens.access_token)).active, false);
    await assert.rejects(oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub));
  });

  it('lets only the client a token was issued to introspect or revoke it', async () => {
    await registerClient(
      server,
      { client_id: 'rp-nosy', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
      secret,
    );
    const nosy = await discover(server.issuer, 'rp-nosy', secret);
    const p = await pkce();
    const callback = await signIn(new Agent(), authorizationUrl(conf, p), 'parent', 'Red-Kite-2026');
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    assert.deepEqual(
      await oidc.tokenIntrospection(nosy, tokens.access_token),
      { active: false },
      'another client learns nothing',
    );
    await oidc.tokenRevocation(nosy, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(conf, tokens.access_token)).active, true, 'and cannot revoke it');
  });

  it('after "stay signed in" at the sign-out question, says so rather than "signed out"', async () => {
    const agent = new Agent();
    await signIn(agent, authorizationUrl(conf, await pkce()), 'parent', 'Red-Kite-2026');
    const question = await agent.request(`${server.issuer}/session/end`);
    const action = /<form[^>]*action="([^"]+)"/.exec(question.body)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(question.body)![1]!;
    const stayed = await agent.submit(new URL(action, server.issuer).href, { xsrf });
    assert.equal(stayed.status, 200);
    assert.match(stayed.body, /您還在登入狀態/);
    assert.match(stayed.body, /id="sign-out-after-all" href="\/session\/end"/, 'with a way to sign out after all');
    assert.doesNotMatch(stayed.body, /您已登出/);
    const again = await agent.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    assert.ok(again.location?.startsWith(CALLBACK), 'and still signed in');

    const question2 = await agent.request(`${server.issuer}/session/end`);
    const out = await agent.submit(
      new URL(/<form[^>]*action="([^"]+)"/.exec(question2.body)![1]!, server.issuer).href,
      {
        xsrf: /name="xsrf" value="([^"]+)"/.exec(question2.body)![1]!,
        logout: 'yes',
      },
    );
    assert.match(out.body, /您已登出/);
  });

  it('says in sign-out words what a failed sign-out left: still signed in (with a way to sign out) or signed out', async () => {
    const agent = new Agent();
    await signIn(agent, authorizationUrl(conf, await pkce()), 'parent', 'Red-Kite-2026');
    const html = { accept: 'text/html' };
    const send = (url: string, form: Record<string, string>) =>
      agent.request(url, {
        method: 'POST',
        headers: { ...html, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const zh = translator('zh-TW');
    const stillSignedIn = (message: string) => ({
      status: 400,
      lang: 'zh-TW',
      words: [zh('error.signOutNotDoneTitle'), zh(message)],
      ways: ['/session/end', '/'],
    });
    // The app names a return address it did not register: nothing is done, and the page says so.
    const unregistered = `${server.issuer}/session/end?${new URLSearchParams({
      client_id: 'rp-conf',
      post_logout_redirect_uri: 'http://127.0.0.1:9/other',
    })}`;
    const wrong = await agent.request(unregistered, { headers: html });
    assert.deepEqual(said(wrong), stillSignedIn('error.signOutRequestSignedIn'));
    // The sign-out question's form gone stale (asked again in another tab meanwhile): still signed in, said so.
    const question = await agent.request(`${server.issuer}/session/end`);
    const action = new URL(/<form[^>]*action="([^"]+)"/.exec(question.body)![1]!, server.issuer).href;
    const staleXsrf = /name="xsrf" value="([^"]+)"/.exec(question.body)![1]!;
    const again = await agent.request(`${server.issuer}/session/end`);
    const stale = await send(action, { xsrf: staleXsrf, logout: 'yes' });
    assert.deepEqual(said(stale), stillSignedIn('error.signOutFormSignedIn'));
    // Sent twice (a double click): the first signs out, the second says that is done.
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(again.body)![1]!;
    await agent.submit(action, { xsrf, logout: 'yes' });
    assert.deepEqual(said(await send(action, { xsrf, logout: 'yes' })), {
      status: 400,
      lang: 'zh-TW',
      words: [zh('error.signedOutTitle'), zh('error.signOutFormSignedOut')],
      ways: ['/'],
    });
    // Signed out already, the app's wrong sign-out request: nothing more to do.
    const en = translator('en');
    assert.deepEqual(said(await agent.request(unregistered, { headers: { ...html, 'accept-language': 'en' } })), {
      status: 400,
      lang: 'en',
      words: [en('error.signedOutTitle'), en('error.signOutRequestSignedOut')],
      ways: ['/'],
    });
  });

  it("draws the sign-out question and its errors in the app's ui_locales", async () => {
    const agent = new Agent();
    await signIn(agent, authorizationUrl(conf, await pkce()), 'parent', 'Red-Kite-2026');
    const question = await agent.request(`${server.issuer}/session/end?ui_locales=en`);
    assert.deepEqual(
      [question.status, /<html lang="([^"]+)"/.exec(question.body)?.[1], /<h1>([^<]*)/.exec(question.body)?.[1]],
      [200, 'en', 'Sign out'],
    );
    const wrong = await agent.request(
      `${server.issuer}/session/end?${new URLSearchParams({
        ui_locales: 'fr en',
        client_id: 'rp-conf',
        post_logout_redirect_uri: 'http://127.0.0.1:9/other',
      })}`,
      { headers: { accept: 'text/html' } },
    );
    assert.deepEqual(said(wrong).words, [
      translator('en')('error.signOutNotDoneTitle'),
      translator('en')('error.signOutRequestSignedIn'),
    ]);
  });

  it('keeps a session that never signed anyone in for minutes, not days', async () => {
    const agent = new Agent();
    const page = await agent.request(`${server.issuer}/session/end`);
    assert.equal(page.status, 200);
    const id = agent.cookies.get('_session');
    assert.ok(id, 'the sign-out page keeps its question in a session');
    const seconds = server.storage.redis
      ? await server.storage.redis.ttl(`${server.env.REDIS_PREFIX}Session:${id}`)
      : Number(
          (
            await server.storage.db.raw(
              "select extract(epoch from expires_at - now()) as s from oidc_payloads where model = 'Session' and id = ?",
              [id],
            )
          ).rows[0].s,
        );
    assert.ok(seconds > 0 && seconds <= ANONYMOUS_SESSION_SECONDS, `${seconds} s`);
  });

  it('sends the same security headers on the pages oidc-provider draws', async () => {
    for (const url of [`${server.issuer}/session/end`, `${server.issuer}/auth?client_id=nobody`]) {
      const res = await fetch(url);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/, url);
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', url);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
    }
  });

  it("answers its JSON endpoints with the headers for API answers, and a page under them with a page's", async () => {
    const basic = `Basic ${Buffer.from(`rp-conf:${secret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };
    for (const [url, init] of [
      [`${server.issuer}/.well-known/openid-configuration`, {}],
      [`${server.issuer}/jwks`, {}],
      [`${server.issuer}/token`, { method: 'POST', headers: form, body: 'grant_type=client_credentials' }],
      [`${server.issuer}/token/introspection`, { method: 'POST', headers: form, body: 'token=nothing' }],
      [`${server.issuer}/me`, { headers: { authorization: 'Bearer nothing' } }],
    ] as const) {
      const res = await fetch(url, init as RequestInit);
      assert.match(res.headers.get('content-type') ?? '', /json/, url);
      assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", url);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', url);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
      assert.equal(res.headers.get('cross-origin-opener-policy'), null, `${url}: no page to isolate`);
    }
    // An address under those segments that nobody answers gets the not-found page, with a page's headers.
    const page = await fetch(`${server.issuer}/token/nothing-here`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN');
  });

  it('issues client-credentials tokens', async () => {
    const tokens = await oidc.clientCredentialsGrant(conf);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal((await oidc.tokenIntrospection(conf, tokens.access_token)).active, true);
  });

  it('gives tokens once for a code or a refresh token sent several times at once', async () => {
    // One gets tokens; the others are refused, either as they store their use or, when the first had already stored
    // its own, as reuse (which also revokes the grant: hence a second sign-in for the refresh tokens).
    const once = async <T>(tries: Promise<T>[]) => {
      const settled = await Promise.allSettled(tries);
      for (const t of settled)
        if (t.status === 'rejected') assert.equal((t.reason as oidc.ResponseBodyError).error, 'invalid_grant');
      const won = settled.filter((t) => t.status === 'fulfilled');
      assert.equal(won.length, 1, `one of ${settled.length} gets tokens`);
      return (won[0] as PromiseFulfilledResult<T>).value;
    };
    const first = await signedInOffline(conf);
    await once(Array.from({ length: 4 }, () => oidc.authorizationCodeGrant(conf, first.callback, first.checks)));
    const second = await signedInOffline(conf);
    const tokens = await oidc.authorizationCodeGrant(conf, second.callback, second.checks);
    await once(Array.from({ length: 4 }, () => oidc.refreshTokenGrant(conf, tokens.refresh_token!)));
  });

  it('rejects a wrong PKCE verifier with invalid_grant', async () => {
    const p = await pkce();
    const callback = await signIn(new Agent(), authorizationUrl(conf, p), 'teacher', 'Blue-Chalk-2026');
    await assert.rejects(
      oidc.authorizationCodeGrant(conf, callback, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
        expectedState: p.state,
        expectedNonce: p.nonce,
      }),
      (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
    );
  });

  it('pushes the authorization request (PAR) and completes the flow', async () => {
    const p = await pkce();
    const url = await pushed(conf, p);
    assert.ok(url.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'));
    const callback = await signIn(new Agent(), url, 'teacher', 'Blue-Chalk-2026');
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    assert.ok(tokens.claims()!.sub);
  });

  it('Back to a used pushed-request link after its sign-in finished says it is done; elsewhere, that it is used', async () => {
    // Two return addresses: oidc-provider cannot tell the app by redirect which one, so it shows its error page.
    const home = 'http://127.0.0.1:9/home';
    await registerClient(
      server,
      { client_id: 'rp-par2', redirect_uris: [CALLBACK, `${CALLBACK}2`], client_uri: home },
      secret,
    );
    const conf2 = await discover(server.issuer, 'rp-par2', secret);
    const p = await pkce();
    const url = await pushed(conf2, p);
    const browser = new Agent();
    await signIn(browser, url, 'teacher', 'Blue-Chalk-2026');
    const zh = translator('zh-TW');
    const back = said(await browser.request(String(url), { headers: { accept: 'text/html' } }));
    assert.deepEqual(back.words, [zh('error.finishedTitle'), zh('error.finished', { client: 'rp-par2' })]);
    assert.deepEqual(back.ways, [home, '/']);
    const other = said(await new Agent().request(String(url), { headers: { accept: 'text/html' } }));
    assert.deepEqual(other.words, [zh('error.linkEndedTitle'), zh('error.linkEnded')]);
  });

  it('a finished sign-in met again (reload of its resume or its page) says it is done, not "start again"', async () => {
    const agent = new Agent();
    const seen: string[] = [];
    const request = agent.request.bind(agent);
    agent.request = (url, init) => {
      seen.push(url);
      return request(url, init);
    };
    await signIn(agent, authorizationUrl(conf, await pkce()), 'teacher', 'Blue-Chalk-2026');
    const resume = seen.find((url) => /\/auth\/[\w-]+$/.test(new URL(url).pathname))!;
    const signInPage = seen.find((url) => /^\/interaction\/[\w-]+$/.test(new URL(url).pathname))!;
    assert.ok(resume && signInPage, seen.join(' '));
    const zh = translator('zh-TW');
    // rp-conf registered neither a home page nor a way to start a sign-in: the words send the person back to it.
    for (const url of [resume, signInPage])
      assert.deepEqual(said(await agent.request(url, { headers: { accept: 'text/html' } })), {
        status: 400,
        lang: 'zh-TW',
        words: [zh('error.finishedTitle'), zh('error.finishedNoWay', { client: 'rp-conf' })],
        ways: ['/'],
      });
    // Another browser, whose sign-in ended without finishing, is still told to start again.
    const other = new Agent();
    const page = await other.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    await server.adapter('Interaction').destroy(new URL(page.url).pathname.split('/').pop()!);
    const ended = said(await other.request(page.url, { headers: { accept: 'text/html' } }));
    assert.equal(ended.words[0], zh('error.sessionTitle'));
  });

  it('second sign-in in the same browser needs no password (single sign-on)', async () => {
    const agent = new Agent();
    await signIn(agent, authorizationUrl(conf, await pkce()), 'teacher', 'Blue-Chalk-2026');
    const step = await agent.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    assert.ok(step.location?.startsWith(CALLBACK), 'redirected straight back with a code');
    assert.ok(new URL(step.location!).searchParams.get('code'));
  });

  it("logs out at the RP's request and returns to its post-logout URI", async () => {
    const p = await pkce();
    const agent = new Agent();
    const callback = await signIn(agent, authorizationUrl(conf, p), 'teacher', 'Blue-Chalk-2026');
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    const endSession = oidc.buildEndSessionUrl(conf, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://127.0.0.1:9/bye',
      state: 's1',
    });
    const page = await agent.follow(endSession.href);
    assert.equal(page.status, 200);
    assert.match(page.body, /op\.logoutForm/);
    const action = /<form[^>]*action="([^"]+)"/.exec(page.body)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)![1]!;
    const done = await agent.submit(
      new URL(action, server.issuer).href,
      { xsrf, logout: 'yes' },
      'http://127.0.0.1:9/bye',
    );
    assert.ok(done.location?.startsWith('http://127.0.0.1:9/bye'));
    assert.equal(new URL(done.location!).searchParams.get('state'), 's1');
    // The session is gone: the next authorization shows the sign-in page again.
    const again = await agent.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    assert.match(again.body, /name="password"/);
  });

  it('re-shows the sign-in page with an error after a wrong password, keeping the account name', async () => {
    const agent = new Agent();
    const page = await agent.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    const wrong = await submitLogin(agent, page, 'teacher', 'not-the-password');
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /帳號或密碼錯誤/);
    assert.match(wrong.body, /value="teacher"/);
    const uid = /\/interaction\/([\w-]+)\/login/.exec(wrong.body)![1];
    assert.match(
      wrong.body,
      new RegExp(`href="/interaction/${uid}\\?lang=en"`),
      'the language link returns to the sign-in page',
    );
    const unknown = await submitLogin(agent, page, 'nobody-here', 'whatever');
    assert.equal(unknown.status, 401);
    assert.match(unknown.body, /帳號或密碼錯誤/, 'an unknown account gets the same message');
    const empty = await submitLogin(agent, page, '', '');
    assert.equal(empty.status, 400);
    const long = await submitLogin(agent, page, 'x'.repeat(300), 'y');
    assert.equal(long.status, 400);
    const ok = await submitLogin(agent, wrong, 'teacher', 'Blue-Chalk-2026');
    assert.ok(ok.location?.startsWith(CALLBACK) || ok.body.includes('/confirm') || ok.body.includes('/identity'));
  });

  it('keeps a browser-session cookie unless "remember me" is ticked', async () => {
    for (const remember of [false, true]) {
      const agent = new Agent();
      const page = await agent.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
      await submitLogin(agent, page, 'student', 'Green-Frog-2026', remember ? { remember: 'yes' } : {});
      const session = agent.setCookies.filter((c) => c.startsWith('_session=')).at(-1);
      assert.ok(session, 'a session cookie was set');
      assert.equal(/expires=/i.test(session), remember, `remember=${remember}: ${session.replace(/=[^;]+/, '=…')}`);
    }
  });

  it('refuses a sign-in form without its CSRF token', async () => {
    const agent = new Agent();
    const page = await agent.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    const step = await submitLogin(agent, page, 'teacher', 'Blue-Chalk-2026', { _csrf: 'forged' });
    assert.equal(step.status, 403);
    assert.doesNotMatch(step.body, /at .*\.ts:\d+/);
  });
});
