import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { translator } from '../../src/platform/i18n/index.ts';
import { Agent } from '../helpers/agent.ts';
import { CALLBACK, registerClient, signIn } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

const STACK = /at [\w.<>]+ \(|node:internal|\.ts:\d+:\d+/;

/** What an error page tells a person: its status, language, heading, message and ways on ("label → address"). */
function errorPage(res: { status: number; body: string }) {
  const main = /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';
  const ways = [...main.matchAll(/<a class="button( secondary)?" href="([^"]*)">([^<]*)<\/a>/g)];
  return {
    status: res.status,
    lang: /<html lang="([^"]+)"/.exec(res.body)?.[1],
    heading: /<h1>([^<]*)<\/h1>/.exec(main)?.[1],
    message: /role="alert">([^<]*)</.exec(main)?.[1],
    ways: ways.map(
      ([, secondary, href, label]) => `${label} → ${href!.replaceAll('&amp;', '&')}${secondary ? ' (secondary)' : ''}`,
    ),
  };
}

describe(`bad input never reaches a 500 (${storageMode})`, () => {
  let server: TestServer;
  const authorize = (params: Record<string, string>) => `${server.issuer}/auth?${new URLSearchParams(params)}`;
  const valid = {
    client_id: 'rp-bad',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: CALLBACK,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 'st',
    nonce: 'n',
  };

  before(async () => {
    server = await startTestServer();
    await registerClient(server, {
      client_id: 'rp-bad',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    // Apps with two return addresses (an error without one is shown here, not sent back), one of them with the ways
    // back to it registered: where it starts a sign-in, its home page.
    const two = { token_endpoint_auth_method: 'none', redirect_uris: [CALLBACK, 'http://127.0.0.1:9/cb2'] };
    await registerClient(server, { client_id: 'rp-two', ...two });
    await registerClient(server, {
      client_id: 'rp-home',
      client_name: '測試應用程式',
      ...two,
      initiate_login_uri: 'https://app.example/start',
      client_uri: 'https://app.example/',
    });
  });
  after(() => server.close());

  it('shows the error page for an unknown client and does not redirect', async () => {
    const res = await new Agent().request(authorize({ ...valid, client_id: 'no-such-client' }));
    assert.equal(res.status, 400);
    assert.equal(res.location, undefined);
    assert.match(res.body, /這個應用程式沒有註冊/);
    assert.doesNotMatch(res.body, STACK);
  });

  it('shows the error page for a redirect_uri mismatch and does not redirect', async () => {
    for (const redirect_uri of [
      'http://127.0.0.1:9/cb/',
      'http://127.0.0.1:9/cb?x=1',
      'https://evil.example/cb',
      'http://127.0.0.1:9/CB',
    ]) {
      const res = await new Agent().request(authorize({ ...valid, redirect_uri }));
      assert.equal(res.status, 400, redirect_uri);
      assert.equal(res.location, undefined, `${redirect_uri} must not redirect`);
      assert.match(res.body, /返回網址與註冊資料不符/);
    }
    // The help-desk code is the request id's start, not oidc-provider's English ("invalid_redirect_uri: …").
    const res = await fetch(authorize({ ...valid, redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' });
    const body = await res.text();
    const requestId = res.headers.get('x-request-id')!;
    assert.match(body, new RegExp(`<small>[^<]*：${requestId.slice(0, 8)}</small>`));
    assert.doesNotMatch(body, /invalid_redirect_uri|redirect_uri did not match/);
  });

  it('answers English when asked', async () => {
    const res = await new Agent().request(authorize({ ...valid, client_id: 'nope' }), {
      headers: { 'accept-language': 'en-US,en;q=0.9' },
    });
    assert.match(res.body, /This application is not registered/);
    assert.doesNotMatch(res.body, /invalid_client|client is invalid/);
  });

  it('says a used, late or unknown pushed request_uri is a sign-in link that no longer works, never "try later"', async () => {
    const pushed = await fetch(`${server.issuer}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...valid, client_id: 'rp-two' }),
    });
    const { request_uri } = (await pushed.json()) as { request_uri: string };
    const url = authorize({ client_id: 'rp-two', request_uri });
    const browser = new Agent();
    // Used once (the sign-in finished; signIn throws if not), then reloaded or gone Back to in another browser (in
    // this one it is a finished sign-in: code-flow.test.ts); or never pushed.
    await signIn(new Agent(), url, 'student', 'Green-Frog-2026');
    const ended = (locale: 'zh-TW' | 'en', ways: string[]) => ({
      status: 400,
      lang: locale,
      heading: translator(locale)('error.linkEndedTitle'),
      message: translator(locale)('error.linkEnded'),
      ways,
    });
    const unknown = authorize({ client_id: 'rp-two', request_uri: 'urn:ietf:params:oauth:request_uri:nothing' });
    for (const again of [url, unknown])
      assert.deepEqual(errorPage(await browser.request(again)), ended('zh-TW', ['回到首頁 → /']), again);
    const english = await browser.request(url, { headers: { 'accept-language': 'en' } });
    assert.deepEqual(errorPage(english), ended('en', ['Go to the home page → /']));
    // An app that registered how it starts a sign-in and its home page: back to it is the way on.
    const ours = await new Agent().request(
      authorize({ client_id: 'rp-home', request_uri: 'urn:ietf:params:oauth:request_uri:nothing' }),
    );
    assert.deepEqual(
      errorPage(ours),
      ended('zh-TW', [
        `重新開始登入「測試應用程式」 → https://app.example/start?iss=${encodeURIComponent(server.issuer)}`,
        '前往「測試應用程式」 → https://app.example/ (secondary)',
        '回到首頁 → / (secondary)',
      ]),
    );
  });

  it('says a bad sign-in request is the app’s, in the language of its ui_locales, with the way back to it', async () => {
    const { redirect_uri: _none, ...noReturnAddress } = { ...valid, client_id: 'rp-home' };
    const ways = [
      `重新開始登入「測試應用程式」 → https://app.example/start?iss=${encodeURIComponent(server.issuer)}`,
      '前往「測試應用程式」 → https://app.example/ (secondary)',
      '回到首頁 → / (secondary)',
    ];
    assert.deepEqual(errorPage(await new Agent().request(authorize(noReturnAddress))), {
      status: 400,
      lang: 'zh-TW',
      heading: translator('zh-TW')('error.signInRequestTitle'),
      message: translator('zh-TW')('error.signInRequest'),
      ways,
    });
    const english = await new Agent().request(authorize({ ...noReturnAddress, ui_locales: 'fr en' }));
    assert.deepEqual(
      [errorPage(english).lang, errorPage(english).heading],
      ['en', 'Signing in could not start'],
      "the app's ui_locales, as on the sign-in pages",
    );
  });

  it("rejects malformed authorization parameters with the spec's errors", async () => {
    const cases: Record<string, string>[] = [
      { response_type: 'token' },
      { response_type: 'bogus' },
      { scope: 'profile' },
      { code_challenge_method: 'plain' },
      { code_challenge: '' },
      { code_challenge: 'short' },
      { prompt: 'bogus' },
      { prompt: 'none login' },
      { max_age: 'abc' },
      { claims: '{not json' },
      { request: 'not.a.jwt' },
      { request_uri: 'https://evil.example/req' },
      { response_mode: 'bogus' },
      { display: 'bogus' },
      { ui_locales: '\u0000' },
      { state: 'x'.repeat(5000) },
      { id_token_hint: 'garbage' },
      { acr_values: '\u00ff\u00fe' },
      { resource: 'not a uri' },
    ];
    for (const change of cases) {
      const res = await new Agent().request(authorize({ ...valid, ...change }));
      assert.ok(res.status < 500, `${JSON.stringify(change).slice(0, 60)} gave ${res.status}`);
      assert.doesNotMatch(res.body, STACK);
      if (res.location) {
        const back = new URL(res.location);
        const params = new URLSearchParams(back.hash ? back.hash.slice(1) : back.search);
        if (back.href.startsWith(CALLBACK))
          assert.ok(params.get('error'), `${JSON.stringify(change).slice(0, 60)} redirected without error`);
      }
    }
    const missing = await new Agent().request(`${server.issuer}/auth?client_id=rp-bad`);
    // With one registered redirect_uri the provider may use it to report the error.
    assert.equal(new URL(missing.location!).searchParams.get('error'), 'invalid_request');
    const duplicated = await new Agent().request(`${authorize(valid)}&state=again`);
    assert.ok(duplicated.status < 500);
    assert.ok(!duplicated.location || new URL(duplicated.location).searchParams.get('error') === 'invalid_request');
  });

  it('answers token endpoint abuse with OAuth errors', async () => {
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(`${server.issuer}/token`, { method: 'POST', headers: { 'content-type': type }, body });
    const cases = [
      [
        'grant_type=authorization_code&code=nope&client_id=rp-bad&redirect_uri=' +
          encodeURIComponent(CALLBACK) +
          '&code_verifier=' +
          'a'.repeat(43),
        'invalid_grant',
      ],
      ['grant_type=bogus&client_id=rp-bad', 'unsupported_grant_type'],
      ['client_id=rp-bad', 'invalid_request'],
      ['grant_type=refresh_token&refresh_token=nope&client_id=rp-bad', 'invalid_grant'],
    ] as const;
    for (const [body, error] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, body);
      assert.equal(((await res.json()) as { error: string }).error, error, body);
    }
    const big = await post(`grant_type=client_credentials&client_id=rp-bad&x=${'a'.repeat(2_000_000)}`);
    assert.ok(big.status >= 400 && big.status < 500, `oversized token body gave ${big.status}`);
    const json = await post('{"grant_type":"client_credentials"}', 'application/json');
    assert.ok(json.status >= 400 && json.status < 500);
  });

  it('answers an oversized sign-in form with 413 and a page, not a crash', async () => {
    const agent = new Agent();
    const page = await agent.follow(authorize(valid), CALLBACK);
    const uid = /\/interaction\/([\w-]+)\/login/.exec(page.body)![1];
    const res = await agent.request(`${server.issuer}/interaction/${uid}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `login=${'a'.repeat(200_000)}`,
    });
    assert.equal(res.status, 413);
    assert.match(res.body, /送出的資料過大/);
  });

  it('treats an unknown or forged interaction id as an expired sign-in', async () => {
    const res = await fetch(`${server.issuer}/interaction/abc123`, { headers: { accept: 'text/html' } });
    const body = await res.text();
    assert.equal(res.status, 400);
    assert.match(body, /這次登入已經結束了/);
    assert.match(body, /<a class="button" href="\/">/, 'with a way on');
    assert.match(body, /請回到您要使用的網站或應用程式/, 'no "button below" to start again when there is none');
    assert.doesNotMatch(body, /請按下面的按鈕重新開始/);
    // The help-desk code is the start of the request id (found in the logs), not the error's name.
    const requestId = res.headers.get('x-request-id')!;
    assert.match(body, new RegExp(`<small>[^<]*：${requestId.slice(0, 8)}</small>`), 'a code to read out');
    assert.ok(!body.includes('session_not_found') && !body.includes(requestId), 'no error name, no long id');
    const weird = await new Agent().request(`${server.issuer}/interaction/${encodeURIComponent('<script>')}`);
    assert.equal(weird.status, 404);
    assert.doesNotMatch(weird.body, /<script>/);
  });

  it("names the issuer in the error page's way back to the app, whatever Origin the request carries", async () => {
    const browser = new Agent();
    const login = await browser.follow(authorize(valid), CALLBACK);
    assert.equal(login.status, 200);
    const gone = await browser.request(`${server.issuer}/interaction/abc123`, {
      headers: { accept: 'text/html', origin: 'https://attacker.example' },
    });
    assert.equal(gone.status, 400);
    const back = /href="(http:\/\/127\.0\.0\.1:9\/cb\?[^"]+)"/.exec(gone.body);
    assert.ok(back, 'a way back to the app');
    const url = new URL(back[1]!.replaceAll('&amp;', '&'));
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(url.searchParams.get('state'), 'st');
    assert.equal(url.searchParams.get('iss'), server.issuer, 'RFC 9207: the issuer, never the Origin header');
    assert.match(gone.body, /請按下面的按鈕重新開始/, 'here there is a way to start again');
  });

  it('rejects registration without an initial access token, and invalid registration JSON', async () => {
    const reg = (body: string, token?: string) =>
      fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body,
      });
    const anon = await reg(JSON.stringify({ redirect_uris: [CALLBACK] }));
    assert.equal(anon.status, 401);
    assert.equal(((await anon.json()) as { error: string }).error, 'invalid_token');
    const forged = await reg(JSON.stringify({ redirect_uris: [CALLBACK] }), 'forged');
    assert.equal(forged.status, 401);
  });

  it('serves JSON errors to API clients and pages to browsers for unknown paths', async () => {
    const api = await fetch(`${server.issuer}/no/such/path`, { headers: { accept: 'application/json' } });
    assert.equal(api.status, 404);
    assert.equal(((await api.json()) as { error: string }).error, 'not_found');
    const page = await fetch(`${server.issuer}/no/such/path`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 404);
    assert.match(await page.text(), /找不到這個頁面/);
    const home = await fetch(`${server.issuer}/`, { method: 'DELETE' });
    assert.ok(home.status === 405 || home.status === 404);
  });

  it('answers a sign-in or sign-out sent by POST with 405 and Allow: GET, in words, not "not found"', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
    const posted = async (path: string, body: string, locale: 'zh-TW' | 'en') => {
      const res = await fetch(`${server.issuer}${path}`, {
        method: 'POST',
        headers: { ...form, 'accept-language': locale },
        body,
      });
      return { allow: res.headers.get('allow'), ...errorPage({ status: res.status, body: await res.text() }) };
    };
    const zh = translator('zh-TW');
    assert.deepEqual(await posted('/auth', String(new URLSearchParams(valid)), 'zh-TW'), {
      allow: 'GET',
      status: 405,
      lang: 'zh-TW',
      heading: zh('error.signInRequestTitle'),
      message: zh('error.signInMethod'),
      ways: ['回到首頁 → /'],
    });
    const en = translator('en');
    // Not signed in here: nothing left to do (signed in, "sign out here": test/flows/sign-in/sign-out-language.test.ts).
    assert.deepEqual(await posted('/session/end', 'state=x', 'en'), {
      allow: 'GET',
      status: 405,
      lang: 'en',
      heading: en('error.signedOutTitle'),
      message: en('error.signOutRequestSignedOut'),
      ways: ['Go to the home page → /'],
    });
    // A program asking for JSON gets JSON.
    const api = await fetch(`${server.issuer}/auth/`, { method: 'POST', headers: { accept: 'application/json' } });
    assert.deepEqual(
      [api.status, api.headers.get('allow'), ((await api.json()) as { error: string }).error],
      [405, 'GET', 'sign_in_method_not_allowed'],
    );
  });

  it('answers a NUL character anywhere (query, form, JSON, credentials) with a 4xx, never a 500', async () => {
    const base = server.issuer;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const requests: [string, string, RequestInit?][] = [
      ['authorize with a NUL client id', `${base}/auth?client_id=a%00b&response_type=code&scope=openid`],
      ['sign-out with NUL parameters', `${base}/session/end?post_logout_redirect_uri=%00&client_id=a%00`],
      [
        'token with a NUL client id',
        `${base}/token`,
        { method: 'POST', headers: form, body: 'grant_type=client_credentials&client_id=a%00b&client_secret=x' },
      ],
      [
        'introspection of a NUL token',
        `${base}/token/introspection`,
        { method: 'POST', headers: form, body: 'token=a%00b&client_id=a%00b' },
      ],
      ['a reset token with NUL', `${base}/password/reset?token=${'a'.repeat(20)}%00${'a'.repeat(22)}`],
      [
        'a roster upload with NUL',
        `${base}/api/schools/353604/roster-credentials`,
        { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '[{"name":"a\\u0000b"}]' },
      ],
    ];
    for (const [label, url, init] of requests) {
      const res = await fetch(url, { redirect: 'manual', ...init });
      assert.ok(res.status >= 400 && res.status < 500, `${label}: ${res.status}`);
      assert.doesNotMatch(await res.text(), STACK, label);
    }
    // A sign-in form with a NUL in the login: a clear page, not an error.
    const agent = new Agent();
    const page = await agent.follow(authorize(valid), CALLBACK);
    const action = /action="([^"]*\/login)"/.exec(page.body)![1]!;
    const res = await agent.request(new URL(action, page.url).href, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({
        _csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!,
        login: 'tea\u0000cher',
        password: 'x',
      }).toString(),
    });
    assert.equal(res.status, 400);
    assert.match(res.body, /無法處理的字元/);

    // An authorization request that carries a NUL in a value the sign-in keeps (state, nonce, login_hint, ui_locales):
    // the sign-in page, and a sign-in that goes through, as without it.
    const nulValues: Record<string, string>[] = [
      { state: 'a\u0000b' },
      { nonce: 'n\u0000' },
      { login_hint: 'x\u0000y' },
      { ui_locales: 'zh\u0000' },
    ];
    for (const extra of nulValues) {
      const label = JSON.stringify(extra);
      const browser = new Agent();
      const signInPage = await browser.follow(authorize({ ...valid, ...extra }), CALLBACK);
      assert.equal(signInPage.status, 200, label);
      assert.match(signInPage.body, /name="password"/, label);
      const posted = await browser.submit(
        new URL(/action="([^"]*\/login)"/.exec(signInPage.body)![1]!, signInPage.url).href,
        {
          _csrf: /name="_csrf" value="([^"]+)"/.exec(signInPage.body)![1]!,
          login: 'student',
          password: 'Green-Frog-2026',
        },
        CALLBACK,
      );
      // rp-bad is a third-party app: the consent page, then the app.
      assert.match(posted.body, /\/confirm"/, label);
      const agreed = await browser.submit(
        new URL(/action="([^"]*\/confirm)"/.exec(posted.body)![1]!, posted.url).href,
        { _csrf: /name="_csrf" value="([^"]+)"/.exec(posted.body)![1]! },
        CALLBACK,
      );
      assert.ok(agreed.location?.startsWith(CALLBACK), `${label}: ${agreed.status}`);
      assert.ok(new URL(agreed.location!).searchParams.get('code'), label);
    }
  });

  it('draws the language link of any page as a path on this site, whatever the requested path', async () => {
    for (const path of ['//evil.example/x', '/\\evil.example/x', '///evil.example']) {
      const res = await fetch(`${server.issuer}${path}`, { headers: { accept: 'text/html' } });
      const href = /<a class="lang" href="([^"]+)"/.exec(await res.text())?.[1];
      assert.ok(href, path);
      assert.match(href, /^\/[^/\\]/, `${path} → ${href}`);
    }
  });

  it('refuses a compressed or mistyped body with 415 before reading it, and a broken one cannot stop the server', async () => {
    const whole = zlib.deflateSync(`x=${'%3C'.repeat(100_000)}`);
    const bodies: [string, Buffer][] = [
      ['deflate', whole.subarray(0, Math.floor(whole.length / 2))], // truncated: once crashed the process
      ['gzip', Buffer.from('ticket=abc')], // not gzip at all
      ['br', Buffer.from('garbage')],
    ];
    for (const [encoding, body] of bodies) {
      const res = await fetch(`${server.issuer}/register/resend`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': encoding },
        body: new Uint8Array(body),
      });
      assert.equal(res.status, 415, encoding);
    }
    await registerClient(server, { client_id: 'sis-bad', permissions: ['sis'] }, 'sis-bad-secret-0123456789abcdef');
    const json = await fetch(`${server.issuer}/api/sis/handles`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        authorization: `Basic ${Buffer.from('sis-bad:sis-bad-secret-0123456789abcdef').toString('base64')}`,
      },
      body: '{}',
    });
    assert.equal(json.status, 415, 'an API takes JSON only');
    assert.equal((await fetch(`${server.issuer}/healthz`)).status, 200, 'still serving');
  });

  it('takes only http or https from a trusted proxy as the scheme', async () => {
    const proxied = await startTestServer({ TRUST_PROXY: 'true' });
    try {
      for (const proto of [',', ', https', 'ht tp', 'https:', '%', 'é', '1http']) {
        const res = await fetch(`${proxied.issuer}/.well-known/openid-configuration`, {
          headers: { 'x-forwarded-proto': proto },
        });
        assert.equal(res.status, 200, proto);
        assert.equal(((await res.json()) as { issuer: string }).issuer, proxied.issuer, proto);
      }
    } finally {
      await proxied.close();
    }
  });
});
