// The sign-in as people meet it, in Chromium: the app's language, no dead ends (a sign-in that expired, Back after
// finishing), who is signed in and "not you?", consent that fits a pupil and a parent, the wrong address, showing a
// password; every page state checked by axe-core in both languages, and the keyboard focus at 3:1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations, focusProblems } from '../../helpers/a11y.ts';
import { browserSkip, launchBrowser, shoot, watchedPage } from '../../helpers/browser.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { startTestRp, type TestRp } from '../../helpers/test-rp.ts';

const zh = translator('zh-TW');
const en = translator('en');
let server: TestServer;
let portfolio: TestRp; // first party: no consent page
let reading: TestRp; // a third-party app: the consent page
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  portfolio = await startTestRp({
    issuer: server.issuer,
    clients: server.services.clients,
    clientId: 'portfolio-si',
    secret: 'portfolio-si-secret-0123456789abcdef',
    metadata: { first_party: true, client_name: '學習歷程檔案系統（測試）' },
    home: true,
  });
  reading = await startTestRp({
    issuer: server.issuer,
    clients: server.services.clients,
    clientId: 'reading-si',
    secret: 'reading-si-secret-0123456789abcdef',
    metadata: {
      client_name: '閱讀小書房',
      organization: '小書房教育有限公司',
      policy_uri: 'https://reading.example/privacy',
    },
    scope: 'openid profile identity children',
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await portfolio?.close();
  await reading?.close();
  await server?.close();
});

const heading = (page: Page) => page.locator('main h1').innerText();

async function signIn(page: Page, login: string, password: string) {
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('button.primary');
}

/** axe-core finds nothing, and every control shows its focus at 3:1. */
async function assertAccessible(page: Page, what: string, focus = true) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${what}`);
  if (focus) assert.deepEqual(await focusProblems(page), [], `focus on ${what}`);
}

describe('signing in, as people meet it', { skip: browserSkip }, () => {
  it("speaks the app's language (ui_locales), and a language link still wins", async () => {
    const { context, page, problems } = await watchedPage(browser);
    await page.goto(`${portfolio.base}/start?ui_locales=en`);
    assert.equal(await heading(page), en('login.title'));
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await assertAccessible(page, 'the sign-in page in English');
    await shoot(page, 'sign-in-01-english');
    await Promise.all([page.waitForLoadState(), page.click('a.lang')]);
    assert.equal(await heading(page), zh('login.title'));
    await assertAccessible(page, 'the sign-in page in Chinese');
    await shoot(page, 'sign-in-02-chinese');
    // The person's choice holds for the rest of the sign-in, over the app's wish.
    await signIn(page, 'teacher', 'Blue-Chalk-2026');
    await page.locator('fieldset.identities').waitFor();
    assert.equal(await heading(page), zh('identity.title'));
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('shows a password on request, and hides it again before sending', async () => {
    const { context, page, problems } = await watchedPage(browser);
    await page.goto(`${portfolio.base}/start`);
    await page.fill('#password', 'Secret-Words-1');
    const toggle = page.locator('button.password-toggle');
    assert.equal((await toggle.innerText()).trim(), zh('password.show'));
    await toggle.click();
    assert.equal(await page.getAttribute('#password', 'type'), 'text');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    assert.equal((await toggle.innerText()).trim(), zh('password.hide'));
    assert.equal(await page.locator('#password-state[role="status"]').innerText(), zh('password.shownNow'), 'said');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password', 'typing goes on in the field');
    await shoot(page, 'sign-in-03-password-shown');
    await toggle.click();
    assert.equal(await page.getAttribute('#password', 'type'), 'password');
    assert.equal(await page.locator('#password-state').innerText(), zh('password.hiddenNow'));
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a sign-in that expired says so in plain words and starts again for the same app', async () => {
    const { context, page, problems } = await watchedPage(browser, { allow: (status) => status === 400 });
    await page.goto(`${portfolio.base}/start`);
    const uid = new URL(page.url()).pathname.split('/').pop()!;
    await server.adapter('Interaction').destroy(uid); // as if it had waited too long
    await signIn(page, 'student', 'Green-Frog-2026');
    await page.locator('main h1').waitFor();
    assert.equal(await heading(page), zh('error.sessionTitle'));
    const main = await page.locator('main').innerText();
    assert.ok(main.includes(zh('error.session')));
    assert.doesNotMatch(main.replace(/需要協助時.*$/m, ''), /session_not_found/, 'no raw code, but on the help line');
    await assertAccessible(page, 'the sign-in-ended page');
    await shoot(page, 'sign-in-04-expired');
    await Promise.all([page.waitForURL(/\/interaction\//), page.getByText('重新開始登入').click()]);
    await signIn(page, 'student', 'Green-Frog-2026');
    await page.locator('#userinfo').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('Back after signing in leads to the app, not to an error', async () => {
    const { context, page, problems } = await watchedPage(browser, { allow: (status) => status === 400 });
    await page.goto(`${portfolio.base}/start`);
    await signIn(page, 'student', 'Green-Frog-2026');
    await page.locator('#userinfo').waitFor();
    await page.goBack();
    await page.locator('main h1').waitFor();
    // Done, not "this sign-in has ended … start again, nothing is lost".
    assert.equal(await heading(page), zh('error.finishedTitle'));
    // Said as news (a status), not as an error.
    assert.equal(await page.locator('main [role="alert"]').count(), 0);
    const said = await page.locator('main p.notice[role="status"]').innerText();
    assert.equal(said.trim(), zh('error.finished', { client: '學習歷程檔案系統（測試）' }));
    const way = page.locator('main .actions a').first();
    assert.equal((await way.innerText()).trim(), zh('error.toClient', { client: '學習歷程檔案系統（測試）' }));
    await shoot(page, 'sign-in-05-back-after-finishing');
    await Promise.all([page.waitForURL(`${portfolio.base}/`), way.click()]);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('Back or reload onto a wrong-password page asks for the sign-in page, never to send the password again', async () => {
    const { context, page, problems } = await watchedPage(browser, {
      allow: (status) => status === 400 || status === 401,
    });
    await page.goto(`${portfolio.base}/start`);
    const signInPage = page.url();
    await signIn(page, 'student', 'not-the-password');
    await page.locator('.alert').waitFor();
    assert.equal((await page.locator('.alert').innerText()).trim(), zh('login.failed'));
    assert.equal(await page.inputValue('#login'), 'student', 'what was typed stays');
    // The focus is on the password, which is described by the message (said with it).
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');
    assert.match((await page.getAttribute('#password', 'aria-describedby')) ?? '', /\bsign-in-error\b/);
    assert.ok((await page.title()).startsWith(`${zh('titleWithMistakes')}${zh('login.title')}`), await page.title());
    assert.equal(page.url(), signInPage, 'the entry is the sign-in page, not the form post');
    // The language link leads to the sign-in page too (the form post's address has no page).
    await page.locator('a.lang').click();
    await page.locator('#login').waitFor();
    assert.equal(await heading(page), en('login.title'));
    assert.equal(new URL(page.url()).pathname, new URL(signInPage).pathname);
    await page.locator('a.lang').click();
    await page.locator('#login').waitFor();
    await page.reload();
    await page.locator('#login').waitFor();
    assert.equal(await heading(page), zh('login.title'), 'reload: the sign-in page, nothing sent again');
    await signIn(page, 'student', 'Green-Frog-2026');
    await page.locator('#userinfo').waitFor();
    await page.goBack();
    await page.locator('main h1').waitFor();
    assert.equal(await heading(page), zh('error.finishedTitle'), 'Back: the page that says this sign-in is done');
    await shoot(page, 'sign-in-05b-back-after-a-wrong-password');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('an empty account or password is told under the field it belongs to, the other left alone', async () => {
    const { context, page, problems } = await watchedPage(browser, { allow: (status) => status === 400 });
    await page.goto(`${portfolio.base}/start`);
    await page.click('button.primary');
    await page.locator('.alert').waitFor();
    assert.equal((await page.locator('.alert').innerText()).trim(), zh('login.required'), 'both at once: one sentence');
    assert.equal((await page.locator('#login-error').innerText()).trim(), zh('login.loginRequired'));
    assert.equal((await page.locator('#password-error').innerText()).trim(), zh('login.passwordRequired'));
    for (const id of ['login', 'password']) {
      assert.equal(await page.getAttribute(`#${id}`, 'aria-invalid'), 'true', id);
      assert.match((await page.getAttribute(`#${id}`, 'aria-describedby')) ?? '', new RegExp(`\\b${id}-error\\b`), id);
    }
    await assertAccessible(page, 'the sign-in page with both fields missing');
    await shoot(page, 'sign-in-05c-empty');
    // The account typed, the password not: only the password is asked for, and the account stays.
    await page.fill('#login', 'student');
    await page.click('button.primary');
    await page.locator('#password-error').waitFor();
    assert.equal((await page.locator('.alert').innerText()).trim(), zh('login.passwordRequired'));
    assert.equal(await page.locator('#login-error').count(), 0);
    assert.equal(await page.getAttribute('#login', 'aria-invalid'), null);
    assert.equal(await page.inputValue('#login'), 'student');
    await signIn(page, 'student', 'Green-Frog-2026');
    await page.locator('#userinfo').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('the identity menu says who is signed in, preselects nothing at first, and offers another account or cancel', async () => {
    const { context, page, problems } = await watchedPage(browser, {
      allow: (status, path) => status === 400 && path === '/cb',
    });
    await page.goto(`${portfolio.base}/start`);
    await signIn(page, 'teacher', 'Blue-Chalk-2026');
    await page.locator('fieldset.identities').waitFor();
    const main = await page.locator('main').innerText();
    assert.ok(main.includes(zh('identity.signedInAs', { name: '王小明' })));
    assert.equal(await page.locator('input[name=identity]:checked').count(), 0, 'nothing chosen for the person');
    await assertAccessible(page, 'the identity menu');
    await shoot(page, 'sign-in-06-identity-menu');

    // "Not you?": the sign-in page again, for another account.
    await Promise.all([page.waitForURL(/\/interaction\//), page.getByText(zh('identity.notYou')).click()]);
    assert.equal(await heading(page), zh('login.title'));
    await signIn(page, 'teacher', 'Blue-Chalk-2026');
    await page.locator('fieldset.identities').waitFor();
    // Cancel: back at the app, which is told the person declined.
    await page.getByRole('button', { name: zh('identity.cancel', { client: '學習歷程檔案系統（測試）' }) }).click();
    await page.waitForURL(/\/cb\?/);
    assert.match(await page.locator('body').innerText(), /access_denied/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('consent fits the person: a pupil is not asked about children, a parent is, each by name and identity', async () => {
    for (const [login, password, name, children] of [
      ['pupil', 'Yellow-Duck-2026', '王小美', false],
      ['parent', 'Red-Kite-2026', '林大同', true],
    ] as const) {
      const { context, page, problems } = await watchedPage(browser);
      await page.goto(`${reading.base}/start`);
      await signIn(page, login, password);
      await page.locator('ul.scopes').waitFor();
      assert.equal(await heading(page), zh('consent.heading', { client: '閱讀小書房' }));
      const main = await page.locator('main').innerText();
      assert.ok(main.includes(zh('identity.signedInAs', { name })), name);
      assert.ok(main.includes(zh('consent.offeredBy', { client: '閱讀小書房', organization: '小書房教育有限公司' })));
      assert.equal(await page.locator('a[href="https://reading.example/privacy"]').count(), 1);
      assert.equal(main.includes(zh('consent.scope.children')), children, `${name}: children listed: ${children}`);
      assert.equal((await page.locator('button.primary').innerText()).trim(), zh('consent.allow'));
      await assertAccessible(page, `the consent page for ${login}`);
      await shoot(page, `sign-in-07-consent-${login}`);
      await page.click('button.primary');
      await page.locator('#userinfo').waitFor();
      assert.deepEqual(problems, []);
      await context.close();
    }
  });

  it('the identity menu and the consent page in English, as an app asks for them', async () => {
    const { context, page, problems } = await watchedPage(browser);
    await page.goto(`${reading.base}/start?ui_locales=en`);
    await signIn(page, 'teacher', 'Blue-Chalk-2026');
    await page.locator('fieldset.identities').waitFor();
    assert.equal(await heading(page), en('identity.title'));
    await assertAccessible(page, 'the identity menu in English');
    await shoot(page, 'sign-in-09-identity-menu-english');
    await page.locator('label.identity').first().click();
    await page.click('button.primary');
    await page.locator('ul.scopes').waitFor();
    assert.equal(await heading(page), en('consent.heading', { client: '閱讀小書房' }));
    await assertAccessible(page, 'the consent page in English');
    await shoot(page, 'sign-in-10-consent-english');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('opened under another address than its own, a page says which address to use', async () => {
    const { context, page } = await watchedPage(browser, { allow: (status) => status === 421 });
    const other = server.issuer.replace('localhost', '127.0.0.1');
    await page.goto(`${other}/account`);
    assert.equal(await heading(page), zh('error.hostMismatchTitle'));
    const go = page.locator('main .actions a');
    assert.equal(await go.getAttribute('href'), `${server.issuer}/account`);
    await assertAccessible(page, 'the wrong-address page');
    await shoot(page, 'sign-in-08-wrong-address');
    await context.close();
  });
});
