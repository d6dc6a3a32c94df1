// In Chromium: an account that needs the person check (3 wrong passwords before), typed on a new sign-in page that
// had none. The answer says the account needs a quick check first and shows it running; once the widget says it is
// done, the words say so (no more "when it says done"), and the password typed again signs in.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations } from '../../helpers/a11y.ts';
import { browserSkip, launchBrowser, passChallenge, shoot, watchedPage } from '../../helpers/browser.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { startTestRp, type TestRp } from '../../helpers/test-rp.ts';

const zh = translator('zh-TW');
const en = translator('en');
let server: TestServer;
let rp: TestRp;
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  rp = await startTestRp({
    issuer: server.issuer,
    clients: server.services.clients,
    clientId: 'check-first-rp',
    secret: 'check-first-rp-secret-0123456789abcdef',
    metadata: { first_party: true, client_name: '學習歷程檔案系統（測試）' },
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await rp?.close();
  await server?.close();
});

describe('the person check an account needs, on a page that had none', { skip: browserSkip }, () => {
  for (const [locale, t] of [
    ['zh-TW', zh],
    ['en', en],
  ] as const)
    it(`says why, runs, then says it is done (${locale})`, async () => {
      const username = `first-${crypto.randomBytes(4).toString('hex')}`;
      await insertPerson(server.storage.db, {
        username,
        name: '測試',
        passwordHash: await hashPassword('Right-Password-1', 4),
      });
      for (let i = 0; i < 3; i++) await server.services.signInGuard.failed(`person:${await idOf(username)}`, '::1');

      const { context, page, problems } = await watchedPage(browser, { allow: (status) => status === 400 });
      await page.goto(`${rp.base}/start${locale === 'en' ? '?ui_locales=en' : ''}`);
      assert.equal(await page.locator('#challenge').count(), 0, 'no check on a new page');
      await page.fill('#login', username);
      await page.fill('#password', 'Right-Password-1');
      await Promise.all([page.waitForLoadState(), page.click('button.primary')]);

      const notice = page.locator('#challenge-notice');
      await notice.waitFor();
      assert.equal(await page.inputValue('#login'), username, 'the account name kept');
      assert.equal(await page.locator('.field-error, [role="alert"]').count(), 0, 'no mistake shown');
      await passChallenge(page);
      await page.waitForFunction(
        (done) => document.getElementById('challenge-notice')?.textContent === done,
        t('login.checkFirst.done'),
      );
      assert.ok(!(await page.locator('main').innerText()).includes(t('challenge.required')));
      assert.deepEqual(await axeViolations(page), [], 'axe');
      await shoot(page, `sign-in-check-first-${locale}`);

      await page.fill('#password', 'Right-Password-1');
      await Promise.all([page.waitForURL(`${rp.base}/**`), page.click('button.primary')]);
      assert.deepEqual(problems, []);
      await context.close();
    });
});

async function idOf(username: string): Promise<string> {
  return ((await server.storage.db('persons').where({ username }).first('id')) as { id: string }).id;
}
