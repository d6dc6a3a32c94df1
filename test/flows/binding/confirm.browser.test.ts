// In a real browser (a walk there found them missing): the status page's "註銷全部紀錄" and "取消申請" lead to a page
// that asks first, whose "不要，回到申請進度" changes nothing and whose "確定取消" cancels; the code page after its
// code was used and step 4 after the application was sent both say where things are and lead to "回到申請進度".
// Every one of these pages through axe-core, with screenshots at both widths.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { BINDING } from '../../../src/platform/limits.ts';
import { axeViolations } from '../../helpers/a11y.ts';
import { browserSkip, launchBrowser, passChallenge, shoot, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
let server: TestServer;
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  for (const a of ['127.0.0.1', '::ffff:127.0.0.1', '::1']) {
    await server.services.throttle.reset(BINDING.codesPerAddress, a);
    await server.services.throttle.reset(BINDING.lookupsPerAddress, a);
  }
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function checked(page: Page, name: string) {
  assert.deepEqual(await axeViolations(page), [], `${name}: axe-core`);
  await shoot(page, `binding-${name}`);
}

const main = async (page: Page) => (await page.textContent('main')) ?? '';

test('the status page asks before cancelling or withdrawing; Back to the code and to step 4 leads to the applications', {
  skip: browserSkip,
}, async () => {
  const db = server.storage.db;
  const studentId = randomNationalId();
  const person = await insertPerson(db, {
    username: `cbstu-${crypto.randomBytes(4).toString('hex')}`,
    name: '吳三寶',
    passwordHash: await hashPassword('Student-Pass-1', 4),
    birthdate: '2012-04-05',
    nationalId: sealNationalId(server.storage.keyring, studentId),
  });
  await addIdentity(db, {
    personId: person.id,
    schoolCode: '353604',
    role: 'student',
    classCode: '701',
    attributes: { student_no: 'S7010098' },
    source: 'roster',
    actor: 'test',
  });
  const email = `grandma-${crypto.randomBytes(4).toString('hex')}@example.test`;
  const { context, page, problems } = await watchedPage(browser, {
    // The code page visited again without the binding session: its code is gone (400).
    allow: (status, path) => status === 400 && path === '/binding/code',
  });

  await page.goto(`${server.issuer}/binding`);
  await page.fill('#email', email);
  await passChallenge(page);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/binding\/code\?ticket=/);
  const codeUrl = page.url();
  const message = await db('outbox_messages').where({ recipient: email, kind: 'binding_code' }).first();
  await page.fill('#code', /\b(\d{6})\b/.exec(message.text_body)![1]!);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/binding\/status$/);

  // The code page again (Back after the code was used): where things are, and 回到申請進度 as the way on.
  await page.goto(codeUrl);
  assert.equal(await page.textContent('h1'), zh('binding.code.inTitle'));
  await checked(page, 'code-used-in-session');
  await page.click(`a.button:has-text("${zh('binding.student.backToStatus')}")`);
  await page.waitForURL(/\/binding\/status$/);

  // One application, the four steps quickly.
  await page.click('a.button[href="/binding/student"]');
  await page.selectOption('#relationship', 'grandmother');
  await page.check('input[name=level][value=junior]');
  await page.fill('#national_id', studentId);
  await page.fill('#birthdate', '2012-04-05');
  await page.click(`button:has-text("${zh('binding.student.verify')}")`);
  await page.waitForSelector('text=吳○寶');
  await page.click(`button:has-text("${zh('binding.student.next')}")`);
  await page.waitForURL(/\/binding\/consent$/);
  await page.check('#agree');
  await page.click(`button:has-text("${zh('binding.consent.next')}")`);
  await page.waitForURL(/\/binding\/parent$/);
  await page.fill('#national_id', randomNationalId());
  await page.click(`button:has-text("${zh('binding.parent.verify')}")`);
  await page.waitForSelector('#name');
  await page.fill('#name', '吳阿嬤');
  await page.fill('#sign_name', '吳阿嬤');
  await page.check('#sign_tick');
  await page.click(`button:has-text("${zh('binding.parent.submit')}")`);
  await page.waitForURL(/\/binding\/status\?notice=submitted$/);

  // Step 4 again (Back after 送出資料): it was sent, whose it was, and 回到申請進度 first.
  await page.goto(`${server.issuer}/binding/parent`);
  assert.equal(await page.textContent('h1'), zh('binding.sent.title'));
  assert.match(await main(page), /吳○寶/);
  assert.equal(await page.getAttribute('.actions a.button', 'href'), '/binding/status');
  await checked(page, 'parent-after-sent');
  await page.click(`a.button:has-text("${zh('binding.student.backToStatus')}")`);
  await page.waitForURL(/\/binding\/status$/);
  await checked(page, 'status-with-links');

  // 註銷全部紀錄 asks first; 不要 changes nothing.
  await page.click(`a:has-text("${zh('binding.status.withdrawAll')}")`);
  await page.waitForURL(/\/binding\/withdraw-all$/);
  assert.equal(await page.textContent('h1'), zh('binding.confirm.withdrawTitle'));
  assert.match(await main(page), /吳○寶/);
  await checked(page, 'withdraw-all-confirm');
  await page.click(`a:has-text("${zh('binding.confirm.back')}")`);
  await page.waitForURL(/\/binding\/status$/);
  assert.match(await main(page), new RegExp(zh('binding.status.state.pending')));

  // 取消申請 asks first, naming the child; 確定取消 cancels and says so.
  await page.click(`a[aria-label="${zh('binding.status.cancelLabel', { name: '吳○寶' })}"]`);
  await page.waitForURL(/\/binding\/applications\/[0-9a-f-]+\/cancel$/);
  assert.equal(await page.textContent('h1'), zh('binding.confirm.cancelTitle'));
  assert.match(await main(page), /吳○寶/);
  await checked(page, 'cancel-confirm');
  await page.click(`button:has-text("${zh('binding.confirm.cancelYes')}")`);
  await page.waitForURL(/\/binding\/status\?notice=cancelled$/);
  assert.match(await main(page), new RegExp(zh('binding.status.cancelled')));
  await checked(page, 'status-cancelled');

  // Nothing left to withdraw: the page says so, with only the way back.
  await page.goto(`${server.issuer}/binding/withdraw-all`);
  assert.match(await main(page), new RegExp(zh('binding.confirm.nothing').slice(0, 10)));
  assert.equal(await page.locator('button.danger').count(), 0);
  await checked(page, 'withdraw-all-nothing');

  // Signed out, the code page again: the code is gone, and a new one is the way on.
  await page.click(`button:has-text("${zh('binding.signOut')}")`);
  await page.waitForURL((u) => u.pathname === '/');
  await page.goto(codeUrl);
  assert.equal(await page.textContent('h1'), zh('binding.code.goneTitle'));
  assert.equal(await page.getAttribute('.actions a.button', 'href'), '/binding');
  await checked(page, 'code-gone');

  assert.deepEqual(problems, []);
  await context.close();
});
