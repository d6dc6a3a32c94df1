// The account pages in a real browser as someone with only what a binding left them (a parent with an email, no
// mobile, no contact phone) meets them, at a phone's width and a desktop's, in both languages: the profile offers 新增 /
// Add where a row is empty (named as it shows: axe-core clean), the page it leads to adds; and every refused form (an
// email, a mobile number, a wrong code, a wrong current password) stands for its own page, so a reload asks for that
// page (GET) and never sends the form again — no second code, no try used up, no password sent twice.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations, focusProblems } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, DESKTOP, launchBrowser, PHONE, shoot, watchedPage } from '../../helpers/browser.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
/** Form answers that are meant to be refused. */
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

/** Reloads the page; returns the methods of the requests for `path` that the reload made. */
async function reloadSends(path: string): Promise<string[]> {
  const sent: string[] = [];
  const onRequest = (r: Request) => {
    if (new URL(r.url()).pathname === path) sent.push(r.method());
  };
  page.on('request', onRequest);
  await page.reload();
  page.off('request', onRequest);
  return sent;
}

/** Sends the page's form with its primary button and waits for the answer's page. */
async function submit() {
  await Promise.all([page.waitForLoadState(), page.waitForEvent('framenavigated'), page.click('button.primary')]);
}

test('the account pages for someone with an email only: 新增 where a row is empty, refused forms never sent twice', {
  skip: browserSkip,
}, async () => {
  // One's own parent (tests share a database): an email, no mobile, no contact phone.
  const parent = await personWith(server, [{ schoolCode: '353604', role: 'parent' }], 'grandma');
  await page.goto(`${server.issuer}/account`);
  await page.fill('#login', parent.email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button.primary');
  await page.waitForURL((url) => url.pathname === '/account');

  // The profile, both languages, at a phone's width and a desktop's: no mobile, no contact phone — each offers 新增.
  for (const [lang, tr] of [
    ['zh-TW', zh],
    ['en', en],
  ] as const) {
    await page.goto(`${server.issuer}/account?lang=${lang}`);
    for (const size of [PHONE, DESKTOP]) {
      await page.setViewportSize({ ...size });
      const mobile = page.locator('#mobile-link');
      assert.equal((await mobile.innerText()).trim(), tr('account.add'), `mobile: add (${lang}, ${size.width})`);
      assert.equal(await mobile.getAttribute('aria-label'), tr('account.contact.mobile.addTitle'));
      assert.equal((await page.locator('#email-link').innerText()).trim(), tr('account.change'), 'an email: change');
      assert.equal((await page.locator('#contact-phone-link').innerText()).trim(), tr('account.add'));
      assert.deepEqual(await axeViolations(page), [], `profile (${lang}, ${size.width} px): axe-core`);
    }
    assert.deepEqual(await focusProblems(page), [], `profile (${lang}): focus`);
    await shoot(page, `account-gp-01-profile-${lang}`);
  }

  // 新增手機號碼: a landline is refused at its field, kept; a reload asks for the page, never sends the number again.
  await page.goto(`${server.issuer}/account?lang=zh-TW`);
  await Promise.all([page.waitForURL('**/account/mobile'), page.click('#mobile-link')]);
  assert.equal(await heading(page), zh('account.contact.mobile.addTitle'));
  assert.ok((await page.locator('main').innerText()).includes(zh('account.contact.mobile.addIntro')));
  await page.fill('#mobile', '02-2345-6789');
  expected.add('400 /account/mobile');
  await submit();
  assert.equal((await page.locator('#mobile-error').innerText()).trim(), zh('account.contact.invalidMobile'));
  assert.equal(await page.inputValue('#mobile'), '02-2345-6789');
  assert.equal(await heading(page), zh('account.contact.mobile.addTitle'));
  assert.deepEqual(await axeViolations(page), [], 'mobile refused: axe-core');
  await shoot(page, 'account-gp-02-mobile-refused');
  assert.deepEqual(await reloadSends('/account/mobile'), ['GET'], 'a reload asks for the page, the number not sent');
  assert.equal(await page.locator('#mobile-error').count(), 0);

  // A number typed with a Chinese input method's full-width digits gets its code; a wrong code is refused (4 tries
  // left), and a reload neither sends it again nor uses a try: the next wrong one leaves 3.
  const mobile = `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
  const fullWidth = mobile.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
  await page.fill('#mobile', fullWidth);
  await Promise.all([page.waitForURL('**/account/mobile/verify'), page.click('button.primary')]);
  assert.equal((await page.locator('button.primary').innerText()).trim(), zh('account.contact.confirmAdd'));
  const sms = await server.storage
    .db('outbox_messages')
    .where({ recipient: mobile, kind: 'verify_mobile_change' })
    .first('text_body');
  const code = /\b(\d{6})\b/.exec(sms.text_body)![1]!;
  const wrong = code === '000000' ? '111111' : '000000';
  await page.fill('#code', wrong);
  expected.add('400 /account/mobile/verify');
  await submit();
  assert.equal((await page.locator('#code-error').innerText()).trim(), zh('account.contact.wrongCode', { count: 4 }));
  assert.deepEqual(await axeViolations(page), [], 'wrong code: axe-core');
  await shoot(page, 'account-gp-03-wrong-code');
  assert.deepEqual(await reloadSends('/account/mobile/verify'), ['GET'], 'the code not sent again');
  assert.equal(await heading(page), zh('account.contact.mobile.verifyTitle'));
  await page.fill('#code', wrong);
  await submit();
  assert.equal(
    (await page.locator('#code-error').innerText()).trim(),
    zh('account.contact.wrongCode', { count: 3 }),
    'the reload used no try',
  );
  await page.fill('#code', code);
  await Promise.all([page.waitForURL('**/account?done=mobileAdded'), page.click('button.primary')]);
  assert.equal((await page.locator('.acct-notice').innerText()).trim(), zh('account.done.mobileAdded'));
  assert.equal((await page.locator('#mobile-link').innerText()).trim(), zh('account.change'), 'now there is one');

  // The email, in English: a bad address refused and kept; a reload asks for the page.
  await page.goto(`${server.issuer}/account/email?lang=en`);
  await page.fill('#email', 'grandma@gmail');
  expected.add('400 /account/email');
  await submit();
  assert.equal((await page.locator('#email-error').innerText()).trim(), en('account.contact.invalidEmail'));
  assert.equal(await page.inputValue('#email'), 'grandma@gmail');
  assert.deepEqual(await axeViolations(page), [], 'email refused (en): axe-core');
  await shoot(page, 'account-gp-04-email-refused-en');
  assert.deepEqual(await reloadSends('/account/email'), ['GET'], 'the address not sent again');

  // The password: a wrong current password is refused at its field; a reload never sends the passwords again (it would
  // be one more wrong try towards the lock).
  await page.goto(`${server.issuer}/account/password?lang=zh-TW`);
  await page.fill('#current', 'Blue-Kettle-1999');
  await page.fill('#password', 'Grandma-Tea-Garden-7');
  await page.fill('#confirm', 'Grandma-Tea-Garden-7');
  expected.add('400 /account/password');
  await submit();
  assert.equal((await page.locator('#current-error').innerText()).trim(), zh('account.password.wrongCurrent'));
  await shoot(page, 'account-gp-05-password-refused');
  assert.deepEqual(await reloadSends('/account/password'), ['GET'], 'the passwords not sent again');
  assert.equal(await page.locator('#current-error').count(), 0);
  assert.equal(await heading(page), zh('account.password.title'));

  assert.deepEqual(problems, []);
});
