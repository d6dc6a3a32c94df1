// Parent-child binding in a real browser (issue 12): a parent starts from the home page's 親子綁定 button, gets the
// code through the development mailbox, goes through the four steps (one mistake at each: the list of mistakes above
// the form has the focus, the title says 錯誤：, its link leads to the field; step 4 opens with the verified email
// filled in), sees 申請 on the status page; the homeroom teacher sees who applies and approves from the account
// pages, then prints a binding code (the same code after a reload, a new one only when asked); the parent's status
// page then says 認證. Every page through axe-core, screenshots at both widths.
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

/**
 * A refused form: 錯誤： first in the title, the list of mistakes above the form announced (role=alert) and holding
 * the focus, its first link leading to `field` (which then has the focus); axe-clean.
 */
async function refused(page: Page, name: string, field: string) {
  assert.ok((await page.title()).startsWith('錯誤：'), `${name}: the title says 錯誤： (${await page.title()})`);
  const list = page.locator('.mistakes[role=alert]');
  assert.ok(await list.isVisible(), `${name}: the list of mistakes`);
  assert.ok(
    await page.evaluate(() => document.activeElement?.matches('.mistakes[role=alert]') ?? false),
    `${name}: the list has the focus`,
  );
  await checked(page, name);
  await list.locator('a').first().click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), field, `${name}: its link leads to #${field}`);
}

test('a parent applies in the browser, the homeroom teacher approves, the status page says 認證', {
  skip: browserSkip,
}, async () => {
  const db = server.storage.db;
  const studentId = randomNationalId();
  const person = await insertPerson(db, {
    username: `bstu-${crypto.randomBytes(4).toString('hex')}`,
    name: '吳三寶',
    passwordHash: await hashPassword('Student-Pass-1', 4),
    birthdate: '2012-04-05',
    nationalId: sealNationalId(server.storage.keyring, studentId),
  });
  const identityId = await addIdentity(db, {
    personId: person.id,
    schoolCode: '353604',
    role: 'student',
    classCode: '701',
    attributes: { student_no: 'S7010099' },
    source: 'roster',
    actor: 'test',
  });
  const email = `mom-${crypto.randomBytes(4).toString('hex')}@example.test`;
  const { context, page, problems } = await watchedPage(browser, {
    // The mistakes this test makes on purpose are answered 400 (kept form, message on the page).
    allow: (status, path) => status === 400 && /^\/binding(\/(student|consent|parent))?$/.test(path),
  });

  await page.goto(server.issuer);
  await page.click('#binding-entry');
  await page.waitForURL(/\/binding$/);
  // An email without its @ first.
  await page.fill('#email', email.replace('@', ''));
  await passChallenge(page);
  await page.click('button[type=submit]');
  await page.waitForSelector('#email-error');
  await refused(page, 'contact-refused', 'email');
  await page.fill('#email', email);
  await passChallenge(page);
  await checked(page, 'contact');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/binding\/code\?ticket=/);
  const codeUrl = page.url();
  await checked(page, 'code');

  // The code, read as a developer would: from the development mailbox.
  await page.goto(`${server.issuer}/dev/mailbox`);
  await page.click(`tr:has-text("${email}") a`);
  const code = /\b(\d{6})\b/.exec((await page.textContent('main')) ?? '')?.[1];
  assert.ok(code, 'the mail shows a 6-digit code');
  await page.goto(codeUrl);
  await page.fill('#code', code);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/binding\/status$/);
  assert.match((await page.textContent('main')) ?? '', new RegExp(zh('binding.status.none').slice(0, 8)));
  await checked(page, 'status-empty');

  // Step 1: a wrong birth date first, then the right one; 驗證 shows the masked name and the school.
  await page.click('a.button[href="/binding/student"]');
  await page.selectOption('#relationship', 'mother');
  await page.check('input[name=level][value=junior]');
  await page.fill('#national_id', studentId);
  await page.fill('#birthdate', '2012-04-06');
  await page.click(`button:has-text("${zh('binding.student.verify')}")`);
  await page.waitForSelector('#national_id-error');
  assert.equal(await page.inputValue('#national_id'), studentId, 'kept');
  await refused(page, 'student-not-found', 'national_id');
  await page.fill('#birthdate', '2012-04-05');
  await page.click(`button:has-text("${zh('binding.student.verify')}")`);
  await page.waitForSelector('text=吳○寶');
  assert.ok(await page.isChecked('input[name=school][value="353604"]'), 'the only school is chosen');
  await checked(page, 'student-found');
  // A reload (or Back and Forward) asks for step 1's page, which still shows what was found and typed: no form sent
  // again, nothing to look up again.
  let resent = 0;
  const countPosts = (r: { method(): string; url(): string }) => {
    if (r.method() === 'POST' && r.url().endsWith('/binding/student')) resent++;
  };
  page.on('request', countPosts);
  await page.reload();
  await page.waitForSelector('text=吳○寶');
  page.off('request', countPosts);
  assert.equal(resent, 0, 'the reload sent no form');
  assert.ok(await page.isChecked('input[name=school][value="353604"]'), 'reload: the school still chosen');
  assert.equal(await page.inputValue('#national_id'), studentId, 'reload: the ID kept');
  assert.equal(await page.inputValue('#birthdate'), '2012-04-05', 'reload: the birth date kept');
  assert.equal(await page.inputValue('#relationship'), 'mother', 'reload: the relationship kept');
  // 下一步 with the relationship left unchosen: refused, and the school found stays found and chosen.
  await page.selectOption('#relationship', '');
  await page.click(`button:has-text("${zh('binding.student.next')}")`);
  await page.waitForSelector('#relationship-error');
  assert.match((await page.textContent('main')) ?? '', /吳○寶/, 'the student found is still shown');
  assert.ok(await page.isChecked('input[name=school][value="353604"]'), 'the school is still chosen');
  assert.equal(await page.inputValue('#national_id'), studentId, 'the ID kept');
  assert.equal(await page.inputValue('#birthdate'), '2012-04-05', 'the birth date kept');
  await refused(page, 'student-refused-next', 'relationship');
  await page.selectOption('#relationship', 'mother');
  await page.click(`button:has-text("${zh('binding.student.next')}")`);
  await page.waitForURL(/\/binding\/consent$/);

  // Step 2: 下一步 without the tick is refused with the reason.
  await checked(page, 'consent');
  await page.click(`button:has-text("${zh('binding.consent.next')}")`);
  await page.waitForSelector('#agree-error');
  await refused(page, 'consent-refused', 'agree');
  await page.check('#agree');
  await page.click(`button:has-text("${zh('binding.consent.next')}")`);
  await page.waitForURL(/\/binding\/parent$/);

  // Step 4: the parent's ID → 驗證 → new details, the email the code went to already filled in (not asked again); a
  // signature that is not the name is refused.
  const parentId = randomNationalId();
  await page.fill('#national_id', parentId);
  await page.click(`button:has-text("${zh('binding.parent.verify')}")`);
  await page.waitForSelector('#name');
  assert.equal(await page.inputValue('#email'), email, 'the verified email filled in');
  assert.equal(await page.inputValue('#mobile'), '', 'the mobile left to type');
  assert.equal(await page.textContent('#email-hint'), zh('binding.parent.emailHintVerified', { email }), 'and says so');
  await page.fill('#name', '吳美華');
  await page.fill('#mobile', '0912-555-666');
  await page.fill('#sign_name', '吳美');
  await page.check('#sign_tick');
  await checked(page, 'parent');
  await page.click(`button:has-text("${zh('binding.parent.submit')}")`);
  await page.waitForSelector('#sign_name-error');
  assert.equal(await page.inputValue('#email'), email, 'kept');
  await refused(page, 'parent-refused', 'sign_name');
  await page.fill('#sign_name', '吳美華');
  await page.click(`button:has-text("${zh('binding.parent.submit')}")`);
  await page.waitForURL(/\/binding\/status\?notice=submitted$/);
  const status = (await page.textContent('main')) ?? '';
  assert.match(status, /吳○寶/);
  assert.match(status, new RegExp(zh('binding.status.state.pending')));
  await checked(page, 'status-pending');

  // The homeroom teacher, from the account pages.
  const teacher = await watchedPage(browser);
  await teacher.page.goto(`${server.issuer}/account/identities`);
  await teacher.page.fill('#login', 'teacher');
  await teacher.page.fill('#password', 'Blue-Chalk-2026');
  await teacher.page.click('button[type=submit]');
  await teacher.page.waitForURL(/\/account\/identities$/);
  await teacher.page.click('#binding-review-link');
  await teacher.page.waitForURL(/\/binding\/review$/);
  const reviewText = (await teacher.page.textContent('main')) ?? '';
  assert.match(reviewText, /吳三寶/);
  // Who applies, in full (the name, the email, the mobile); the national ID masked.
  assert.match(reviewText, /吳美華/);
  assert.ok(reviewText.includes(email), 'the email in full');
  assert.ok(reviewText.includes('0912555666'), 'the mobile in full');
  assert.ok(!reviewText.includes(parentId), 'never the national ID in full');
  await checked(teacher.page, 'review');
  // This parent's application (a reused database holds others for students of the same name): found by the email.
  await teacher.page.click(`li.review-item:has-text("${email}") button:has-text("${zh('binding.review.approve')}")`);
  await teacher.page.waitForURL(/notice=approved/);
  assert.match((await teacher.page.textContent('main')) ?? '', /吳三寶/);
  await checked(teacher.page, 'review-approved');
  // A binding code for another parent: printed from the review page.
  await teacher.page.click('#binding-codes-link');
  await teacher.page.waitForURL(/\/binding\/review\/codes$/);
  await checked(teacher.page, 'codes');
  // The student's card before any code: says so, and offers to make one (looking makes none).
  await teacher.page.goto(`${server.issuer}/binding/review/codes/${identityId}`);
  await teacher.page.waitForSelector('#make-code');
  assert.equal(await teacher.page.locator('#binding-code').count(), 0);
  await checked(teacher.page, 'code-card-none');
  await teacher.page.goBack();
  await teacher.page.waitForURL(/\/binding\/review\/codes$/);
  await teacher.page.click(`form[action="/binding/review/codes/${identityId}"] button[aria-label*="吳三寶"]`);
  await teacher.page.waitForSelector('#binding-code');
  const firstCode = (await teacher.page.textContent('#binding-code')) ?? '';
  assert.match(firstCode, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.ok(await teacher.page.isVisible(`#print-code:has-text("${zh('binding.codes.print')}")`), 'a print button');
  await checked(teacher.page, 'code-card');
  // A reload, and a visit from the list again: the same code (no new one, the one handed out still works).
  await teacher.page.reload();
  assert.equal(await teacher.page.textContent('#binding-code'), firstCode, 'the same code after a reload');
  await teacher.page.click(`a:has-text("${zh('binding.codes.another')}")`);
  await teacher.page.waitForURL(/\/binding\/review\/codes$/);
  await checked(teacher.page, 'codes-with-code');
  await teacher.page.click(`a[href="/binding/review/codes/${identityId}"][aria-label*="吳三寶"]`);
  await teacher.page.waitForSelector('#binding-code');
  assert.equal(await teacher.page.textContent('#binding-code'), firstCode, 'the same code from the list');
  // Only "產生新的綁定碼" makes another, and says the first stops working.
  await teacher.page.click('#renew-code');
  await teacher.page.waitForURL(/notice=replaced/);
  const secondCode = (await teacher.page.textContent('#binding-code')) ?? '';
  assert.notEqual(secondCode, firstCode);
  assert.ok(
    ((await teacher.page.textContent('main')) ?? '').includes(zh('binding.codes.notice.replaced')),
    'says the old code stopped',
  );
  await checked(teacher.page, 'code-card-replaced');

  // The parent reloads the status page.
  await page.click('a[href="/binding/status"]');
  await page.waitForURL(/\/binding\/status$/);
  assert.match((await page.textContent('main')) ?? '', new RegExp(zh('binding.status.state.approved')));
  await checked(page, 'status-approved');
  assert.ok(await db('persons').where({ email }).first(), 'the parent account exists');

  assert.deepEqual([...problems, ...teacher.problems], []);
  await teacher.context.close();
  await context.close();
});

test('an approval the review cannot make: 不通過 first, a plain message, and a reload never sends it again', {
  skip: browserSkip,
}, async () => {
  const db = server.storage.db;
  const person = await insertPerson(db, {
    username: `bstu-${crypto.randomBytes(4).toString('hex')}`,
    name: '吳四寶',
    passwordHash: await hashPassword('Student-Pass-1', 4),
    birthdate: '2012-04-05',
    nationalId: sealNationalId(server.storage.keyring, randomNationalId()),
  });
  const identityId = await addIdentity(db, {
    personId: person.id,
    schoolCode: '353604',
    role: 'student',
    classCode: '701',
    source: 'roster',
    actor: 'test',
  });
  const student = {
    identityId,
    relationship: 'father' as const,
    maskedName: '吳○寶',
    school: { code: '353604', name: '' },
  };
  // Two fathers applied before either was bound: the first approved, the second's card flagged.
  const ids: string[] = [];
  for (const name of ['吳一郎', '吳二郎']) {
    const pushed = await server.services.binding.push({
      actor: 'test',
      student,
      relationship: 'father',
      parent: {
        nationalId: randomNationalId(),
        name,
        email: `dad-${crypto.randomBytes(4).toString('hex')}@example.test`,
      },
      verified: false,
    });
    assert.ok(pushed.ok && pushed.status === 'pending', JSON.stringify(pushed));
    ids.push(pushed.id);
  }
  assert.deepEqual(await server.services.binding.approve(ids[0]!, 'test'), { ok: true });
  const flagged = ids[1]!;

  const { context, page, problems } = await watchedPage(browser, {
    allow: (status, path) => status === 409 && path === `/binding/review/${flagged}/approve`,
  });
  await page.goto(`${server.issuer}/account/identities`);
  await page.fill('#login', 'teacher');
  await page.fill('#password', 'Blue-Chalk-2026');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/account\/identities$/);
  await page.goto(`${server.issuer}/binding/review`);
  const approve = page.locator(`#card-${flagged}`);
  assert.equal(await approve.getAttribute('class'), 'secondary', '通過 is not the primary action');
  assert.equal(await approve.getAttribute('aria-describedby'), `taken-${flagged}`, 'the reason tied to it');
  const reject = page.locator(`form[action="/binding/review/${flagged}/reject"] button`);
  assert.equal(await reject.getAttribute('class'), 'primary', '不通過 is');
  await page.locator(`#card-${flagged}`).scrollIntoViewIfNeeded();
  await checked(page, 'review-flagged');

  await approve.click();
  await page.waitForSelector(`#cannot-${flagged}`);
  const alert = page.locator('p.alert[role=alert]');
  assert.equal(
    await alert.textContent(),
    zh('binding.review.cannotApprove', { student: '吳四寶', text: zh('binding.review.relationshipTaken') }),
  );
  assert.equal(await page.locator('.mistakes').count(), 0, 'no list of fields to correct');
  assert.ok(await page.evaluate(() => document.activeElement?.matches('p.alert[role=alert]') ?? false), 'focused');
  assert.equal(new URL(page.url()).pathname, '/binding/review', 'the history entry is the review page');
  await checked(page, 'review-cannot-approve');
  await page.goto(`${server.issuer}/binding/review?lang=en`);
  await approve.click();
  await page.waitForSelector(`#cannot-${flagged}`);
  await checked(page, 'review-cannot-approve-en');

  // A reload asks for the review page: the approval is not sent again.
  let resent = 0;
  page.on('request', (r) => {
    if (r.method() === 'POST') resent++;
  });
  await page.reload();
  await page.waitForSelector(`#card-${flagged}`);
  assert.equal(resent, 0, 'the reload sent no approval');
  assert.equal(await page.locator(`#cannot-${flagged}`).count(), 0, 'the page as it is now');
  await page.goto(`${server.issuer}/binding/review?lang=zh-TW`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a teacher who is also a parent picks the identity, and the demo app switches between identities and children', {
  skip: browserSkip,
}, async () => {
  const { context, page, problems } = await watchedPage(browser);
  await page.goto(`${server.issuer}/demo`);
  await page.fill('#login', 'teacher');
  await page.fill('#password', 'Blue-Chalk-2026');
  await page.click('button.primary');
  // Two identities: the menu asks which one (seed 004: 教師 or 家長).
  await page.waitForSelector('input[name=identity]');
  assert.equal(await page.locator('input[name=identity]').count(), 2);
  await page.check(`label.identity:has-text("${zh('role.teacher')}") input`);
  await page.click('button.primary');
  if (!page.url().includes('/demo/callback')) await page.click('button.primary'); // the demo app's consent
  await page.waitForURL((url) => url.pathname === '/demo/callback');
  assert.match((await page.textContent('#demo-identity')) ?? '', new RegExp(zh('role.teacher')));
  await checked(page, 'demo-teacher');

  // The app offers the other identity: the menu again with the parent chosen already (identity_hint), one press.
  await page.click(`#demo-identities a:has-text("${zh('role.parent')}")`);
  await page.waitForSelector('input[name=identity]');
  assert.ok(await page.isChecked(`label.identity:has-text("${zh('role.parent')}") input`), 'the hinted identity');
  await page.click('button.primary');
  await page.waitForURL((url) => url.pathname === '/demo/callback');
  assert.match((await page.textContent('#demo-identity')) ?? '', new RegExp(zh('role.parent')));
  assert.match((await page.textContent('main')) ?? '', /王小美/);
  await checked(page, 'demo-parent');

  // "重新選擇身分" shows the menu again (prompt=select_account).
  await page.click('#demo-switch');
  await page.waitForSelector('input[name=identity]');
  assert.deepEqual(problems, []);
  await context.close();
});
