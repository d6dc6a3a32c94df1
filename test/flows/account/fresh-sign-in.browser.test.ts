// The sign-in asked again before an email change, in a real browser: the account pages opened long after the sign-in
// (a provider session kept with "remember me"), 變更 Email leads to our sign-in page, which says why in plain words
// (both languages) with the account name filled in; the password typed, the person lands on the email form and the
// change goes on. axe-core clean, screenshots at a phone's width and a desktop's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { RECENT_SIGN_IN_SECONDS } from '../../../src/web/portal-cookie.ts';
import { axeViolations, focusProblems } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, shoot, watchedPage } from '../../helpers/browser.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { ageSignIns } from '../../helpers/sign-in-age.ts';

const zh = translator('zh-TW');
const en = translator('en');

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  browser = await launchBrowser();
  ({ context, page, problems } = await watchedPage(browser));
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.close();
  if (server?.dataDir) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

test('an email change after an old sign-in: our sign-in page says why, then the email form', {
  skip: browserSkip,
}, async () => {
  const person = await personWith(server, [], 'again');
  await page.goto(`${server.issuer}/account`);
  await page.fill('#login', person.email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.check('input[name="remember"]');
  await page.click('button.primary');
  await page.waitForURL((url) => url.pathname === '/account');

  // Much later: the provider session kept ("remember me"), the account pages' own cookie gone.
  await ageSignIns(server, person.personId, RECENT_SIGN_IN_SECONDS + 600);
  await context.clearCookies({ name: 'account_session' });
  await page.goto(`${server.issuer}/account?lang=zh-TW`);
  assert.equal(new URL(page.url()).pathname, '/account', 'the account pages open without a password');

  await Promise.all([page.waitForURL(/\/interaction\/[\w-]+$/), page.click('#email-link')]);
  const uid = new URL(page.url()).pathname.split('/')[2];
  for (const [lang, tr] of [
    ['en', en],
    ['zh-TW', zh],
  ] as const) {
    await page.goto(`${server.issuer}/interaction/${uid}?lang=${lang}`);
    assert.equal((await page.locator('#sign-in-again').innerText()).trim(), tr('login.again.password'), lang);
    assert.equal(await page.inputValue('#login'), person.email, 'the account name filled in');
    // The cursor waits in the password field (the account name is there already).
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');
    assert.deepEqual(await axeViolations(page), [], `sign-in again (${lang}): axe-core`);
    assert.deepEqual(await focusProblems(page), [], `sign-in again (${lang}): focus`);
    await shoot(page, `account-fresh-sign-in-${lang}`);
  }
  await page.fill('#password', PERSON_PASSWORD);
  await Promise.all([page.waitForURL((url) => url.pathname === '/account/email'), page.click('button.primary')]);
  assert.equal((await page.locator('main h1').innerText()).trim(), zh('account.contact.email.title'));
  const next = `again-${person.personId.slice(0, 8)}@example.test`;
  await page.fill('#email', next);
  await Promise.all([page.waitForURL('**/account/email/verify'), page.click('button.primary')]);
  const sent = await server.storage.db('outbox_messages').where({ recipient: next, kind: 'verify_email_change' });
  assert.equal(sent.length, 1, 'the code goes to the new address');
  assert.deepEqual(problems, []);
});
