// The school back office in Chromium (issue 14): a school administrator opens /school, signs in with the password, sets
// up the authenticator from the page's key, types its code, reaches the school, and sets the semester (a wrong date
// first), imports (a file with errors first); then another school's roster is imported, corrected (a student's name,
// a parent's mobile number — a wrong one first), published and printed, and a student registers with the printed slip.
// Each page is checked with axe-core and photographed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser } from 'playwright-core';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { pageChecks } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, shoot, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { pdfText } from '../../helpers/pdf.ts';
import {
  CLASS_HEADERS,
  COURSE_HEADERS,
  newSchoolCode,
  PARENT_HEADERS,
  STAFF_HEADERS,
  STUDENT_HEADERS,
  setSemester,
  xlsx,
} from '../../helpers/school.ts';
import { typeSetupCode } from '../../helpers/second-factor.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const PASSWORD = PERSON_PASSWORD;
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

const checked = pageChecks('school');

test('a school administrator signs in with a second factor and sets the semester', { skip: browserSkip }, async () => {
  // A school of the test's own: the semester set here is the school's current one (the demo school's would change
  // for every later test on a shared database).
  const code = newSchoolCode('7');
  await upsertSchool(server.storage.db, {
    code,
    name: `瀏覽器測試國民中學${code}`,
    level: 'junior',
    kind: 'municipal',
  });
  const { email } = await personWith(server, [{ schoolCode: code, role: 'school_admin' }], 'office');
  const { context, page, problems } = await watchedPage(browser, {
    // The wrong code and the wrong date are answered 400, as they should be.
    allow: (status, path) => status === 400 && /^\/school\/\d{6}\/(semester|import)$|\/second-factor$/.test(path),
  });
  await page.goto(`${server.issuer}/`);
  await page.click('#school-office-entry');
  await page.locator('#login').waitFor();
  await page.fill('#login', email);
  await page.fill('#password', PASSWORD);
  await page.click('button.primary');

  // The first time: a code sent to the administrator's verified email, asked before any set-up is shown.
  const asked = await typeSetupCode(page, server.issuer, async () => {
    assert.equal(await page.locator('main h1').innerText(), zh('secondFactor.proof.title'));
    assert.equal(await page.locator('#totp-secret').count(), 0, 'no key before the code');
    await checked(page, '00-second-factor-proof', problems);
  });
  assert.ok(asked, 'the code is asked for before the set-up');

  // The authenticator's set-up: the QR code and the key to type.
  await page.locator('#totp-qr').waitFor();
  assert.equal(await page.locator('main h1').innerText(), zh('secondFactor.setupTitle'));
  await checked(page, '01-second-factor-setup', problems);
  const secret = (await page.locator('#totp-secret').innerText()).replaceAll(' ', '');
  const submitCode = 'form[action$="/second-factor"] button[type=submit]';
  await page.fill('#code', '12345');
  await page.click(submitCode);
  await page.locator('p.alert').waitFor();
  assert.equal(await page.locator('p.alert').innerText(), zh('secondFactor.format'));
  await page.fill('#code', await generate({ secret }));
  await page.click(submitCode);

  // The school's page, then step 01.
  await page.waitForURL(new RegExp(`/school/${code}$`));
  assert.match(await page.locator('#office-school').innerText(), new RegExp(code));
  await checked(page, '02-home', problems);
  await page.click('.office-steps.big a');
  await page.locator('#semester-form').waitFor();
  await page.fill('#academic_year', '104');
  await page.selectOption('#semester', '1');
  await page.fill('#starts_on', '104/02/30');
  await page.fill('#ends_on', '105/01/30');
  await page.click('#semester-form button.primary');
  await page.locator('#starts_on-error').waitFor();
  assert.equal(await page.locator('#starts_on-error').innerText(), zh('school.semester.errors.dateInvalid'));
  assert.equal(await page.inputValue('#ends_on'), '105/01/30', 'the other values stay');
  await checked(page, '03-semester-error', problems);
  await page.fill('#starts_on', '104/08/31');
  await page.click('#semester-form button.primary');
  await page.locator('.acct-notice').waitFor();
  assert.equal(await page.locator('.acct-notice').innerText(), zh('school.semester.saved'));
  assert.match(await page.locator('#semesters').innerText(), /104\/08\/31–105\/01\/30/);
  await checked(page, '04-semester-saved', problems);
  // The notice is said once: the language link shows the semester as saved, in English, without it; and back.
  await Promise.all([page.waitForURL(/lang=en/), page.click('a.lang')]);
  assert.equal(new URL(page.url()).search, '?lang=en');
  assert.equal(await page.locator('.acct-notice').count(), 0, 'no saved notice in the other language');
  assert.equal(await page.inputValue('#starts_on'), '104/08/31');
  await Promise.all([page.waitForURL(/lang=zh-TW/), page.click('a.lang')]);
  assert.equal(await page.locator('.acct-notice').count(), 0);

  // Step 02: a file with a wrong national ID gets the error table; the corrected file a preview, then the import.
  await page.click(`a[href="/school/${code}/import"]`);
  await page.locator('#upload-classes-teachers').waitFor();
  await checked(page, '05-import', problems);
  const CLASS = ['班級代碼', '班級名稱', '年級', '導師教師編號'];
  const STAFF = ['教師編號', '姓名', '身分證統一編號', '身分別', '職稱', 'Email'];
  const teacherId = randomNationalId();
  const file = async (id: string) => ({
    name: '班級及教師資料.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: await xlsx({
      班級: [CLASS, ['801', '8年1班', 8, 'B001']],
      教師: [STAFF, ['B001', '黃老師', id, '教師', '導師', '']],
    }),
  });
  await page.setInputFiles('#file-input-classes-teachers', await file('A123456788'));
  await page.click('#upload-classes-teachers button.primary');
  await page.locator('#error-table').waitFor();
  assert.match(await page.locator('#error-table tbody').innerText(), /身分證統一編號/);
  await checked(page, '06-import-errors', problems);
  await page.setInputFiles('#file-input-classes-teachers', await file(teacherId));
  await page.click('#upload-classes-teachers button.primary');
  await page.locator('#preview').waitFor();
  await checked(page, '07-import-preview', problems);
  await page.click('#commit-form button.primary');
  await page.locator('#imported').waitFor();
  assert.equal(await page.locator('#imported').innerText(), zh('school.import.imported'));

  // The sync log, from the menu: empty for this school so far, its filters in place.
  await page.click(`a[href="/school/${code}/sync-log"]`);
  await page.locator('#sync-filter').waitFor();
  await page.selectOption('#result', 'error');
  await page.click('#sync-filter button');
  await page.waitForURL(/result=error/);
  assert.equal(await page.inputValue('#result'), 'error');
  await checked(page, '08-sync-log', problems);
  await context.close();
});

test('students and parents imported, the roster published and printed, a student registers with the slip', {
  skip: browserSkip,
}, async () => {
  const code = newSchoolCode('6');
  const schoolName = `私立瀏覽器高職${code}`;
  await upsertSchool(server.storage.db, { code, name: schoolName, level: 'vocational', kind: 'private' });
  const admin = await personWith(server, [{ schoolCode: code, role: 'school_admin' }], 'publisher');
  await setSemester(server, code, admin.personId);
  const { context, page, problems } = await watchedPage(browser, {
    allow: (status, path) =>
      status === 400 && /\/second-factor$|\/roster\/(students\/1130001|parents\/1130001~[\w-]+)$/.test(path),
  });
  // This administrator makes a passkey (Chromium's virtual authenticator stands for the fingerprint reader).
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const signIn = async (shot: string) => {
    await page.goto(`${server.issuer}/school`);
    await page.fill('#login', admin.email);
    await page.fill('#password', PASSWORD);
    await page.click('button.primary');
    await typeSetupCode(page, server.issuer);
    await page.locator('#passkey-button').waitFor();
    await checked(page, shot, problems);
    await page.click('#passkey-button');
    await page.waitForURL(new RegExp(`/school/${code}$`));
  };
  await signIn('09-passkey-setup');
  const passkeys = await server.storage.db('person_passkeys').where({ person_id: admin.personId });
  assert.equal(passkeys.length, 1, 'the passkey is kept');
  const told = await server.storage
    .db('outbox_messages')
    .where({ recipient: admin.email, kind: 'second_factor_added' });
  assert.equal(told.length, 1, 'the administrator is told a passkey was added');
  assert.match(told[0].text_body, /通行密鑰/);
  // Signed out everywhere, then in again: the passkey signs.
  await context.clearCookies();
  await signIn('09-passkey-sign-in');
  assert.equal(await page.locator('#passkey-button').count(), 0);
  const confirmed = await server.storage
    .db('audit_events')
    .where({ subject: admin.personId, action: 'sign_in.second_factor' })
    .whereRaw("detail->>'method' = 'passkey'");
  assert.equal(confirmed.length, 2, 'made once, then used to sign in');

  const excel = (name: string, buffer: Buffer) => ({
    name,
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer,
  });
  await page.goto(`${server.issuer}/school/${code}/import`);
  await page.setInputFiles(
    '#file-input-classes-teachers',
    excel(
      '班級及教師.xlsx',
      await xlsx({
        班級: [CLASS_HEADERS, ['701', '忠班', 7, 'T001']],
        教師: [STAFF_HEADERS, ['T001', '王老師', randomNationalId(), '教師', '導師', '']],
      }),
    ),
  );
  await page.click('#upload-classes-teachers button.primary');
  await page.click('#commit-form button.primary');
  await page.locator('#imported').waitFor();
  await page.setInputFiles(
    '#file-input-students-parents',
    excel(
      '學生及家長.xlsx',
      await xlsx({
        學生: [STUDENT_HEADERS, ['1130001', '王小華', randomNationalId(), '701', 1, '102/05/12', '女']],
        家長: [PARENT_HEADERS, ['1130001', '王爸爸', '父親', '0912345678', '']],
      }),
    ),
  );
  await page.click('#upload-students-parents button.primary');
  await page.locator('#preview').waitFor();
  assert.match(await page.locator('#preview').innerText(), new RegExp(zh('school.import.counts.students')));
  await checked(page, '09-import-students-preview', problems);
  await page.click('#commit-form button.primary');
  await page.locator('#imported').waitFor();
  await page.setInputFiles(
    '#file-input-courses',
    excel('配課.xlsx', await xlsx({ 配課: [COURSE_HEADERS, ['701', 'MATH', '數學', 'T001', 4]] })),
  );
  await page.click('#upload-courses button.primary');
  await page.locator('#preview').waitFor();
  await page.click('#commit-form button.primary');
  await page.locator('#imported').waitFor();

  // Step 03: the roster found, a row corrected (the reason forgotten first).
  await page.click(`a[href="/school/${code}/roster"]`);
  await page.locator('#roster-table').waitFor();
  await page.fill('#q', '王小華');
  await page.click('#roster-filter button');
  await page.locator('tr[data-key="1130001"]').waitFor();
  await checked(page, '10-roster', problems);
  await page.click('tr[data-key="1130001"] a');
  await page.locator('#roster-edit').waitFor();
  await page.fill('#name', '王小樺');
  await page.click('#roster-edit button.primary');
  await page.locator('#reason-error').waitFor();
  assert.equal(await page.inputValue('#name'), '王小樺', 'the typed name stays');
  await checked(page, '11-roster-edit-error', problems);
  await page.fill('#reason', '更正姓名');
  await page.click('#roster-edit button.primary');
  await page.locator('#roster-saved').waitFor();
  assert.equal(await page.inputValue('#name'), '王小樺', 'back at the row, as saved');
  // 已經修改完成 is said once: the language link leads to the row as it is now, without it; and back.
  await Promise.all([page.waitForURL(/lang=en/), page.click('a.lang')]);
  assert.equal(new URL(page.url()).search, '?lang=en');
  assert.equal(await page.locator('#roster-saved').count(), 0, 'no saved notice in the other language');
  assert.equal(await page.inputValue('#name'), '王小樺');
  await Promise.all([page.waitForURL(/lang=zh-TW/), page.click('a.lang')]);

  // A parent's new mobile number: a wrong one first (kept, with the message), then the right one; the row's address
  // follows the number without ever showing it.
  await page.goto(`${server.issuer}/school/${code}/roster?part=parents`);
  await page.click('#roster-table tbody tr a');
  await page.locator('#mobile').waitFor();
  assert.equal(
    await page.locator('main h1').innerText(),
    zh('school.roster.parts.parents.editTitle', { name: '王爸爸' }),
  );
  const before = page.url();
  await page.fill('#mobile', '0812345678');
  await page.fill('#reason', '家長換手機');
  await page.click('#roster-edit button.primary');
  await page.locator('#mobile-error').waitFor();
  assert.equal(await page.locator('#mobile-error').innerText(), zh('school.import.errors.mobile'));
  assert.equal(await page.inputValue('#mobile'), '0812345678', 'the typed number stays');
  await checked(page, '11-roster-parent-mobile-error', problems);
  await page.fill('#mobile', '0987654321');
  await page.click('#roster-edit button.primary');
  await page.locator('#roster-saved').waitFor();
  assert.equal(await page.inputValue('#mobile'), '0987654321');
  assert.notEqual(page.url().replace(/\?.*$/, ''), before, 'a new key');
  assert.ok(!page.url().includes('0987654321'), 'no mobile number in the address');
  await checked(page, '11-roster-parent-saved', problems);

  // A class's and a course assignment's pages, in their own words.
  await page.goto(`${server.issuer}/school/${code}/roster/classes/701`);
  assert.equal(
    await page.locator('main h1').innerText(),
    zh('school.roster.parts.classes.editTitle', { name: '忠班' }),
  );
  await checked(page, '11-roster-class', problems);
  await page.goto(`${server.issuer}/school/${code}/roster?part=courses`);
  await checked(page, '11-roster-courses', problems);
  await page.click('#roster-table tbody tr a');
  await page.locator('#subject_name').waitFor();
  assert.equal(
    await page.locator('main h1').innerText(),
    zh('school.roster.parts.courses.editTitle', { class: '忠班', subject: '數學' }),
  );
  assert.ok(!(await page.locator('main').innerText()).includes('undefined'));
  await checked(page, '11-roster-course', problems);

  // Step 04: the plan, then the publish, then the class's slips.
  await page.click(`a[href="/school/${code}/publish"]`);
  await page.locator('#publish-form').waitFor();
  assert.match(
    await page.locator('#plan-counts').innerText(),
    new RegExp(`${zh('school.publish.counts.credentials')}\\s+3`),
  );
  await checked(page, '12-publish-plan', problems);
  await page.click('#publish-form button.primary');
  await page.locator('#publish-result').waitFor();
  assert.match(
    await page.locator('#result-counts').innerText(),
    new RegExp(`${zh('school.publish.counts.credentials')}\\s+3`),
  );
  await checked(page, '13-published', problems);
  const printed = await page.request.get(`${server.issuer}/school/${code}/publish/701/credentials.pdf`);
  assert.equal(printed.status(), 200);
  const slips = await pdfText(new Uint8Array(await printed.body()));
  const slip = new RegExp(`s1130001\\s*${zh('school.publish.pdf.password')}：\\s*([a-z0-9]{8})`).exec(
    slips.replace(new RegExp(`${zh('school.publish.pdf.account')}：\\s*`, 'g'), ''),
  );
  assert.ok(slip, `the slip for s1130001 is printed: ${slips.slice(0, 300)}`);

  // The student, at home, registers with the slip.
  const student = await watchedPage(browser, { allow: (status) => status === 400 });
  const p = student.page;
  await p.goto(`${server.issuer}/register/roster`);
  await p.selectOption('#school', code);
  await p.selectOption('#kind', 'student');
  await p.fill('#account', 's1130001');
  await p.fill('#password', slip[1]!);
  await p.click('form[action="/register/roster"] button[type=submit]');
  await p.waitForURL(/\/register\/roster\/choose$/);
  assert.equal(
    await p.locator('[role=status]').innerText(),
    zh('roster.verified.who', { school: schoolName, role: zh('role.student'), name: '王小樺' }),
  );
  await p.click('a[href="/register/roster/new"]');
  await p.locator('#email').waitFor();
  assert.equal(await p.inputValue('#name'), '王小樺', 'the corrected name');
  const email = `hua-${crypto.randomBytes(4).toString('hex')}@example.org`;
  await p.fill('#email', email);
  await p.fill('#national_id', randomNationalId());
  await p.fill('#password', PASSWORD);
  await p.fill('#password_confirm', PASSWORD);
  await p.click('button.primary');
  await p.waitForURL(/\/register\/done$/);
  await shoot(p, 'school-14-student-registered');
  const person = await server.storage.db('persons').where({ email }).first();
  const identity = await server.storage.db('identities').where({ person_id: person.id, school_code: code }).first();
  assert.equal(identity.role, 'student');
  assert.deepEqual(student.problems, []);
  await student.context.close();

  // The sync log shows the publish.
  await page.goto(`${server.issuer}/school/${code}/sync-log`);
  assert.match(await page.locator('main').innerText(), new RegExp(zh('school.syncLog.actions.school.publish')));
  await checked(page, '15-sync-log-publish', problems);
  await context.close();
});
