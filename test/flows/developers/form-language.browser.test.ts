// The application form's language link after a mistake, in Chromium: the page answering a refused form stands for
// GET …?typed=<token> (the form kept as typed, for its developer), so the language link, reload and Back draw the same
// form with what was typed and the same messages in the page's language, and never send it again; nothing typed is
// in the address. A new application's form and an edit form; each page checked with axe and photographed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { pageChecks } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, watchedPage } from '../../helpers/browser.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const SCHOOL = `1${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
let server: TestServer;
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  await upsertSchool(server.storage.db, { code: SCHOOL, name: '語言測試國中', level: 'junior' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const checked = pageChecks('developers-language');
const PURPOSE = '導師發班級通知，家長在手機上看。'.repeat(12);
const BAD_LINE = 'notes.example.edu.tw/沒有協定';

async function switchLanguage(page: Page, lang: 'en' | 'zh-TW') {
  await page.click('header a.lang');
  await page.locator(`html[lang="${lang}"]`).waitFor();
}

test('after a mistake the language link, reload and Back keep what was typed and its messages, sending nothing again', {
  skip: browserSkip,
}, async () => {
  const teacher = await personWith(server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'devlang');
  const { page, problems } = await watchedPage(browser, {
    // A refused form is answered 400, as it should be.
    allow: (status, path) => status === 400 && /^\/developers\/apps\/(new|[^/]+\/edit)$/.test(path),
  });
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
  });
  await page.goto(`${server.issuer}/developers`);
  await page.locator('#login').waitFor();
  await page.fill('#login', teacher.email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button.primary');
  await page.locator('#no-orgs').waitFor();
  await page.fill('#org-name', `語言資訊組 ${SCHOOL}`);
  await page.click('#org-form button[type=submit]');
  await page.locator('#members').waitFor();
  await page.click('a[href^="/developers/apps/new"]');

  // Sent with a name, a long purpose, one good and one bad address, and no kind.
  await page.locator('#application-form').waitFor();
  await page.fill('#app_name', '語言切換聯絡簿');
  await page.fill('#purpose', PURPOSE);
  await page.fill('#redirect_uris', `https://notes.example.edu.tw/callback\n${BAD_LINE}`);
  await page.check('#scope-profile');
  await page.click('#application-form button[type=submit]');
  await page.locator('#form-errors').waitFor();
  const kindZh = await page.locator('#kind-error').innerText();
  const uriZh = await page.locator('#redirect_uris-error').innerText();
  assert.match(uriZh, /第 2 行/);
  const sent = posts.length;

  const kept = async (lang: 'en' | 'zh-TW') => {
    assert.equal(await page.inputValue('#app_name'), '語言切換聯絡簿');
    assert.equal(await page.inputValue('#purpose'), PURPOSE);
    assert.equal(await page.inputValue('#redirect_uris'), `https://notes.example.edu.tw/callback\n${BAD_LINE}`);
    assert.ok(await page.isChecked('#scope-profile'));
    assert.ok(await page.locator('#form-errors').isVisible());
    const kind = await page.locator('#kind-error').innerText();
    const uri = await page.locator('#redirect_uris-error').innerText();
    if (lang === 'en') {
      assert.notEqual(kind, kindZh);
      assert.doesNotMatch(kind, /[\u4e00-\u9fff]/, 'the message in English');
      assert.match(uri, /line 2/i);
    } else {
      assert.equal(kind, kindZh);
      assert.equal(uri, uriZh);
    }
    // Nothing typed is in the address: only the organisation and the kept form's token.
    const url = new URL(page.url());
    assert.equal(url.pathname, '/developers/apps/new');
    assert.deepEqual([...url.searchParams.keys()].filter((k) => k !== 'lang').sort(), ['org', 'typed']);
    assert.doesNotMatch(decodeURIComponent(page.url()), /語言切換|沒有協定|導師/);
    assert.equal(posts.length, sent, 'nothing sent again');
    // The title says first that there are mistakes (a screen reader hears it at once).
    assert.match(await page.title(), lang === 'en' ? /^Error: / : /^錯誤：/);
  };

  await switchLanguage(page, 'en');
  await kept('en');
  await checked(page, '01-new-errors-en', problems);
  await page.reload();
  await page.locator('#form-errors').waitFor();
  await kept('en');
  await switchLanguage(page, 'zh-TW');
  await kept('zh-TW');
  await page.goBack();
  await page.locator('#form-errors').waitFor();
  await kept('en');
  await page.goForward();
  await page.locator('#form-errors').waitFor();
  await kept('zh-TW');
  await checked(page, '02-new-errors-zh', problems);

  // Corrected and sent from the page drawn again: one application.
  await page.check('#kind-web');
  await page.fill('#redirect_uris', 'https://notes.example.edu.tw/callback');
  await page.fill('#homepage_url', 'https://notes.example.edu.tw/');
  await page.fill('#privacy_url', 'https://notes.example.edu.tw/privacy');
  await page.click('#application-form button[type=submit]');
  await page.locator('#done').waitFor();
  const appPath = new URL(page.url()).pathname;
  const [made] = await server.storage.db('client_applications').where({ id: appPath.split('/').pop() });
  assert.ok(made, 'the application is made');

  // An edit refused: its language link keeps the address typed, the message in English.
  await page.goto(`${server.issuer}${appPath}/edit`);
  await page.fill('#homepage_url', 'ftp://notes.example.edu.tw/首頁');
  await page.fill('#purpose', '改過的用途');
  await page.click('#application-form button[type=submit]');
  await page.locator('#homepage_url-error').waitFor();
  const homeZh = await page.locator('#homepage_url-error').innerText();
  const editSent = posts.length;
  await switchLanguage(page, 'en');
  assert.equal(await page.inputValue('#homepage_url'), 'ftp://notes.example.edu.tw/首頁');
  assert.equal(await page.inputValue('#purpose'), '改過的用途');
  const homeEn = await page.locator('#homepage_url-error').innerText();
  assert.notEqual(homeEn, homeZh);
  assert.doesNotMatch(homeEn, /[\u4e00-\u9fff]/);
  assert.equal(new URL(page.url()).pathname, `${appPath}/edit`);
  assert.doesNotMatch(decodeURIComponent(page.url()), /ftp|改過/);
  assert.equal(posts.length, editSent, 'nothing sent again');
  await checked(page, '03-edit-errors-en', problems);
  // Saved from the page drawn again (its version the form's): the application changes.
  await page.fill('#homepage_url', 'https://notes.example.edu.tw/home');
  await page.click('#application-form button[type=submit]');
  await page.locator('#done').waitFor();
});

test('a refused organisation name or member login: at its field; the language link, reload and Back keep it', {
  skip: browserSkip,
}, async () => {
  const teacher = await personWith(server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'devorg');
  const { page, problems } = await watchedPage(browser, {
    // A refused form is answered 400, as it should be.
    allow: (status, path) => status === 400 && /^\/developers(\/organisations(\/[^/]+\/members)?)?$/.test(path),
  });
  const asked: string[] = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/developers')) asked.push(`${res.request().method()} ${res.status()}`);
  });
  await page.goto(`${server.issuer}/developers`);
  await page.locator('#login').waitFor();
  await page.fill('#login', teacher.email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button.primary');
  await page.locator('#no-orgs').waitFor();

  // Its organisation, then the same name again: taken, said at the field; the page in English keeps it.
  const name = `語言組 ${SCHOOL} ${crypto.randomBytes(2).toString('hex')}`;
  await page.fill('#org-name', name);
  await page.click('#org-form button[type=submit]');
  await page.locator('#members').waitFor();
  const orgPath = new URL(page.url()).pathname;
  await page.goto(`${server.issuer}/developers`);
  await page.fill('#org-name', name);
  asked.length = 0;
  await page.click('#org-form button[type=submit]');
  await page.locator('#org-name-error').waitFor();
  assert.deepEqual(asked, ['POST 400']);
  const zhTaken = await page.locator('#org-name-error').innerText();
  await switchLanguage(page, 'en');
  assert.equal(await page.inputValue('#org-name'), name);
  const enTaken = await page.locator('#org-name-error').innerText();
  assert.notEqual(enTaken, zhTaken);
  assert.doesNotMatch(enTaken, /[\u4e00-\u9fff]/);
  assert.equal(new URL(page.url()).pathname, '/developers');
  assert.ok(!decodeURIComponent(page.url()).includes('語言組'), 'the name is not in the address');
  await checked(page, '04-org-name-en', problems);
  asked.length = 0;
  await page.goBack();
  await page.locator('#org-name-error').waitFor();
  assert.deepEqual(asked, ['GET 200'], 'Back asks for the page, sending nothing again');
  assert.equal(await page.inputValue('#org-name'), name);
  await switchLanguage(page, 'zh-TW');
  await page.goto(`${server.issuer}${orgPath}`);

  // A login nobody has: at the member field, kept in the other language and over a reload.
  await page.fill('#member-login', 'nobody-at-all');
  asked.length = 0;
  await page.click('#member-form button[type=submit]');
  await page.locator('#member-error').waitFor();
  assert.deepEqual(asked, ['POST 400']);
  const zhNobody = await page.locator('#member-error').innerText();
  // Said at the field: right after the field's hint, inside the form.
  assert.equal(await page.locator('#member-form #member-error').count(), 1);
  await switchLanguage(page, 'en');
  assert.equal(new URL(page.url()).pathname, orgPath, 'the organisation page, not the portal start');
  assert.equal(await page.inputValue('#member-login'), 'nobody-at-all');
  const enNobody = await page.locator('#member-form #member-error').innerText();
  assert.match(await page.title(), /^Error: /);
  assert.notEqual(enNobody, zhNobody);
  assert.ok(!page.url().includes('nobody'), 'the login is not in the address');
  asked.length = 0;
  await page.reload();
  await page.locator('#member-error').waitFor();
  assert.deepEqual(asked, ['GET 200'], 'the reload asks for the page, sending nothing again');
  assert.equal(await page.inputValue('#member-login'), 'nobody-at-all');
  await checked(page, '05-member-login-en', problems);
});
