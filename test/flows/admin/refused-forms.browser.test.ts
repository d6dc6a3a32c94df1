// The console's other forms after a mistake, in Chromium, as school-form.browser.test.ts has it for a school's pages: a
// refused decision on an application, refused settings of an app and a person's refused actions are answered on a
// page that stands for GET …?typed=<token>, what was typed (a note, the boxes ticked, the schools, a reason) kept for
// its administrator: the language link shows the same page, values and messages in the other language (it led to
// /admin, or lost what was typed), and reload and Back ask for that page instead of sending the form again. Nothing
// typed is in the address. The audit log's hint for its Who filter is words for a person. Checked with axe, photographed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { storedDetails } from '../../../src/domain/developers/details.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { pageChecks } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, watchedPage } from '../../helpers/browser.ts';
import { APPLICATION_FIELDS } from '../../helpers/developers.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
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

const checked = pageChecks('admin-refused-forms');

async function switchLanguage(page: Page, lang: 'en' | 'zh-TW') {
  await page.click('header a.lang');
  await page.locator(`html[lang="${lang}"]`).waitFor();
}

/** The page's language's words. */
const wordsOf = async (page: Page) => ((await page.locator('html').getAttribute('lang')) === 'en' ? en : zh);
/** The language link, to whichever language the page is not in. */
const otherLanguage = async (page: Page) => switchLanguage(page, (await wordsOf(page)) === en ? 'zh-TW' : 'en');

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

/** An application asking for national IDs, of an organisation of its own, waiting for review; its id. */
async function waiting(tag: string): Promise<string> {
  const developer = await personWith(server, [{ role: 'teacher' }], 'dev');
  const org = await server.services.developers.organisations.create(`表單測試 ${tag}`, developer.personId);
  const details = storedDetails({
    ...APPLICATION_FIELDS,
    app_name: `成績查詢 ${tag}`,
    redirect_uris: [`https://grades-${tag}.example.edu.tw/callback`],
    scopes: ['profile', 'email', 'idno'],
    scope_reasons: { idno: '核對學生成績單上的身分證號。' },
  });
  assert.ok(details, 'the details are an application');
  const id = crypto.randomUUID();
  await server.storage.db('client_applications').insert({
    id,
    org_id: org,
    status: 'submitted',
    details: JSON.stringify(details),
    submitted_by: developer.personId,
  });
  return id;
}

test('a refused decision, refused app settings and refused actions on a person: the language link, reload and Back keep what was typed', {
  skip: browserSkip,
}, async () => {
  const admin = await personWith(server, [{ role: 'bureau_admin' }], 'bureaurefused');
  const tag = crypto.randomBytes(3).toString('hex');
  const appId = await waiting(tag);
  const personId = await server.services.enrolment.createActive({
    person: {
      email: `refused-${tag}@example.org`,
      emailVerified: true,
      name: `林表單${tag}`,
      passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
      nationalId: sealNationalId(server.storage.keyring, randomNationalId()),
    },
    audit: { action: 'person.created' },
    identities: [{ role: 'parent', source: 'self' }],
  });
  const { page, problems } = await watchedPage(browser, {
    // A refused form is answered 400, as it should be.
    allow: (status, path) =>
      status === 400 &&
      /^\/admin\/applications\/[\w-]+\/decide$|^\/admin\/clients\/[\w.-]+\/settings$|^\/admin\/people\/[\w-]+\/(reveal|lock)$/.test(
        path,
      ),
  });
  // Every answer the browser gets from the console's pages, by method: reload, Back and the language link ask with GET.
  const asked: string[] = [];
  page.on('response', (res) => {
    const path = new URL(res.url()).pathname;
    if (/^\/admin\/(applications|clients|people)\//.test(path)) asked.push(`${res.request().method()} ${res.status()}`);
  });
  await page.goto(`${server.issuer}/admin/applications/${appId}`);
  await page.locator('#login').waitFor();
  await page.fill('#login', admin.email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button.primary');
  await typeSetupCode(page, server.issuer);
  await page.locator('#totp-qr').waitFor();
  const secret = (await page.locator('#totp-secret').innerText()).replaceAll(' ', '');
  await page.fill('#code', await generate({ secret }));
  await page.click('form[action$="/second-factor"] button[type=submit]');
  await page.locator('#decide-form').waitFor();

  // 1. The decision: a note and the bureau's settings, but no decision chosen.
  const note = `請補上資料保存期限 ${tag}`;
  await page.fill('#note', note);
  await page.check('#first_party');
  await page.check('#may_request_idno');
  await page.check('#permission-sis');
  asked.length = 0;
  await page.click('#decide-form button.primary');
  await page.locator('#decide-error').waitFor();
  assert.deepEqual(asked, ['POST 400']);
  const keptDecision = async (t: typeof zh) => {
    assert.equal(await page.locator('#decide-error').innerText(), t('admin.applications.chooseDecision'));
    assert.equal(await page.inputValue('#note'), note);
    assert.ok(await page.isChecked('#first_party'));
    assert.ok(await page.isChecked('#may_request_idno'), 'the national ID box stays ticked');
    assert.ok(await page.isChecked('#permission-sis'));
    onlyToken(page, `/admin/applications/${appId}`, [note, tag]);
    assert.ok((await page.title()).startsWith(t('titleWithMistakes')), await page.title());
  };
  await keptDecision(zh);
  asked.length = 0;
  await switchLanguage(page, 'en');
  assert.deepEqual(asked, ['GET 200'], 'the language link asks for the page, sending nothing again');
  await keptDecision(en);
  await checked(page, '01-decision-en', problems);
  asked.length = 0;
  await page.reload();
  await page.locator('#decide-error').waitFor();
  assert.deepEqual(asked, ['GET 200'], 'the reload asks for the page, sending nothing again');
  await keptDecision(en);
  await switchLanguage(page, 'zh-TW');
  await keptDecision(zh);
  asked.length = 0;
  await page.goBack();
  await page.locator('#decide-error').waitFor();
  assert.deepEqual(asked, ['GET 200'], 'Back asks for the page, sending nothing again');
  await keptDecision(await wordsOf(page));
  // Approved from the page drawn again: the settings ticked are the app's.
  await page.check('#decision-approve');
  await page.click('#decide-form button.primary');
  await page.waitForURL(new RegExp(`/admin/applications/${appId}\\?decided=1$`));
  const app = await server.services.developers.applications.get(appId);
  assert.ok(app?.clientId);
  const clientId = app.clientId;
  assert.deepEqual(await server.services.developers.applications.bureauSettings(clientId), {
    firstParty: true,
    mayRequestIdno: true,
    permissions: ['sis'],
  });
  // The notice is said once: the page in the other language is the application as it is.
  await otherLanguage(page);
  assert.equal(new URL(page.url()).pathname, `/admin/applications/${appId}`);
  assert.equal(await page.locator('#decided').count(), 0);

  // 2. The app's settings: the roster API for a school that does not exist.
  await page.goto(`${server.issuer}/admin/clients/${clientId}`);
  await page.locator('#settings-form').waitFor();
  await page.uncheck('#first_party');
  await page.check('#roster');
  await page.fill('#schools', '999999');
  asked.length = 0;
  await page.click('#settings-form button.primary');
  await page.locator('#settings-error').waitFor();
  assert.deepEqual(asked, ['POST 400']);
  const keptSettings = async (t: typeof zh) => {
    const reason = t('admin.clients.refusals.unknownSchool', { school: '999999' });
    assert.equal(await page.locator('#settings-error').innerText(), t('admin.clients.refused', { reason }));
    assert.equal(await page.inputValue('#schools'), '999999');
    assert.equal(await page.getAttribute('#schools', 'aria-invalid'), 'true');
    assert.ok(!(await page.isChecked('#first_party')), 'the box unticked stays unticked');
    assert.ok(await page.isChecked('#roster'));
    assert.ok(await page.isChecked('#sis'));
    onlyToken(page, `/admin/clients/${clientId}`, ['999999']);
  };
  await keptSettings(await wordsOf(page));
  asked.length = 0;
  await otherLanguage(page);
  assert.deepEqual(asked, ['GET 200']);
  await keptSettings(await wordsOf(page));
  await checked(page, '02-settings', problems);
  asked.length = 0;
  await page.reload();
  await page.locator('#settings-error').waitFor();
  assert.deepEqual(asked, ['GET 200']);
  await keptSettings(await wordsOf(page));
  // Nothing was saved by the refusal.
  assert.equal((await server.services.developers.applications.bureauSettings(clientId)).firstParty, true);

  // 3. A person: the whole national ID without a reason, then a lock with a reason too long.
  await page.goto(`${server.issuer}/admin/people/${personId}`);
  await page.locator('#reveal-form').waitFor();
  asked.length = 0;
  await page.click('#reveal-form button[type=submit]');
  await page.locator('#reason-error').waitFor();
  assert.deepEqual(asked, ['POST 400']);
  assert.equal(
    await page.locator('#reason-error').innerText(),
    (await wordsOf(page))('admin.people.errors.reasonRequired'),
  );
  await otherLanguage(page);
  assert.equal(
    await page.locator('#reason-error').innerText(),
    (await wordsOf(page))('admin.people.errors.reasonRequired'),
  );
  onlyToken(page, `/admin/people/${personId}`, []);
  const lockReason = `帳號疑似被盜用${tag}`.padEnd(201, '。');
  // Typed past the field's limit (another browser, a pasted text the page did not cut).
  await page.locator('#lock-reason').evaluate((el, v) => {
    (el as HTMLInputElement).value = v;
  }, lockReason);
  asked.length = 0;
  await page.click('#lock-form button[type=submit]');
  await page.locator('#lock-reason-error').waitFor();
  assert.deepEqual(asked, ['POST 400']);
  const keptLock = async (t: typeof zh) => {
    assert.equal(await page.locator('#lock-reason-error').innerText(), t('admin.people.errors.reasonTooLong'));
    assert.equal(await page.inputValue('#lock-reason'), lockReason);
    onlyToken(page, `/admin/people/${personId}`, [tag]);
  };
  await keptLock(await wordsOf(page));
  asked.length = 0;
  await otherLanguage(page);
  assert.deepEqual(asked, ['GET 200']);
  await keptLock(await wordsOf(page));
  await checked(page, '03-person-lock', problems);
  asked.length = 0;
  await page.reload();
  await page.locator('#lock-reason-error').waitFor();
  assert.deepEqual(asked, ['GET 200']);
  await keptLock(await wordsOf(page));
  const [row] = await server.storage.db('persons').where({ id: personId }).select('status');
  assert.equal(row.status, 'active', 'nothing locked');

  // 4. The audit log's Who filter says what to type in words a clerk knows.
  await page.goto(`${server.issuer}/admin/audit?lang=en`);
  const hint = await page.locator('#actor-hint').innerText();
  assert.ok(!/for example cli$/.test(hint), hint);
  assert.match(hint, /login name or email/);
  await switchLanguage(page, 'zh-TW');
  assert.match(await page.locator('#actor-hint').innerText(), /登入帳號或 Email/);
  await checked(page, '04-audit-zh', problems);
});
