// The administrators' binding review in a real browser: a school's administrator signed in with the password opens the
// review and is asked for the second factor at once (an authenticator set up from the page), then reviews every
// application of the school; a homeroom teacher who is also an administrator sees the class with the password and the
// box that leads to the second factor, in both languages. Every page through axe-core, screenshots.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, shoot, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { typeSetupCode } from '../../helpers/second-factor.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const SCHOOL = '353604';
const zh = translator('zh-TW');
const en = translator('en');
const tag = () => crypto.randomBytes(4).toString('hex');
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

async function checked(page: Page, name: string) {
  assert.deepEqual(await axeViolations(page), [], `${name}: axe-core`);
  await shoot(page, `binding-${name}`);
}

async function newStudent(classCode = `6${crypto.randomInt(10, 99)}`) {
  const db = server.storage.db;
  const person = await insertPerson(db, {
    username: `rstu-${tag()}`,
    name: '吳五寶',
    passwordHash: await hashPassword('Student-Pass-1', 4),
    nationalId: sealNationalId(server.storage.keyring, randomNationalId()),
  });
  const identityId = await addIdentity(db, {
    personId: person.id,
    schoolCode: SCHOOL,
    role: 'student',
    classCode,
    source: 'roster',
    actor: 'test',
  });
  return { identityId };
}

async function applyFor(student: { identityId: string }): Promise<string> {
  const email = `rparent-${tag()}@example.test`;
  const result = await server.services.binding.submit({
    contact: { kind: 'email', value: email },
    students: [
      {
        identityId: student.identityId,
        relationship: 'mother',
        maskedName: '吳○寶',
        school: { code: SCHOOL, name: '' },
      },
    ],
    parent: { nationalId: randomNationalId(), name: '林美華', email },
    signature: null,
  });
  assert.ok(result.ok, JSON.stringify(result));
  return result.ids[0]!;
}

/** On the second-factor page: sets the authenticator up from the key the page shows, and types its code. */
async function secondFactor(page: Page, name: string) {
  await page.waitForURL(/\/interaction\/[\w-]+\/second-factor$/);
  // The first time: the code sent to the verified email, on a page checked too.
  await typeSetupCode(page, server.issuer, () => checked(page, `${name}-proof`));
  await checked(page, name);
  const secret = (await page.locator('#totp-secret').textContent())!.replaceAll(' ', '');
  await page.fill('#code', await generate({ secret }));
  await page.locator('form[action$="/second-factor"] button[type=submit]').click();
  await page.waitForURL(/\/binding\/review$/);
}

async function signIn(page: Page, email: string) {
  await page.fill('#login', email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button[type=submit]');
}

test('a school’s administrator with the password is asked for the second factor at once, then reviews the school', {
  skip: browserSkip,
}, async () => {
  const id = await applyFor(await newStudent());
  const { email } = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'office-b');
  const { context, page, problems } = await watchedPage(browser);
  await page.goto(`${server.issuer}/binding/review`);
  await signIn(page, email);
  // The password took the browser to the review, which asked our provider for the second factor.
  await secondFactor(page, 'review-admin-second-factor');
  const approve = page.locator(`#card-${id}`);
  assert.ok(await approve.isVisible(), 'the school’s application, with its approve button');
  assert.equal(await page.locator('#review-second-factor').count(), 0);
  await checked(page, 'review-admin');
  await approve.click();
  await page.waitForURL(/notice=approved/);
  assert.equal((await server.storage.db('binding_applications').where({ id }).first()).status, 'approved');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a homeroom teacher who is also an administrator: the class with the password, the box that leads on', {
  skip: browserSkip,
}, async () => {
  const db = server.storage.db;
  const classCode = `5${crypto.randomInt(10, 99)}`;
  const mine = await newStudent(classCode);
  const { personId, email } = await personWith(
    server,
    [
      { schoolCode: SCHOOL, role: 'teacher' },
      { schoolCode: SCHOOL, role: 'school_admin' },
    ],
    'homeroom-admin-b',
  );
  const teacherIdentity = await db('identities').where({ person_id: personId, role: 'teacher' }).first();
  const { class_id } = await db('identities').where({ id: mine.identityId }).first();
  await db('classes').where({ id: class_id }).update({ homeroom_identity_id: teacherIdentity.id });
  const ofMyClass = await applyFor(mine);
  const ofTheSchool = await applyFor(await newStudent());

  const { context, page, problems } = await watchedPage(browser, {
    allow: (status, path) => status === 400 && path === '/binding/review/callback',
  });
  await page.goto(`${server.issuer}/binding/review`);
  await signIn(page, email);
  await page.waitForURL(/\/binding\/review$/);
  assert.ok(await page.locator(`#card-${ofMyClass}`).isVisible(), 'the class’s application');
  assert.equal(await page.locator(`#card-${ofTheSchool}`).count(), 0, 'not the rest of the school’s yet');
  const box = page.locator('#review-second-factor');
  assert.equal(await box.locator('h2').textContent(), zh('binding.review.secondFactorTitle'));
  await checked(page, 'review-second-factor-box');
  await page.goto(`${server.issuer}/binding/review?lang=en`);
  assert.equal(await box.locator('h2').textContent(), en('binding.review.secondFactorTitle'));
  assert.equal(await page.locator('#review-second-factor-link').textContent(), en('binding.review.secondFactorButton'));
  await checked(page, 'review-second-factor-box-en');
  await page.goto(`${server.issuer}/binding/review?lang=zh-TW`);

  // A sign-in that was not started here (an old tab): a plain message and the way to sign in again.
  await page.goto(`${server.issuer}/binding/review/callback?code=x&state=y`);
  assert.ok((await page.locator('p.alert').textContent())?.includes(zh('binding.reviewSignIn.expired')));
  await checked(page, 'review-sign-in-expired');
  await page.goto(`${server.issuer}/binding/review`);

  await page.locator('#review-second-factor-link').click();
  await secondFactor(page, 'review-step-up');
  assert.ok(await page.locator(`#card-${ofTheSchool}`).isVisible(), 'the school’s application after it');
  assert.equal(await page.locator('#review-second-factor').count(), 0);
  await checked(page, 'review-after-step-up');
  assert.deepEqual(problems, []);
  await context.close();
});
