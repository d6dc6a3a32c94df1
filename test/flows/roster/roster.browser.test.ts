// Roster registration in a real browser (SPEC §4 flow 9, seed 000 §9): the school uploads credentials over the
// API, then a person follows the link on the self-registration page, picks school and identity, types a wrong
// password (one generic message), then the right one, chooses "add to my existing account", signs in at the account
// portal, confirms, and finds the identity on /account/identities. Screenshots of every page at both widths.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { ROSTER_CHECK } from '../../../src/platform/limits.ts';
import { newPerson } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, shoot, watchedPage } from '../../helpers/browser.ts';
import { registerClient } from '../../helpers/rp.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const tag = () => crypto.randomBytes(4).toString('hex');
const SCHOOL = String(crypto.randomInt(900000, 1000000));
const SCHOOL_NAME = `私立測試高職${SCHOOL}`;
const ROSTER = { id: `roster-browser-${tag()}`, secret: `roster-browser-secret-${tag()}-0123456789` };
const IPS = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

let server: TestServer;
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  await upsertSchool(server.storage.db, { code: SCHOOL, name: SCHOOL_NAME, level: 'vocational', kind: 'private' });
  await registerClient(
    server,
    { client_id: ROSTER.id, permissions: ['roster'], school_codes: [SCHOOL] },
    ROSTER.secret,
  );
  for (const ip of IPS) await server.services.throttle.reset(ROSTER_CHECK.address, ip);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
});

test('roster credential → "add to my existing account" → sign in → the identity on /account/identities', {
  skip: browserSkip,
}, async () => {
  // The school's upload.
  const account = `s${tag()}`;
  const password = `pw-${tag()}`;
  const res = await fetch(`${server.issuer}/api/schools/${SCHOOL}/roster-credentials`, {
    method: 'PUT',
    headers: {
      authorization: `Basic ${Buffer.from(`${ROSTER.id}:${ROSTER.secret}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify([
      { role: 'student', account, password, name: '陳同學', class_code: '101', seat: 7, student_no: `A${tag()}` },
    ]),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(await res.json(), { school: SCHOOL, inserted: 1, updated: 0 });
  const person = await newPerson(server.storage.db);

  // 400: the wrong password, expected below.
  const { context, page, problems } = await watchedPage(browser, { allow: (status) => status === 400 });
  const heading = () => page.locator('main h1').innerText();

  // From the self-registration page's link.
  await page.goto(`${server.issuer}/register`);
  assert.equal(
    await page.locator('#roster-note').innerText(),
    zh('registration.step1.rosterNote') + zh('registration.step1.rosterLink'),
  );
  await shoot(page, 'roster-01-register-link');
  await Promise.all([page.waitForURL(/\/register\/roster$/), page.click('#roster-link')]);
  assert.equal(await heading(), zh('roster.title'));
  assert.ok(await page.locator(`#school option[value="${SCHOOL}"]`).count());
  await shoot(page, 'roster-02-pick');

  // A wrong password: the one generic message, what was chosen and typed (not the password) kept.
  await page.selectOption('#school', SCHOOL);
  await page.selectOption('#kind', 'student');
  await page.fill('#account', account);
  await page.fill('#password', 'not-the-password');
  await page.click('form[action="/register/roster"] button[type=submit]');
  await page.locator('p.alert').waitFor();
  assert.equal(await page.locator('p.alert').innerText(), zh('roster.errors.wrong'));
  assert.equal(await page.inputValue('#school'), SCHOOL);
  assert.equal(await page.inputValue('#kind'), 'student');
  assert.equal(await page.inputValue('#account'), account);
  assert.equal(await page.inputValue('#password'), '');
  await shoot(page, 'roster-03-wrong');

  // The right one: the choice.
  await page.fill('#password', password);
  await page.click('form[action="/register/roster"] button[type=submit]');
  await page.waitForURL(/\/register\/roster\/choose$/);
  assert.equal(await heading(), zh('roster.verified.heading'));
  assert.equal(
    await page.locator('[role=status]').innerText(),
    zh('roster.verified.who', { school: SCHOOL_NAME, role: zh('role.student'), name: '陳同學' }),
  );
  await shoot(page, 'roster-04-choose');

  // "Add to my existing account": the portal's sign-in, then the confirmation.
  await page.click('a[href="/account/roster-identity"]');
  await page.locator('#login').waitFor();
  await shoot(page, 'roster-05-sign-in');
  await page.fill('#login', person.username);
  await page.fill('#password', person.password);
  await page.click('button.primary');
  await page.waitForURL(/\/account\/roster-identity$/);
  assert.equal(await heading(), zh('roster.add.heading'));
  assert.ok((await page.locator('main').innerText()).includes('陳同學'));
  await shoot(page, 'roster-06-add');
  await page.click('form[action="/account/roster-identity"] button[type=submit]');

  // The identity is there.
  await page.waitForURL(/\/account\/identities$/);
  assert.equal(await heading(), zh('account.identities.title'));
  const list = await page.locator('main').innerText();
  assert.ok(list.includes(SCHOOL_NAME), list);
  assert.ok(list.includes(zh('role.student')), list);
  await shoot(page, 'roster-07-identities');
  const identity = await server.storage.db('identities').where({ person_id: person.id, school_code: SCHOOL }).first();
  assert.equal(identity?.source, 'roster');

  // The credential is used: the same again gets the generic message.
  await page.goto(`${server.issuer}/register/roster`);
  await page.selectOption('#school', SCHOOL);
  await page.selectOption('#kind', 'student');
  await page.fill('#account', account);
  await page.fill('#password', password);
  await page.click('form[action="/register/roster"] button[type=submit]');
  await page.locator('p.alert').waitFor();
  assert.equal(await page.locator('p.alert').innerText(), zh('roster.errors.wrong'));
  await shoot(page, 'roster-08-used');

  await context.close();
  for (const ip of IPS) await server.services.throttle.reset(ROSTER_CHECK.address, ip);
  assert.deepEqual(problems, []);
});
