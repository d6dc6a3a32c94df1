// A parent bound to the child already learns it at step 1's 驗證 — the first moment campus-sso knows both the child and
// who the parent is (the account whose verified email the code went to, or the account signed in on this browser) —
// instead of at step 4 after giving all their details; kindly, with one way on: their account's identities, where the
// child is listed. A stranger who proved only their own address learns nothing of anyone's links: the student is found
// as for anyone. In a real browser, both languages, axe-core and screenshots at both widths.
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
const en = translator('en');
const tag = () => crypto.randomBytes(4).toString('hex');
const PARENT_PASSWORD = 'Orange-Kite-2026';
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

/** A student of class 701 at 353604 and a parent account (verified email) bound to them as their mother. */
async function boundFamily() {
  const db = server.storage.db;
  const studentId = randomNationalId();
  const child = await insertPerson(db, {
    username: `bstu-${tag()}`,
    name: '吳五寶',
    passwordHash: await hashPassword('Student-Pass-1', 4),
    birthdate: '2012-04-05',
    nationalId: sealNationalId(server.storage.keyring, studentId),
  });
  const identityId = await addIdentity(db, {
    personId: child.id,
    schoolCode: '353604',
    role: 'student',
    classCode: '701',
    source: 'roster',
    actor: 'test',
  });
  const email = `mum-${tag()}@example.test`;
  const mother = await insertPerson(db, {
    email,
    emailVerified: true,
    name: '吳美華',
    passwordHash: await hashPassword(PARENT_PASSWORD, 4),
  });
  await addIdentity(db, { personId: mother.id, schoolCode: '353604', role: 'parent', source: 'roster', actor: 'test' });
  await db('guardian_links').insert({
    id: crypto.randomUUID(),
    parent_person_id: mother.id,
    student_identity_id: identityId,
    relationship: 'mother',
    approved_by: 'roster',
    approved_at: db.fn.now(),
  });
  return { studentId, email };
}

/** /binding → the code to `email` (read from the outbox) → the status page → step 1. */
async function enter(page: Page, email: string, lang = '') {
  await page.goto(`${server.issuer}/binding${lang}`);
  await page.fill('#email', email);
  await passChallenge(page);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/binding\/code\?ticket=/);
  const mail = await server.storage
    .db('outbox_messages')
    .where({ recipient: email, kind: 'binding_code' })
    .orderBy('created_at', 'desc')
    .first();
  await page.fill('#code', /\b(\d{6})\b/.exec(mail.text_body)![1]!);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/binding\/status$/);
  await page.goto(`${server.issuer}/binding/student`);
}

async function verifyStudent(page: Page, studentId: string, verify: string) {
  await page.selectOption('#relationship', 'mother');
  await page.check('input[name=level][value=junior]');
  await page.fill('#national_id', studentId);
  await page.fill('#birthdate', '2012-04-05');
  await page.click(`button:has-text("${verify}")`);
}

test('a parent bound to the child already is told at 驗證, with the way to their account; a stranger is not', {
  skip: browserSkip,
}, async () => {
  const { studentId, email } = await boundFamily();
  const { context, page, problems } = await watchedPage(browser);

  // The mother, by the code to her account's verified address: told at 驗證, before any detail of hers is asked.
  await enter(page, email);
  await verifyStudent(page, studentId, zh('binding.student.verify'));
  const bound = page.locator('.found.bound[role=status]');
  await bound.waitFor();
  assert.equal((await bound.locator('p.notice').textContent())?.trim(), zh('binding.student.bound', { name: '吳○寶' }));
  assert.ok(await page.evaluate(() => document.activeElement?.matches('.found.bound') ?? false), 'it has the focus');
  assert.equal(await page.locator('input[name=school]').count(), 0, 'the student is not offered to apply for again');
  assert.equal(await page.locator(`button:has-text("${zh('binding.student.next')}")`).count(), 0, 'no 下一步');
  assert.ok(!(await page.title()).startsWith('錯誤：'), 'not called a mistake');
  assert.equal(
    await page.inputValue('#national_id'),
    studentId,
    'what was typed is kept (for a look, or another child)',
  );
  await checked(page, 'student-bound');
  // A reload shows the same (the session keeps it).
  await page.reload();
  await bound.waitFor();
  // English.
  await page.goto(`${server.issuer}/binding/student?lang=en`);
  assert.equal(
    (await page.locator('.found.bound p.notice').textContent())?.trim(),
    en('binding.student.bound', { name: '吳○寶' }),
  );
  await checked(page, 'student-bound-en');
  await page.goto(`${server.issuer}/binding/student?lang=zh-TW`);

  // The one way on: her account's identities (after signing in), where the child is listed.
  await page.click(`a.button:has-text("${zh('binding.student.boundAccount')}")`);
  await page.waitForSelector('#login');
  await page.fill('#login', email);
  await page.fill('#password', PARENT_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/account\/identities$/);
  assert.match((await page.textContent('main')) ?? '', /吳五寶/);
  await context.close();

  // A stranger who proved their own address: the student is found as for anyone, nothing said of the mother.
  const stranger = await watchedPage(browser, { problems });
  await enter(stranger.page, `other-${tag()}@example.test`);
  await verifyStudent(stranger.page, studentId, zh('binding.student.verify'));
  await stranger.page.waitForSelector('input[name=school][value="353604"]');
  assert.equal(await stranger.page.locator('.found.bound').count(), 0, 'a stranger is told nothing of the links');
  await stranger.context.close();
  assert.deepEqual(problems, []);
});

test('signed in to the account on this browser, a parent is told at 驗證 whichever contact got the code', {
  skip: browserSkip,
}, async () => {
  const { studentId, email } = await boundFamily();
  const { context, page, problems } = await watchedPage(browser);
  await page.goto(`${server.issuer}/account`);
  await page.fill('#login', email);
  await page.fill('#password', PARENT_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/account$/);
  // Her code goes to another address of hers, no account's.
  await enter(page, `mum-work-${tag()}@example.test`, '?lang=en');
  await verifyStudent(page, studentId, en('binding.student.verify'));
  await page.locator('.found.bound').waitFor();
  assert.equal(
    (await page.locator('.found.bound p.notice').textContent())?.trim(),
    en('binding.student.bound', { name: '吳○寶' }),
  );
  await page.click(`a.button:has-text("${en('binding.student.boundAccount')}")`);
  await page.waitForURL(/\/account\/identities$/);
  assert.match((await page.textContent('main')) ?? '', /吳五寶/);
  assert.deepEqual(problems, []);
  await context.close();
});
