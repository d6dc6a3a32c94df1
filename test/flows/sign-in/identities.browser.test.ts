// Issue 3 in a real browser: one identity straight through, the identity menu, a second RP without a password
// but with the menu, switching with prompt=select_account, and the person check after 3 failures.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { browserSkip, launchBrowser, newPage, passChallenge, shoot } from '../../helpers/browser.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { startTestRp, type TestRp } from '../../helpers/test-rp.ts';

const zh = translator('zh-TW');
const en = translator('en');
let server: TestServer;
let portfolio: TestRp;
let payment: TestRp;
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  const _db = server.storage.db;
  portfolio = await startTestRp({
    issuer: server.issuer,
    clients: server.services.clients,
    clientId: 'portfolio-test',
    secret: 'portfolio-secret-0123456789abcdef',
    metadata: { first_party: true, client_name: '學習歷程檔案系統（測試）' },
  });
  payment = await startTestRp({
    issuer: server.issuer,
    clients: server.services.clients,
    clientId: 'payment-test',
    secret: 'payment-secret-0123456789abcdefgh',
    metadata: {
      first_party: true,
      client_name: '校園繳費系統（測試）',
      allowed_roles: ['student', 'parent', 'teacher'],
    },
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await portfolio?.close();
  await payment?.close();
  await server?.close();
});

async function signIn(page: Page, login: string, password: string) {
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('button.primary');
}

async function rpIdentity(page: Page) {
  await page.locator('#userinfo').waitFor();
  return JSON.parse(await page.locator('#userinfo').innerText()) as {
    identity?: { role: string; school?: { name: string } };
    children?: { name: string }[];
    sub: string;
  };
}

test('one identity goes straight through to the relying party', { skip: browserSkip }, async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${portfolio.base}/start`);
  await shoot(page, 'identities-01-sign-in');
  await signIn(page, 'student', 'Green-Frog-2026');
  const info = await rpIdentity(page);
  assert.equal(info.identity?.role, 'student');
  await context.close();
});

test('two identities: the menu, the chosen identity at the RP, a second RP, and switching', {
  skip: browserSkip,
}, async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${portfolio.base}/start`);
  await signIn(page, 'teacher', 'Blue-Chalk-2026');
  await page.locator('fieldset.identities').waitFor();
  assert.equal(await page.locator('main h1').innerText(), zh('identity.title'));
  assert.match(await page.locator('fieldset.identities').innerText(), /王小美/);
  await shoot(page, 'identities-02-menu');
  // The menu answers the password itself; its address is the menu's own, so reload asks for the menu (not the
  // password again) and the language link leads to it.
  const menuPath = new URL(page.url()).pathname;
  assert.match(menuPath, /^\/interaction\/[^/]+$/);
  const [reloaded] = await Promise.all([page.waitForRequest((r) => r.isNavigationRequest()), page.reload()]);
  assert.equal(reloaded.method(), 'GET');
  await page.locator('a.lang').click();
  await page.locator('fieldset.identities').waitFor();
  assert.equal(await page.locator('main h1').innerText(), en('identity.title'));
  assert.equal(new URL(page.url()).pathname, menuPath);
  await page.locator('a.lang').click();
  await page.locator('fieldset.identities').waitFor();
  assert.equal(await page.locator('main h1').innerText(), zh('identity.title'));
  await page.locator('label.identity', { hasText: zh('role.parent') }).click();
  await page.click('button.primary');
  const first = await rpIdentity(page);
  assert.equal(first.identity?.role, 'parent');
  assert.deepEqual(
    first.children?.map((c) => c.name),
    ['王小美'],
  );
  await shoot(page, 'identities-03-rp-parent');

  // The payment portal in the same browser: no password, but the menu again.
  await page.goto(`${payment.base}/start`);
  await page.locator('fieldset.identities').waitFor();
  assert.equal(await page.locator('#password').count(), 0);
  await shoot(page, 'identities-04-second-rp-menu');
  await page.locator('label.identity', { hasText: zh('role.teacher') }).click();
  await page.click('button.primary');
  assert.equal((await rpIdentity(page)).identity?.role, 'teacher');

  // The portfolio's "switch identity": prompt=select_account, the parent identity preselected.
  await page.goto(`${portfolio.base}/start?prompt=select_account`);
  await page.locator('fieldset.identities').waitFor();
  assert.equal(
    await page
      .locator('label.identity:has(input:checked)')
      .innerText()
      .then((t) => t.includes(zh('role.parent'))),
    true,
  );
  await shoot(page, 'identities-05-switch');
  await page.locator('label.identity', { hasText: zh('role.teacher') }).click();
  await page.click('button.primary');
  const switched = await rpIdentity(page);
  assert.equal(switched.identity?.role, 'teacher');
  assert.equal(switched.sub, first.sub, 'the same person');
  await context.close();
});

test('the person check appears after 3 failed sign-ins, passes by itself, and the right password goes through', {
  skip: browserSkip,
}, async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${portfolio.base}/start`);
  for (let i = 0; i < 3; i++) {
    await signIn(page, 'parent', `wrong-${i}`);
    await page.locator('.alert').waitFor();
  }
  await page.locator('fieldset.challenge altcha-widget').waitFor();
  assert.equal(await page.inputValue('#login'), 'parent', 'the account name is kept');
  await passChallenge(page);
  await shoot(page, 'identities-06-person-check');
  await page.fill('#password', 'Red-Kite-2026');
  await page.click('button.primary');
  const info = await rpIdentity(page);
  assert.equal(info.identity?.role, 'parent');
  await context.close();
});
