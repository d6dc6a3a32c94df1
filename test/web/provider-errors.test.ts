// Every error oidc-provider can show a person is said in words that fit it: a sign-in request the app got wrong, a
// sign-in link used up, a sign-in declined; "try again later" only for our own trouble.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors } from 'oidc-provider';
import { translator } from '../../src/platform/i18n/index.ts';
import { PROVIDER_ERROR_FAMILIES, type ProviderErrorPlace, renderProviderError } from '../../src/web/error-handler.ts';

/** The page drawn for `code` (as oidc-provider answers a browser, its status already set), in `locale`. */
function page(code: string, status: number, locale: 'zh-TW' | 'en', place?: ProviderErrorPlace) {
  const ctx = {
    method: 'GET',
    query: {},
    path: '/auth',
    host: 'sso.example',
    querystring: '',
    secure: true,
    cookies: { get: () => undefined, set: () => undefined },
    acceptsLanguages: () => locale,
    set: () => undefined,
    type: '',
    body: '' as unknown,
    status,
    state: { requestId: '0123456789abcdef' },
  };
  renderProviderError(ctx, { error: code, error_description: 'something in English' }, place);
  const body = String(ctx.body);
  return {
    status: ctx.status,
    heading: /<h1>([^<]*)<\/h1>/.exec(body)?.[1],
    message: /role="alert">([^<]*)</.exec(body)?.[1],
    main: /<main[\s\S]*<\/main>/.exec(body)?.[0] ?? '',
  };
}

/** Every error class oidc-provider 9 exports (lib/helpers/errors.js) but its two bases, as the code it answers with. */
const codes = Object.values(errors)
  .filter((E) => E !== errors.OIDCProviderError && E !== errors.CustomOIDCProviderError)
  .map((E) => {
    const err = new (E as new (description: string) => { error: string; status: number })('a description');
    return { code: err.error, status: err.status };
  });

test('every error code oidc-provider 9 has is placed on purpose', () => {
  // Read from oidc-provider itself (an upgrade that adds one fails here until it is placed).
  const unplaced = codes.map((c) => c.code).filter((code) => !PROVIDER_ERROR_FAMILIES[code]);
  assert.deepEqual({ read: codes.length > 40, unplaced }, { read: true, unplaced: [] });
});

test('every error code the app or a used-up link causes gets words that fit it, never "try again later"', () => {
  const ours = new Set(['server_error', 'temporarily_unavailable']);
  const checks = [...codes, { code: 'account_selection_required', status: 400 }].filter((c) => !ours.has(c.code));
  for (const locale of ['zh-TW', 'en'] as const) {
    const t = translator(locale);
    const generic = [t('error.title'), t('error.generic')];
    for (const { code, status } of checks) {
      const shown = page(code, status, locale);
      const fits = !!shown.heading && !!shown.message && !shown.main.includes(code) && !generic.includes(shown.heading);
      assert.ok(fits && shown.message !== generic[1], `${locale} ${code}: ${shown.heading} / ${shown.message}`);
    }
  }
});

test('a used-up sign-in link, a bad sign-in request and a declined one say so, in both languages', () => {
  const [zh, en] = [translator('zh-TW'), translator('en')];
  const words = (code: string, status: number, locale: 'zh-TW' | 'en') => {
    const shown = page(code, status, locale);
    return [shown.heading, shown.message];
  };
  assert.deepEqual(words('invalid_request_uri', 400, 'zh-TW'), [zh('error.linkEndedTitle'), zh('error.linkEnded')]);
  assert.deepEqual(words('invalid_request_uri', 400, 'en'), [
    'This sign-in link no longer works',
    en('error.linkEnded'),
  ]);
  assert.deepEqual(words('invalid_grant', 400, 'zh-TW'), [zh('error.linkEndedTitle'), zh('error.linkEnded')]);
  assert.deepEqual(words('invalid_scope', 400, 'en'), ['Signing in could not start', en('error.signInRequest')]);
  assert.deepEqual(words('invalid_client', 400, 'zh-TW'), [zh('error.signInRequestTitle'), zh('error.unknownApp')]);
  assert.deepEqual(words('access_denied', 400, 'zh-TW'), [zh('error.declinedTitle'), zh('error.declined')]);
  // A code oidc-provider may add later (a 4xx): the app's request.
  assert.deepEqual(words('some_new_error', 400, 'en'), [en('error.signInRequestTitle'), en('error.signInRequest')]);
});

test("a sign-out page's error speaks of signing out, and says whether the person still is signed in", () => {
  const [zh, en] = [translator('zh-TW'), translator('en')];
  const shown = (code: string, locale: 'zh-TW' | 'en', signedIn: boolean, form: boolean) => {
    const drawn = page(code, 400, locale, { signOut: { signedIn, form } });
    return {
      words: [drawn.heading, drawn.message],
      ways: [...drawn.main.matchAll(/href="([^"]*)"/g)].map((m) => m[1]),
    };
  };
  for (const code of ['invalid_request', 'invalid_client', 'invalid_request_uri']) {
    assert.deepEqual(shown(code, 'zh-TW', true, false), {
      words: [zh('error.signOutNotDoneTitle'), zh('error.signOutRequestSignedIn')],
      ways: ['/session/end', '/'],
    });
    assert.deepEqual(shown(code, 'zh-TW', true, true).words, [
      zh('error.signOutNotDoneTitle'),
      zh('error.signOutFormSignedIn'),
    ]);
    assert.deepEqual(shown(code, 'en', false, true), {
      words: ['You are signed out', en('error.signOutFormSignedOut')],
      ways: ['/'],
    });
    assert.deepEqual(shown(code, 'en', false, false).words, [
      en('error.signedOutTitle'),
      en('error.signOutRequestSignedOut'),
    ]);
  }
});
