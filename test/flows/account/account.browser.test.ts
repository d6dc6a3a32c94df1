// The account pages in a real browser: the teacher uses the demo app (consent), opens /account (no password
// again), walks profile → identities → connected apps → revokes the demo app, then devices, sign-ins, the email,
// contact phone (axe-core on its page, both languages) and password forms with their errors, English, and signs out.
// Screenshots at desktop and phone widths.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations, focusProblems } from '../../helpers/a11y.ts';
import { browserSkip, launchBrowser, newPage, shoot, watchedPage } from '../../helpers/browser.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
/** Form answers that are meant to be refused (validation errors). */
const expected = new Set<string>();

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  browser = await launchBrowser();
  ({ context, page, problems } = await watchedPage(browser, {
    allow: (status, path) => expected.has(`${status} ${path}`),
  }));
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.close();
  if (server?.dataDir) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

const heading = (p: Page) => p.locator('main h1').innerText();

async function chooseIdentity(p: Page, role: string) {
  await p.locator('fieldset.identities').waitFor();
  await p.locator('label.identity', { hasText: zh(`role.${role}`) }).click();
  await p.click('button.primary');
}

test('account pages in a browser: profile, identities, connected apps (revoke), devices, sign-ins, forms', {
  skip: browserSkip,
}, async () => {
  // The teacher signs in to the demo app (third-party: consent), which becomes a connected app.
  await page.goto(`${server.issuer}/demo`);
  await page.fill('#login', 'teacher');
  await page.fill('#password', 'Blue-Chalk-2026');
  await page.click('button.primary');
  await chooseIdentity(page, 'teacher');
  await page.locator('ul.scopes').waitFor();
  await Promise.all([page.waitForURL((url) => url.pathname === '/demo/callback'), page.click('button.primary')]);

  // The account pages: same browser, so no password, and no identity menu (the portal asks for no identity).
  await page.goto(`${server.issuer}/account`);
  await page.waitForURL((url) => url.pathname === '/account');
  assert.equal(await heading(page), zh('account.profile.title'));
  const profile = await page.locator('.acct-fields').innerText();
  assert.match(profile, /王小明/);
  assert.match(profile, /A12\*\*\*\*789/);
  assert.doesNotMatch(await page.content(), /A123456789/);
  assert.match(profile, /teacher@demo\.campus-sso\.test/);
  await shoot(page, 'account-01-profile');

  // Identities: teacher at the junior high school, parent of 王小美.
  await Promise.all([page.waitForURL('**/account/identities'), page.click(`.acct-nav a[href="/account/identities"]`)]);
  assert.equal(await heading(page), zh('account.identities.title'));
  assert.equal(await page.locator('.acct-nav a[aria-current=page]').innerText(), zh('account.identities.nav'));
  const identities = await page.locator('.acct-list').innerText();
  assert.match(identities, new RegExp(zh('role.teacher')));
  assert.match(identities, new RegExp(zh('role.parent')));
  assert.match(identities, /王小美/);
  await shoot(page, 'account-02-identities');

  // Connected apps: the demo app with what it may receive, in plain words.
  await Promise.all([page.waitForURL('**/account/apps'), page.click(`.acct-nav a[href="/account/apps"]`)]);
  assert.equal(await heading(page), zh('account.apps.title'));
  const app = page.locator('.acct-item', { hasText: '示範應用程式 Demo app' });
  await app.waitFor();
  assert.match(await app.innerText(), new RegExp(zh('consent.scope.profile').replace(/[()（）]/g, '.')));
  await shoot(page, 'account-03-apps');

  // Revoke it: gone from the list, with a notice.
  await Promise.all([page.waitForURL('**/account/apps?done=revoked'), app.locator('button.danger').click()]);
  assert.equal((await page.locator('.acct-notice').innerText()).trim(), zh('account.done.revoked'));
  assert.equal(await page.locator('.acct-item').count(), 0);
  assert.equal((await page.locator('.acct-empty').innerText()).trim(), zh('account.apps.none'));
  await shoot(page, 'account-04-apps-revoked');

  // A second browser (a phone, say) signs in to the account pages too, remembered.
  const second = await newPage(browser);
  await second.page.goto(`${server.issuer}/account`);
  await second.page.fill('#login', 'teacher');
  await second.page.fill('#password', 'Blue-Chalk-2026');
  await second.page.check('input[name=remember]');
  await second.page.click('button.primary');
  await second.page.waitForURL((url) => url.pathname === '/account');

  // Devices: this one marked and first, the other one with its sign-out button.
  await Promise.all([page.waitForURL('**/account/sessions'), page.click(`.acct-nav a[href="/account/sessions"]`)]);
  assert.equal(await page.locator('.acct-item').count(), 2);
  assert.match(await page.locator('.acct-item.current').innerText(), new RegExp(zh('account.sessions.current')));
  assert.match(await page.locator('.acct-item.current').innerText(), /Chrome · Linux/);
  await shoot(page, 'account-05-sessions');

  // Sign the other browser out: its account pages send it to the sign-in page again.
  await Promise.all([
    page.waitForURL('**/account/sessions?done=signedOut'),
    page.locator('.acct-item:not(.current) button.danger').click(),
  ]);
  assert.equal((await page.locator('.acct-notice').innerText()).trim(), zh('account.done.signedOut'));
  assert.equal(await page.locator('.acct-item').count(), 1);
  await shoot(page, 'account-05b-sessions-signed-out');
  await second.page.goto(`${server.issuer}/account/identities`);
  await second.page.locator('#password').waitFor();
  assert.equal(await heading(second.page), zh('login.title'));
  await second.context.close();

  // Recent sign-ins: the teacher's password sign-in to the demo app.
  await Promise.all([page.waitForURL('**/account/sign-ins'), page.click(`.acct-nav a[href="/account/sign-ins"]`)]);
  const rows = await page.locator('.acct-table tbody tr').allInnerTexts();
  assert.ok(
    rows.some((r) => r.includes(zh('account.signIns.success')) && r.includes('示範應用程式 Demo app')),
    rows.join('\n'),
  );
  assert.ok(
    rows.some((r) => r.includes(zh('account.signIns.success')) && r.includes('帳號管理')),
    rows.join('\n'),
  );
  // Times are written as on every other page (web/taipei-time.ts, Taipei time): 2026/12/7 17:45, not 2026/12/07 17:45.
  assert.ok(
    rows.every((r) => /\d{4}\/[1-9]\d?\/[1-9]\d?\s\d{2}:\d{2}/.test(r)),
    JSON.stringify(rows),
  );
  await shoot(page, 'account-06-sign-ins');

  // Email change: a bad address is refused next to the field and kept; a good one gets a code.
  await page.goto(`${server.issuer}/account`);
  await Promise.all([page.waitForURL('**/account/email'), page.click('a[href="/account/email"]')]);
  assert.equal(await page.getAttribute('#email', 'autocomplete'), 'email');
  await page.fill('#email', 'teacher-at-example');
  expected.add('400 /account/email');
  await Promise.all([page.waitForLoadState(), page.click('button.primary')]);
  await page.locator('.acct-error').waitFor();
  assert.equal((await page.locator('.acct-error').innerText()).trim(), zh('account.contact.invalidEmail'));
  assert.equal(await page.inputValue('#email'), 'teacher-at-example');
  await shoot(page, 'account-07-email-invalid');
  await page.fill('#email', 'wang.teacher@example.test');
  await Promise.all([page.waitForURL('**/account/email/verify'), page.click('button.primary')]);
  assert.equal(await page.getAttribute('#code', 'autocomplete'), 'one-time-code');
  assert.match(await page.locator('main').innerText(), /wang\.teacher@example\.test/);
  await shoot(page, 'account-08-email-code');

  // Mobile change form.
  await page.goto(`${server.issuer}/account/mobile`);
  assert.equal(await page.getAttribute('#mobile', 'autocomplete'), 'tel');
  assert.equal(await page.getAttribute('#mobile', 'type'), 'tel');
  await shoot(page, 'account-09-mobile');

  // Contact phone (聯絡電話), from the profile: a bad number refused at its field and kept; a good one (full-width
  // digits) saved at once, no code; then, in English, removed.
  await page.goto(`${server.issuer}/account`);
  await Promise.all([page.waitForURL('**/account/contact-phone'), page.click('#contact-phone-link')]);
  assert.equal(await heading(page), zh('account.contactPhone.addLabel'), 'none yet: 新增聯絡電話');
  assert.equal(await page.getAttribute('#contact-phone', 'type'), 'tel');
  assert.equal(await page.getAttribute('#contact-phone', 'autocomplete'), 'tel');
  assert.deepEqual(await axeViolations(page), [], 'contact phone: axe-core');
  assert.deepEqual(await focusProblems(page), [], 'contact phone: focus');
  await page.fill('#contact-phone', '02-123');
  expected.add('400 /account/contact-phone');
  await Promise.all([page.waitForLoadState(), page.click('button.primary')]);
  await page.locator('#contact-phone-error').waitFor();
  assert.equal((await page.locator('#contact-phone-error').innerText()).trim(), zh('account.contactPhone.invalid'));
  assert.equal(await page.inputValue('#contact-phone'), '02-123');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'contact-phone', 'the field, to correct');
  assert.deepEqual(await axeViolations(page), [], 'contact phone with its error: axe-core');
  await shoot(page, 'account-09b-contact-phone-invalid');
  // The mistake's page stands for the form's own (render.ts formPage): a reload asks for it, never posts the number.
  assert.equal(new URL(page.url()).pathname, '/account/contact-phone');
  const sent: string[] = [];
  const onRequest = (r: import('playwright-core').Request) => {
    if (new URL(r.url()).pathname === '/account/contact-phone') sent.push(r.method());
  };
  page.on('request', onRequest);
  await page.reload();
  page.off('request', onRequest);
  assert.deepEqual(sent, ['GET'], 'reloaded with a GET, the form not sent again');
  assert.equal(await page.locator('#contact-phone-error').count(), 0);
  await page.fill('#contact-phone', '０２－２１２３－００００');
  await Promise.all([page.waitForURL('**/account?done=contactPhone'), page.click('button.primary')]);
  assert.equal((await page.locator('.acct-notice').innerText()).trim(), zh('account.done.contactPhone'));
  assert.match(await page.locator('.acct-field#contact-phone').innerText(), /02-21230000/);
  await page.goto(`${server.issuer}/account/contact-phone`);
  assert.equal(await page.locator('button.danger').innerText(), zh('account.contactPhone.remove'));
  await shoot(page, 'account-09c-contact-phone');
  await page.goto(`${server.issuer}/account/contact-phone?lang=en`);
  assert.equal(await heading(page), en('account.contactPhone.title'));
  assert.match(await page.locator('.acct-current').innerText(), /02-21230000/);
  assert.deepEqual(await axeViolations(page), [], 'contact phone (en): axe-core');
  assert.deepEqual(await focusProblems(page), [], 'contact phone (en): focus');
  await shoot(page, 'account-09d-contact-phone-en');
  await Promise.all([page.waitForURL('**/account?done=contactPhoneRemoved'), page.click('button.danger')]);
  assert.equal((await page.locator('.acct-notice').innerText()).trim(), en('account.done.contactPhoneRemoved'));
  assert.match(await page.locator('.acct-field#contact-phone').innerText(), new RegExp(en('account.notSet')));
  await page.goto(`${server.issuer}/account?lang=zh-TW`);

  // Password change: a wrong current password and a mismatch, each shown at its field. The teacher has linked another
  // account: the form lists it and offers to unlink it too (unticked; a refused form keeps the tick).
  const teacher = await server.storage.db('persons').where({ username: 'teacher' }).first('id');
  await server.services.federatedLinks.link(
    teacher.id,
    { provider: 'other-idp', subject: 'teacher-upstream', email: 'teacher@upstream.test', emailVerified: true },
    'portal',
  );
  await Promise.all([page.waitForURL('**/account/password'), page.click(`.acct-nav a[href="/account/password"]`)]);
  assert.equal(await page.locator('#linked-accounts li').count(), 1);
  assert.equal(await page.isChecked('#remove-links'), false);
  await page.check('#remove-links');
  await page.fill('#current', 'not-my-password');
  await page.fill('#password', 'correct horse battery staple');
  await page.fill('#confirm', 'correct horse battery stable');
  expected.add('400 /account/password');
  await Promise.all([page.waitForLoadState(), page.click('button.primary')]);
  await page.locator('#current-error').waitFor();
  assert.equal((await page.locator('#current-error').innerText()).trim(), zh('account.password.wrongCurrent'));
  assert.equal((await page.locator('#confirm-error').innerText()).trim(), zh('password.field.mismatch'));
  // Listed above the form too, that list focused (read out first), the title saying so; each item leads to its field.
  assert.equal(await page.evaluate(() => document.activeElement?.matches('.mistakes[role="alert"]')), true);
  assert.ok((await page.title()).startsWith(zh('titleWithMistakes')), await page.title());
  assert.equal(await page.locator('.mistakes li').count(), 2);
  await page.locator('.mistakes a[href="#confirm"]').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'confirm');
  // On a small window a link scrolls: the field comes with its label in sight above it.
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 420 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('.mistakes a[href="#current"]').click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'current');
  const labelTop = await page.evaluate(
    () => document.querySelector('label[for="current"]')!.getBoundingClientRect().top,
  );
  assert.ok(labelTop >= 0, `the field's label in sight (${labelTop})`);
  if (size) await page.setViewportSize(size);
  assert.equal(await page.isChecked('#remove-links'), true, 'the tick is kept');
  assert.deepEqual(await axeViolations(page), [], 'password form with a linked account: axe-core');
  assert.deepEqual(await focusProblems(page), [], 'password form with a linked account: focus');
  await shoot(page, 'account-10-password-errors');

  // English, through the header link; then back.
  await page.goto(`${server.issuer}/account`);
  await Promise.all([page.waitForURL(/lang=en/), page.click('a.lang')]);
  assert.equal(await heading(page), en('account.profile.title'));
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await shoot(page, 'account-11-profile-en');
  await Promise.all([page.waitForURL(/lang=zh-TW/), page.click('a.lang')]);
  assert.equal(await heading(page), zh('account.profile.title'));

  // Sign out: at once (the button is ours), out of the provider too; then the account pages need a sign-in again.
  await Promise.all([
    page.waitForURL((url) => url.pathname.startsWith('/session/end/success')),
    page.click('.acct-signout button'),
  ]);
  assert.equal(await heading(page), zh('logout.done'));
  assert.equal(await page.getAttribute('main a.button', 'href'), '/', 'a way on from the signed-out page');
  await shoot(page, 'account-13-signed-out');
  await page.goto(`${server.issuer}/account`);
  await page.locator('#password').waitFor();
  assert.equal(await heading(page), zh('login.title'));

  assert.deepEqual(problems, []);
});
