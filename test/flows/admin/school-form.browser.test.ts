// The console's school pages after a mistake, in Chromium: a refused school (added or edited) or a refused login is
// answered at its field (400) on a page that stands for GET …?typed=<token>, the form kept as typed for its
// administrator: reload and Back ask for that page (no form sent again) and show the same values and messages, and the
// language link shows them in the other language. Nothing typed is in the address. Checked with axe, photographed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { pageChecks } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, watchedPage } from '../../helpers/browser.ts';
import { typeSetupCode } from '../../helpers/second-factor.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
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

const checked = pageChecks('admin-school-form');

async function switchLanguage(page: Page, lang: 'en' | 'zh-TW') {
  await page.click('header a.lang');
  await page.locator(`html[lang="${lang}"]`).waitFor();
}

/** The address shows the page and the kept form's token, nothing typed. */
function onlyToken(page: Page, path: string, typed: string[]) {
  const url = new URL(page.url());
  assert.equal(url.pathname, path);
  assert.deepEqual(
    [...url.searchParams.keys()].filter((k) => k !== 'lang'),
    ['typed'],
  );
  for (const text of typed) assert.ok(!decodeURIComponent(page.url()).includes(text), `${text} is not in the address`);
}

test('a school refused (added, edited) or a login refused: reload, Back and the language link keep what was typed', {
  skip: browserSkip,
}, async () => {
  const admin = await personWith(server, [{ role: 'bureau_admin' }], 'bureauform');
  const tag = crypto.randomBytes(3).toString('hex');
  const code = `3${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
  const name = `表單測試國民小學${tag}`;
  const { page, problems } = await watchedPage(browser, {
    // A refused form is answered 400, as it should be.
    allow: (status, path) => status === 400 && /^\/admin\/schools\/(new|\d+|\d+\/admins)$/.test(path),
  });
  // Every answer the browser gets from the school pages, by method: reload, Back and the language link ask with GET.
  const asked: string[] = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/admin/schools'))
      asked.push(`${res.request().method()} ${res.status()}`);
  });
  await page.goto(`${server.issuer}/admin/schools/new`);
  await page.locator('#login').waitFor();
  await page.fill('#login', admin.email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button.primary');
  await typeSetupCode(page, server.issuer);
  await page.locator('#totp-qr').waitFor();
  const secret = (await page.locator('#totp-secret').innerText()).replaceAll(' ', '');
  await page.fill('#code', await generate({ secret }));
  await page.click('form[action$="/second-factor"] button[type=submit]');
  await page.locator('#school-form').waitFor();

  // A new school with a wrong code.
  await page.fill('#code', '12');
  await page.fill('#name', name);
  await page.selectOption('#level', 'elementary');
  await page.fill('#district', '臺北市大安區');
  asked.length = 0;
  await page.click('#school-form button.primary');
  await page.locator('#code-error').waitFor();
  assert.deepEqual(asked, ['POST 400']);
  const keptNew = async (t: typeof zh) => {
    assert.equal(await page.locator('#code-error').innerText(), t('admin.schools.errors.codeFormat'));
    assert.equal(await page.inputValue('#code'), '12');
    assert.equal(await page.inputValue('#name'), name);
    assert.equal(await page.inputValue('#level'), 'elementary');
    assert.equal(await page.inputValue('#district'), '臺北市大安區');
    onlyToken(page, '/admin/schools/new', [name, '大安']);
    // The title says first that there are mistakes (a screen reader hears it at once).
    assert.ok((await page.title()).startsWith(t('titleWithMistakes')), await page.title());
  };
  await keptNew(zh);
  asked.length = 0;
  await page.reload();
  await page.locator('#code-error').waitFor();
  assert.deepEqual(asked, ['GET 200'], 'the reload asks for the page, sending nothing again');
  await keptNew(zh);
  asked.length = 0;
  await switchLanguage(page, 'en');
  assert.deepEqual(asked, ['GET 200']);
  await keptNew(en);
  await checked(page, '01-new-error-en', problems);
  asked.length = 0;
  await page.goBack();
  await page.locator('#code-error').waitFor();
  assert.deepEqual(asked, ['GET 200'], 'Back asks for the page, sending nothing again');
  // In the language chosen last (kept in its cookie).
  await keptNew(en);
  await switchLanguage(page, 'zh-TW');
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-TW');
  await page.fill('#code', code);
  await page.click('#school-form button.primary');
  await page.waitForURL(new RegExp(`/admin/schools/${code}\\?added=1$`));
  assert.ok(!(await page.title()).startsWith(zh('titleWithMistakes')), 'no mistakes now');
  // The notice is said once: the page in the other language is the school as it is.
  await switchLanguage(page, 'en');
  assert.equal(await page.locator('#school-notice').count(), 0);
  await switchLanguage(page, 'zh-TW');

  // The school edited: its name emptied, its district changed.
  await page.fill('#name', '');
  await page.fill('#district', '臺北市信義區');
  asked.length = 0;
  await page.click('#school-form button.primary');
  await page.locator('#name-error').waitFor();
  assert.deepEqual(asked, ['POST 400']);
  const keptEdit = async (t: typeof zh) => {
    assert.equal(await page.locator('#name-error').innerText(), t('admin.schools.errors.nameRequired'));
    assert.equal(await page.inputValue('#name'), '');
    assert.equal(await page.inputValue('#district'), '臺北市信義區');
    onlyToken(page, `/admin/schools/${code}`, ['信義']);
  };
  await keptEdit(zh);
  asked.length = 0;
  await page.reload();
  await page.locator('#name-error').waitFor();
  assert.deepEqual(asked, ['GET 200'], 'the reload asks for the page, sending nothing again');
  await keptEdit(zh);
  await switchLanguage(page, 'en');
  await keptEdit(en);
  await checked(page, '02-edit-error-en', problems);
  // Saved from the page drawn again (the version it was loaded with): the school changes.
  await page.fill('#name', `${name}（改）`);
  await page.click('#school-form button.primary');
  await page.waitForURL(new RegExp(`/admin/schools/${code}\\?saved=1$`));
  const [saved] = await server.storage.db('schools').where({ code });
  assert.equal(saved.name, `${name}（改）`);
  assert.equal(saved.district, '臺北市信義區');

  // A login nobody has: the message at the field, what was typed kept, in either language.
  const nobody = `nobody-${tag}@example.org`;
  await page.fill('#login', nobody);
  asked.length = 0;
  await page.click('#grant-form button.primary');
  await page.locator('#login-error').waitFor();
  assert.deepEqual(asked, ['POST 400']);
  assert.equal(await page.locator('#login-error').innerText(), en('admin.schools.admins.errors.noSuchPerson'));
  await switchLanguage(page, 'zh-TW');
  assert.equal(await page.locator('#login-error').innerText(), zh('admin.schools.admins.errors.noSuchPerson'));
  assert.equal(await page.inputValue('#login'), nobody);
  onlyToken(page, `/admin/schools/${code}`, [nobody, 'nobody']);
  asked.length = 0;
  await page.reload();
  await page.locator('#login-error').waitFor();
  assert.deepEqual(asked, ['GET 200']);
  assert.equal(await page.inputValue('#login'), nobody);
  await checked(page, '03-login-error-zh', problems);
});
