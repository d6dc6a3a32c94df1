// What a walk through the binding pages on a phone (390 px) found: the code as a text message shows it (123 456) fits
// the box and is taken; after 驗證 the student found (below the form) takes the focus, so it comes into sight; on the
// review card the parents a student is bound to are a plain list, not drawn as cards inside the card.
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
import { browserSkip, launchBrowser, PHONE, passChallenge, shoot, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const tag = () => crypto.randomBytes(4).toString('hex');
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
  await page.setViewportSize({ ...PHONE });
}

async function newStudent(name: string) {
  const db = server.storage.db;
  const nationalId = randomNationalId();
  const person = await insertPerson(db, {
    username: `bstu-${tag()}`,
    name,
    passwordHash: await hashPassword('Student-Pass-1', 4),
    birthdate: '2012-04-05',
    nationalId: sealNationalId(server.storage.keyring, nationalId),
  });
  const identityId = await addIdentity(db, {
    personId: person.id,
    schoolCode: '353604',
    role: 'student',
    classCode: '701',
    source: 'roster',
    actor: 'test',
  });
  return { nationalId, identityId };
}

test('on a phone: the code with its space is taken, and the student found after 驗證 has the focus, in sight', {
  skip: browserSkip,
}, async () => {
  const student = await newStudent('吳六寶');
  const email = `grandpa-${tag()}@example.test`;
  const { context, page, problems } = await watchedPage(browser);
  await page.setViewportSize({ ...PHONE });
  await page.goto(`${server.issuer}/binding`);
  await page.fill('#email', email);
  await passChallenge(page);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/binding\/code\?ticket=/);
  const mail = await server.storage
    .db('outbox_messages')
    .where({ recipient: email, kind: 'binding_code' })
    .orderBy('created_at', 'desc')
    .first();
  const code = /\b(\d{6})\b/.exec(mail.text_body)![1]!;
  // Typed (or pasted) as a text message may show it: the box holds it all, the server takes the space out.
  await page.locator('#code').pressSequentially(`${code.slice(0, 3)} ${code.slice(3)}`);
  assert.equal(await page.inputValue('#code'), `${code.slice(0, 3)} ${code.slice(3)}`, 'the box holds all of it');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/binding\/status$/);

  await page.goto(`${server.issuer}/binding/student`);
  await page.selectOption('#relationship', 'grandfather');
  await page.check('input[name=level][value=junior]');
  await page.fill('#national_id', student.nationalId);
  await page.fill('#birthdate', '101/04/05');
  await page.click(`button:has-text("${zh('binding.student.verify')}")`);
  await page.waitForSelector('input[name=school][value="353604"]');
  const found = page.locator('.found[role=status]');
  assert.equal((await found.textContent())?.trim(), zh('binding.student.found', { name: '吳○寶' }));
  assert.ok(await page.evaluate(() => document.activeElement?.matches('.found') ?? false), 'the answer has the focus');
  const box = await found.boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= PHONE.height, `in sight on a phone (${JSON.stringify(box)})`);
  await checked(page, 'walk-student-found');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the review card lists the parents a student is bound to as a plain list', { skip: browserSkip }, async () => {
  const db = server.storage.db;
  const student = await newStudent('吳七寶');
  const father = await insertPerson(db, {
    username: `dad-${tag()}`,
    name: '吳大同',
    passwordHash: await hashPassword('Father-Pass-2026', 4),
  });
  await db('guardian_links').insert({
    id: crypto.randomUUID(),
    parent_person_id: father.id,
    student_identity_id: student.identityId,
    relationship: 'father',
    approved_by: 'roster',
    approved_at: db.fn.now(),
  });
  const pushed = await server.services.binding.push({
    actor: 'test',
    student: {
      identityId: student.identityId,
      relationship: 'grandmother',
      maskedName: '吳○寶',
      school: { code: '353604', name: '' },
    },
    relationship: 'grandmother',
    parent: { nationalId: randomNationalId(), name: '陳美玉', email: `gran-${tag()}@example.test` },
    verified: false,
  });
  assert.ok(pushed.ok && pushed.status === 'pending');
  const { context, page, problems } = await watchedPage(browser);
  await page.setViewportSize({ ...PHONE });
  await page.goto(`${server.issuer}/binding/review`);
  await page.fill('#login', 'teacher');
  await page.fill('#password', 'Blue-Chalk-2026');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/binding\/review$/);
  const item = page.locator(`#links-${pushed.id} + ul.student-links > li`);
  assert.match((await item.textContent()) ?? '', /吳大同/);
  const style = await item.evaluate((el) => {
    const c = getComputedStyle(el);
    return { border: c.borderTopWidth, marker: c.display };
  });
  assert.deepEqual(style, { border: '0px', marker: 'list-item' }, 'a list item, not a card');
  await item.scrollIntoViewIfNeeded();
  await checked(page, 'walk-review-links');
  assert.deepEqual(problems, []);
  await context.close();
});
