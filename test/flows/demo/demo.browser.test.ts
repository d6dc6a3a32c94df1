// The demo in a real browser: home page → /demo → sign-in (wrong password, language switch, right password)
// → consent → the demo page with the ID token's claims. Screenshots of every page at desktop and phone widths.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { browserSkip, launchBrowser, shoot, watchedPage } from '../../helpers/browser.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

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
  // 401 is the expected answer to the wrong password.
  ({ context, page, problems } = await watchedPage(browser, { allow: (status) => status === 401 }));
  // Anything the browser complains about (script errors, CSP violations, failed loads) fails the test at the end.
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.close();
  // The embedded database's temporary DATA_DIR (made by testEnv) is ours to remove.
  if (server?.dataDir) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

const heading = (p: Page) => p.locator('main h1').innerText();

test('demo sign-in in a browser', { skip: browserSkip }, async () => {
  // Home page: lists the demo accounts.
  const home = await page.goto(`${server.issuer}/`);
  assert.equal(home?.status(), 200);
  assert.equal(await heading(page), zh('home.title'));
  const rows = page.locator('table tbody tr');
  assert.equal(await rows.count(), 6);
  const accounts = await page.locator('table tbody tr td:first-child code').allInnerTexts();
  assert.deepEqual(accounts, ['teacher', 'student', 'parent', 'pupil', 'office', 'bureau']);
  assert.match(await page.locator('table').innerText(), /學校承辦人/);
  assert.match(await page.locator('table').innerText(), /林小華/);
  await shoot(page, 'demo-01-home');

  // Start the demo: the demo app sends the browser to the sign-in page.
  await Promise.all([page.waitForURL(/\/interaction\/[A-Za-z0-9_-]+$/), page.click(`a.button[href="/demo"]`)]);
  assert.equal(await heading(page), zh('login.title'));
  assert.equal(await page.locator('button.primary').innerText(), zh('login.submit'));
  await shoot(page, 'demo-02-sign-in');

  // Switch the language with the header link: the same sign-in page in English.
  await page.click('a.lang');
  await page.waitForURL(/[?&]lang=en\b/);
  assert.equal(await heading(page), en('login.title'));
  assert.equal(await heading(page), 'Sign in');
  assert.equal(await page.locator('button.primary').innerText(), 'Sign in');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await shoot(page, 'demo-03-sign-in-en');

  // And back to Traditional Chinese (the choice is remembered in a cookie, so the link is needed).
  await page.click('a.lang');
  await page.waitForURL(/[?&]lang=zh-TW\b/);
  assert.equal(await heading(page), zh('login.title'));
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-TW');

  // Wrong password: the error is shown and the account name is kept.
  await page.fill('#login', 'student');
  await page.fill('#password', 'not-the-password');
  await Promise.all([page.waitForURL(/\/interaction\/[A-Za-z0-9_-]+\/login$/), page.click('button.primary')]);
  await page.locator('.alert').waitFor();
  assert.equal((await page.locator('.alert').innerText()).trim(), zh('login.failed'));
  assert.equal(await page.inputValue('#login'), 'student');
  assert.equal(await page.inputValue('#password'), '');
  await shoot(page, 'demo-04-sign-in-failed');

  // Right password: the demo client is not first-party, so the consent page follows.
  await page.fill('#password', 'Green-Frog-2026');
  await Promise.all([
    page.waitForURL((url) => /^\/interaction\/[A-Za-z0-9_-]+$/.test(url.pathname)),
    page.click('button.primary'),
  ]);
  assert.equal(await heading(page), zh('consent.heading', { client: '示範應用程式 Demo app' }));
  assert.match(await page.locator('main').innerText(), /示範應用程式 Demo app/);
  const allow = page.locator('button.primary');
  assert.equal((await allow.innerText()).trim(), zh('consent.allow'));
  assert.equal(zh('consent.allow'), '同意，繼續');
  await shoot(page, 'demo-05-consent');

  // Allow: back at the demo app, which shows the ID token's claims.
  await Promise.all([page.waitForURL((url) => url.pathname === '/demo/callback'), allow.click()]);
  await shoot(page, 'demo-06-claims');
  assert.equal(await heading(page), zh('demo.title'));
  assert.equal(await page.locator('.alert').count(), 0, 'the demo page reports a failure');
  const [idToken, userinfo] = await page.locator('pre').allInnerTexts();
  const claims = JSON.parse(idToken!) as Record<string, unknown>;
  assert.equal(claims.iss, server.issuer);
  assert.equal(claims.aud, 'demo-rp');
  assert.equal(typeof claims.sub, 'string');
  // conformIdTokenClaims: with an access token issued, profile and email claims come from UserInfo, not the ID token.
  assert.match(await page.locator('main').innerText(), /林小華/);
  const info = JSON.parse(userinfo!) as Record<string, unknown>;
  assert.equal(info.sub, claims.sub);
  assert.equal(info.name, '林小華');
  assert.equal(info.email, 'student@demo.campus-sso.test');

  // Sign out from the app: the provider asks, then the browser is back at the app, which says so and offers a way on.
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/session/end'),
    page.click(`a:text-is("${zh('demo.logout')}")`),
  ]);
  assert.equal(await heading(page), zh('logout.title'));
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/demo/signed-out'),
    page.click(`button:text-is("${zh('logout.yes')}")`),
  ]);
  assert.equal((await page.locator('main [role=status]').innerText()).trim(), zh('demo.signedOut'));
  assert.equal(await page.title(), `${zh('demo.signedOutTitle')} · ${zh('brand')}`);
  assert.deepEqual(await page.locator('p.actions a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), [
    '/demo',
    '/',
  ]);
  await shoot(page, 'demo-07-signed-out');
  // Signed out of the provider too: signing in again asks for the password.
  await Promise.all([page.waitForURL(/\/interaction\/[A-Za-z0-9_-]+$/), page.click('a.button[href="/demo"]')]);
  assert.equal(await heading(page), zh('login.title'));

  assert.deepEqual(problems, []);
});
