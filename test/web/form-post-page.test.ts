// oidc-provider's self-posting page (a sign-out without a session here; response_mode=form_post too) in the page's
// language: its title and the words shown without scripts were English.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../src/platform/i18n/index.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

describe(`oidc-provider's self-posting page (${storageMode})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('speaks the page language, form and script unchanged', async () => {
    for (const [header, locale] of [
      ['zh-TW,zh;q=0.9', 'zh-TW'],
      ['en-US,en;q=0.9', 'en'],
    ] as const) {
      const res = await fetch(`${server.issuer}/session/end`, { headers: { 'accept-language': header } });
      assert.equal(res.status, 200);
      const body = await res.text();
      const t = translator(locale);
      assert.ok(body.includes(`<html lang="${locale}">`), body.slice(0, 300));
      assert.ok(body.includes('<meta name="viewport" content="width=device-width, initial-scale=1">'));
      assert.ok(body.includes(`<title>${t('formPost.title')}</title>`));
      assert.ok(body.includes(t('formPost.noScript')));
      assert.match(
        body,
        new RegExp(`<button class="primary" autofocus type="submit">${t('formPost.continue')}</button>`),
      );
      assert.doesNotMatch(body, /Submitting Callback|does not support JavaScript/);
      assert.match(body, /<form method="post" action="[^"]*\/session\/end\/confirm">/, 'the form as it was');
      const csp = res.headers.get('content-security-policy') ?? '';
      const script = /<script>([\s\S]*?)<\/script>/.exec(body)![1]!;
      const hash = (await import('node:crypto')).createHash('sha256').update(script).digest('base64');
      assert.ok(csp.includes(`'sha256-${hash}'`), 'the script still matches its hash in the CSP');
    }
  });
});
