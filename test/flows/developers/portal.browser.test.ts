// The developer portal and the bureau's review in Chromium (issue 15): a teacher opens /developers, signs in, forms an
// organisation, sends the application form empty (every problem listed, at its field), fills it in and sends it; a
// bureau administrator signs in to /admin with a second factor and asks for changes; the teacher reads the note and
// changes it; the bureau approves; the teacher sees the secret once and the quick-start page, gets a new secret and
// disables the app. Each page is checked with axe-core and photographed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { pageChecks } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, watchedPage } from '../../helpers/browser.ts';
import { typeSetupCode } from '../../helpers/second-factor.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const SCHOOL = `1${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
let server: TestServer;
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  await upsertSchool(server.storage.db, { code: SCHOOL, name: '瀏覽器測試國中', level: 'junior' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const checked = pageChecks('developers');

async function signIn(page: Page, email: string) {
  await page.locator('#login').waitFor();
  await page.fill('#login', email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button.primary');
}

test('a teacher applies for an app, changes it as the bureau asks, gets its secret once, a new one, and disables it', {
  skip: browserSkip,
}, async () => {
  const teacher = await personWith(server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'devb');
  const { context, page, problems } = await watchedPage(browser, {
    // The empty form is answered 400, as it should be.
    allow: (status, path) => status === 400 && /^\/developers\/apps\/new$/.test(path),
  });
  await page.goto(`${server.issuer}/developers`);
  await signIn(page, teacher.email);
  await page.locator('#no-orgs').waitFor();
  await checked(page, '01-home', problems);

  await page.fill('#org-name', `瀏覽器資訊組 ${SCHOOL}`);
  // A second submission while the first is on its way (a double click) is not sent; one the person check (or any
  // script) stopped does not count.
  const guarded = await page.evaluate(async () => {
    const form = document.querySelector('#org-form')!;
    const submit = () => {
      const event = new Event('submit', { cancelable: true });
      form.dispatchEvent(event);
      return event.defaultPrevented;
    };
    const stopped = new Event('submit', { cancelable: true });
    stopped.preventDefault();
    form.dispatchEvent(stopped);
    await new Promise((r) => setTimeout(r, 10));
    const first = submit();
    await new Promise((r) => setTimeout(r, 10));
    const second = submit();
    delete (form as HTMLFormElement).dataset.sentAt;
    return { first, second };
  });
  assert.deepEqual(guarded, { first: false, second: true });
  await page.dblclick('#org-form button[type=submit]');
  await page.locator('#members').waitFor();
  assert.equal(
    (await server.storage.db('dev_organisations').whereRaw('lower(name) = lower(?)', [`瀏覽器資訊組 ${SCHOOL}`]))
      .length,
    1,
  );
  await checked(page, '02-organisation', problems);
  await page.click('a[href^="/developers/apps/new"]');

  // Sent empty: each problem listed and at its field.
  await page.locator('#application-form').waitFor();
  await page.fill('#contact_email', '');
  await page.click('#application-form button[type=submit]');
  await page.locator('#form-errors').waitFor();
  assert.ok(await page.locator('#app_name-error').isVisible());
  assert.ok(await page.locator('#kind-error').isVisible());
  await checked(page, '03-form-errors', problems);

  await page.fill('#app_name', '瀏覽器聯絡簿');
  await page.fill('#purpose', '老師和家長看班級通知。');
  await page.fill('#homepage_url', 'https://notes.example.edu.tw/');
  await page.fill('#privacy_url', 'https://notes.example.edu.tw/privacy');
  await page.fill('#contact_email', 'devb@example.org');
  await page.check('#kind-web');
  await page.fill('#redirect_uris', 'https://notes.example.edu.tw/callback');
  await page.check('#scope-profile');
  const before = (await server.storage.db('client_applications')).length;
  await page.dblclick('#application-form button[type=submit]');
  await page.locator('#done').waitFor();
  assert.equal((await server.storage.db('client_applications')).length, before + 1, 'one application, not two');
  await checked(page, '04-submitted', problems);
  const appUrl = page.url().replace(/\?.*$/, '');

  // The bureau approves it, signed in with a second factor.
  const bureau = await personWith(server, [{ role: 'bureau_admin' }], 'bureaub');
  const admin = await watchedPage(browser);
  await admin.page.goto(`${server.issuer}/admin/applications`);
  await signIn(admin.page, bureau.email);
  await typeSetupCode(admin.page, server.issuer);
  await admin.page.locator('#totp-secret').waitFor();
  const secret = (await admin.page.locator('#totp-secret').innerText()).replaceAll(' ', '');
  await admin.page.fill('#code', await generate({ secret }));
  await admin.page.click('form[action$="/second-factor"] button[type=submit]');
  await admin.page.locator('#applications').waitFor();
  await checked(admin.page, '05-admin-queue', admin.problems);
  // This application (a database shared with earlier runs may hold others in the queue).
  await admin.page.click(`#applications a[href="/admin/applications/${appUrl.split('/').pop()}"]`);
  await admin.page.locator('#decide-form').waitFor();
  await checked(admin.page, '06-admin-review', admin.problems);
  const reviewUrl = admin.page.url();
  await admin.page.check('#decision-changes');
  await admin.page.fill('#note', '請把用途寫得更清楚。');
  await admin.page.click('#decide-form button[type=submit]');
  await admin.page.locator('#decided').waitFor();

  // The developer reads the note and changes the application.
  await page.goto(appUrl);
  await page.locator('#bureau-note').waitFor();
  assert.match(await page.locator('#bureau-note').innerText(), /請把用途寫得更清楚/);
  await checked(page, '05-changes-requested', problems);
  await page.click(`a[href="${new URL(appUrl).pathname}/edit"]`);
  await page.fill('#purpose', '導師發班級通知，家長在手機上看。');
  await page.click('#application-form button[type=submit]');
  await page.locator('#done').waitFor();
  // Sent again: waiting for review, the note it answered labelled as the earlier one (no longer as current).
  await page.goto(appUrl);
  await page.locator('#review-waiting').waitFor();
  assert.equal(await page.locator('#app-status').innerText(), '等待審核');
  assert.equal(await page.locator('#bureau-note').count(), 0);
  assert.match(await page.locator('#earlier-note').innerText(), /教育局先前的說明[\s\S]*請把用途寫得更清楚/);
  await checked(page, '05-resubmitted', problems);

  // Approved.
  await admin.page.goto(reviewUrl);
  await admin.page.check('#decision-approve');
  await admin.page.click('#decide-form button[type=submit]');
  await admin.page.locator('#decided').waitFor();
  await admin.context.close();

  // The secret, once; the quick-start page.
  await page.goto(appUrl);
  await page.click('#reveal-form button');
  await page.locator('#client-secret').waitFor();
  assert.ok((await page.locator('#client-secret').innerText()).length >= 40);
  await checked(page, '07-secret', problems);
  await page.goto(appUrl);
  assert.equal(await page.locator('#client-secret').count(), 0, 'not shown again');
  await page.goto(`${appUrl}/quick-start`);
  await page.locator('#discovery').waitFor();
  await checked(page, '08-quick-start', problems);

  // A new secret, the old one kept for a day; then the app disabled.
  await page.goto(appUrl);
  await page.selectOption('#grace', '86400');
  await page.click('#rotate-form button[type=submit]');
  await page.locator('#client-secret').waitFor();
  await checked(page, '09-rotated', problems);
  await page.check('#disable-confirm');
  await page.click('#disable-form button[type=submit]');
  await page.locator('#done').waitFor();
  assert.equal(await page.locator('#app-status').innerText(), '已停用');
  await checked(page, '10-disabled', problems);
  await context.close();
});
