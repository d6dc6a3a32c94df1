// Every page a person meets, in Chinese and in English, checked in Chromium: axe-core (WCAG 2.0–2.2 A and AA) finds
// nothing, every control shows its keyboard focus at 3:1, and nothing errs in the console. Screenshots of each at
// desktop and phone width go to test-artifacts/screenshots/ for a reviewer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, focusProblems } from '../helpers/a11y.ts';
import { browserSkip, launchBrowser, passChallenge, shoot, watchedPage } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const LANGS = ['zh-TW', 'en'] as const;

async function check(page: Page, name: string, problems: string[]) {
  assert.deepEqual(await axeViolations(page), [], `axe: ${name}`);
  assert.deepEqual(await focusProblems(page), [], `focus: ${name}`);
  await shoot(page, `a11y-${name}`);
  assert.deepEqual(problems, [], `console and network: ${name}`);
}

describe('every page, both languages: axe-core, focus and the console', { skip: browserSkip }, () => {
  for (const lang of LANGS) {
    it(`pages anyone can open (${lang})`, async () => {
      const notFound = (status: number, path: string) => status === 404 && path === '/no-such-page';
      const failed = (status: number, path: string) => status === 400 && path.startsWith('/register/activate/');
      const { context, page, problems } = await watchedPage(browser, {
        locale: lang,
        allow: (status, path) => notFound(status, path) || failed(status, path),
      });
      await page.goto(`${server.issuer}/?lang=${lang}`);
      for (const [path, name] of [
        ['/', 'home'],
        ['/register', 'register'],
        ['/register/roster', 'register-roster'],
        ['/password/forgot', 'password-forgot'],
        ['/password/reset/done', 'password-reset-done'],
        ['/binding', 'binding'],
        ['/register/activate/used', 'activation-used'],
        ['/no-such-page', 'not-found'],
        ['/session/end', 'sign-out-question'],
        ['/session/end/success', 'signed-out'],
        ['/demo/signed-out', 'demo-signed-out'],
        ['/api/docs', 'api-docs'],
      ] as const) {
        await page.goto(`${server.issuer}${path}`);
        assert.equal(await page.getAttribute('html', 'lang'), lang, path);
        if (await page.locator('altcha-widget').count()) {
          await passChallenge(page);
          // Our words only, in the page's language: no "Protected by ALTCHA" footer or logo leading off the site.
          assert.equal(await page.locator('altcha-widget a').count(), 0, `${path}: a link in the person check`);
        }
        await check(page, `${name}-${lang}`, problems);
      }
      // The sign-in page, as an app sends people to it.
      await page.goto(`${server.issuer}/demo`);
      await page.locator('#login').waitFor();
      await check(page, `sign-in-${lang}`, problems);
      await context.close();
    });

    it(`the account pages (${lang})`, async () => {
      const { context, page, problems } = await watchedPage(browser, { locale: lang });
      await page.goto(`${server.issuer}/?lang=${lang}`);
      await page.goto(`${server.issuer}/account/sign-in`);
      await page.fill('#login', 'teacher');
      await page.fill('#password', 'Blue-Chalk-2026');
      await Promise.all([page.waitForURL(`${server.issuer}/account`), page.click('button.primary')]);
      for (const path of [
        '',
        '/password',
        '/identities',
        '/apps',
        '/sessions',
        '/sign-ins',
        '/email',
        '/mobile',
        '/contact-phone',
      ]) {
        await page.goto(`${server.issuer}/account${path}`);
        await check(page, `account${path.replace('/', '-') || '-profile'}-${lang}`, problems);
      }
      // The homeroom teacher's review of binding applications (the demo has one waiting).
      await page.goto(`${server.issuer}/binding/review`);
      await check(page, `binding-review-${lang}`, problems);
      await context.close();
    });
  }
});
