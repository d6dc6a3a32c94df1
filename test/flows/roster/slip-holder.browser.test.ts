// A person whose account holds another national ID than the one the school's roster has for a slip: 將身分加入我的帳號
// answers that the slip is someone else's (409), what to do, and the way back to the account — in zh-TW and English,
// each page checked with axe-core and photographed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { ROSTER_CHECK } from '../../../src/platform/limits.ts';
import { pageChecks } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { apiSchool, newSchoolCode } from '../../helpers/school.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const IPS = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];
let server: TestServer;
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  for (const ip of IPS) await server.services.throttle.reset(ROSTER_CHECK.address, ip);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
});

const checked = pageChecks('roster-slip-holder');

test('a slip the roster gives another national ID: refused, said why, the way back', {
  skip: browserSkip,
}, async () => {
  const code = newSchoolCode('6');
  const schoolName = `私立瀏覽器高職${code}`;
  const school = await apiSchool(server, code, schoolName);
  let r = await school.call('roster/classes-teachers', 'PUT', {
    classes: [{ code: '101', name: '一年一班', grade: 10, homeroom_staff_no: 'T1' }],
    staff: [{ staff_no: 'T1', name: '李老師', national_id: randomNationalId(), kind: 'teacher', title: '導師' }],
  });
  assert.equal(r.status, 200, await r.text());
  r = await school.call('roster/students-parents', 'PUT', {
    students: [
      {
        student_no: 'S1',
        name: '陳小美',
        national_id: randomNationalId(),
        class_code: '101',
        seat: 1,
        birthdate: '2010-05-12',
        gender: 'female',
      },
    ],
    parents: [
      {
        student_no: 'S1',
        name: '陳媽媽',
        relationship: 'mother',
        mobile: '0933-111-222',
        national_id: randomNationalId(),
      },
    ],
  });
  assert.equal(r.status, 200, await r.text());
  await school.publish();
  const slip = (await server.services.schoolOffice.publisher.slips(code, '101')).find((s) => s.name === '陳媽媽');
  assert.ok(slip?.password);
  // An account holding another national ID (as someone registered with another person's).
  const email = `slip-browser-${Date.now()}@example.org`;
  const personId = await server.services.enrolment.createActive({
    person: {
      email,
      name: '王爸爸',
      passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
      emailVerified: true,
      nationalId: sealNationalId(server.storage.keyring, randomNationalId()),
    },
    audit: { action: 'person.registered' },
  });

  for (const [locale, t, n] of [
    ['zh-TW', translator('zh-TW'), '01'],
    ['en', translator('en'), '02'],
  ] as const) {
    const { context, page, problems } = await watchedPage(browser, {
      locale,
      allow: (status, path) => status === 409 && path === '/account/roster-identity',
    });
    await page.goto(`${server.issuer}/register/roster`);
    await page.selectOption('#school', code);
    await page.selectOption('#kind', 'parent');
    await page.fill('#account', slip.account);
    await page.fill('#password', slip.password);
    await page.click('form[action="/register/roster"] button[type=submit]');
    await page.waitForURL(/\/register\/roster\/choose$/);
    await page.click('a[href="/account/roster-identity"]');
    await page.locator('#login').waitFor();
    await page.fill('#login', email);
    await page.fill('#password', PERSON_PASSWORD);
    await page.click('button.primary');
    await page.waitForURL(/\/account\/roster-identity$/);
    await page.click('form[action="/account/roster-identity"] button[type=submit]');
    await page.locator('p.alert').waitFor();
    assert.equal(await page.locator('p.alert').innerText(), t('roster.errors.otherPerson'));
    assert.match(await page.title(), locale === 'en' ? /^Error: / : /^錯誤：/);
    assert.equal(await page.locator('main a[href="/account"]').innerText(), t('roster.add.account'));
    await checked(page, `${n}-other-person-${locale}`, problems);
    // The way on: back to the account, nothing added.
    await Promise.all([page.waitForURL(/\/account$/), page.click('main a[href="/account"]')]);
    await context.close();
  }
  assert.deepEqual(
    await server.storage.db('identities').where({ person_id: personId, school_code: code }).pluck('role'),
    [],
  );
  for (const ip of IPS) await server.services.throttle.reset(ROSTER_CHECK.address, ip);
});
