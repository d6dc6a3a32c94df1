// The school back office in Chromium (issue 14, items 1–2): a school administrator opens /school, signs in with the
// password, sets up the authenticator from the page's key, types its code, reaches the school, and sets the semester
// (a wrong date first). Each page is checked with axe-core and photographed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations, focusProblems } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, shoot, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { xlsx } from '../../helpers/school.ts';
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

async function checked(page: Page, name: string, problems: string[]) {
  assert.deepEqual(await axeViolations(page), [], `axe: ${name}`);
  assert.deepEqual(await focusProblems(page), [], `focus: ${name}`);
  await shoot(page, `school-${name}`);
  assert.deepEqual(problems, [], `console and network: ${name}`);
}

test('a school administrator signs in with a second factor and sets the semester', { skip: browserSkip }, async () => {
  const { email } = await personWith(server, [{ schoolCode: '353604', role: 'school_admin' }], 'office');
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

  // The authenticator's set-up: the QR code and the key to type.
  await page.locator('#totp-qr').waitFor();
  assert.equal(await page.locator('main h1').innerText(), zh('secondFactor.setupTitle'));
  await checked(page, '01-second-factor-setup', problems);
  const secret = (await page.locator('#totp-secret').innerText()).replaceAll(' ', '');
  await page.fill('#code', '12345');
  await page.click('button.primary');
  await page.locator('p.alert').waitFor();
  assert.equal(await page.locator('p.alert').innerText(), zh('secondFactor.format'));
  await page.fill('#code', await generate({ secret }));
  await page.click('button.primary');

  // The school's page, then step 01.
  await page.waitForURL(/\/school\/353604$/);
  assert.match(await page.locator('#office-school').innerText(), /353604/);
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

  // Step 02: a file with a wrong national ID gets the error table; the corrected file a preview, then the import.
  await page.click(`a[href="/school/353604/import"]`);
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
  await page.click(`a[href="/school/353604/sync-log"]`);
  await page.locator('#sync-filter').waitFor();
  await page.selectOption('#result', 'error');
  await page.click('#sync-filter button');
  await page.waitForURL(/result=error/);
  assert.equal(await page.inputValue('#result'), 'error');
  await checked(page, '08-sync-log', problems);
  await context.close();
});
