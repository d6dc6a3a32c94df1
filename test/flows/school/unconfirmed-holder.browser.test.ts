// The clerk's pages when a roster row's national ID is held by an account no school confirmed (someone registered with
// it): the import's preview says so (the file is fine), the publish page lists the rows that get a slip instead, both
// languages; each page checked with axe-core and photographed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser } from 'playwright-core';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { pageChecks } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import {
  apiSchool,
  CLASS_HEADERS,
  newSchoolCode,
  PARENT_HEADERS,
  STAFF_HEADERS,
  STUDENT_HEADERS,
  xlsx,
} from '../../helpers/school.ts';
import { typeSetupCode } from '../../helpers/second-factor.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
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

const checked = pageChecks('school-unconfirmed');

test('the import preview and the publish page name the rows a self-registered account holds', {
  skip: browserSkip,
}, async () => {
  const code = newSchoolCode('7');
  await apiSchool(server, code, `私立瀏覽器高職${code}`);
  const { email } = await personWith(server, [{ schoolCode: code, role: 'school_admin' }], 'office-unconfirmed');
  // Someone registered (an account of their own word only) with the mother's national ID and name.
  const motherId = randomNationalId();
  await server.services.enrolment.createActive({
    person: {
      email: `self-${Date.now()}@example.org`,
      name: '張媽媽',
      passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
      emailVerified: true,
      nationalId: sealNationalId(server.storage.keyring, motherId),
    },
    audit: { action: 'person.registered' },
  });
  const { context, page, problems } = await watchedPage(browser);
  await page.goto(`${server.issuer}/`);
  await page.click('#school-office-entry');
  await page.locator('#login').waitFor();
  await page.fill('#login', email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button.primary');
  await typeSetupCode(page, server.issuer);
  await page.locator('#totp-qr').waitFor();
  const secret = (await page.locator('#totp-secret').innerText()).replaceAll(' ', '');
  await page.fill('#code', await generate({ secret }));
  await page.click('form[action$="/second-factor"] button[type=submit]');
  await page.waitForURL(new RegExp(`/school/${code}$`));

  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  await page.goto(`${server.issuer}/school/${code}/import`);
  await page.setInputFiles('#file-input-classes-teachers', {
    name: '班級及教師資料.xlsx',
    mimeType: XLSX,
    buffer: await xlsx({
      班級: [CLASS_HEADERS, ['101', '一年一班', 7, 'T1']],
      教師: [STAFF_HEADERS, ['T1', '林老師', randomNationalId(), '教師', '導師', '']],
    }),
  });
  await page.click('#upload-classes-teachers button.primary');
  await page.locator('#commit-form').waitFor();
  await page.click('#commit-form button.primary');
  await page.locator('#imported').waitFor();
  await page.setInputFiles('#file-input-students-parents', {
    name: '學生及家長資料.xlsx',
    mimeType: XLSX,
    buffer: await xlsx({
      學生: [STUDENT_HEADERS, ['S1', '張小明', randomNationalId(), '101', 1, '2013-09-02', '男']],
      家長: [PARENT_HEADERS, ['S1', '張媽媽', '母親', '0922333444', motherId]],
    }),
  });
  await page.click('#upload-students-parents button.primary');
  await page.locator('#import-unconfirmed').waitFor();
  const notice = await page.locator('#import-unconfirmed').innerText();
  assert.ok(notice.includes(zh('school.import.unconfirmedIntro', { count: 1 })), notice);
  assert.ok(notice.includes(zh('school.publish.heldRow.parent', { number: 'S1', name: '張媽媽' })), notice);
  await checked(page, '01-import-preview', problems);
  await Promise.all([page.waitForURL(/lang=en/), page.click('a.lang')]);
  await page.locator('#import-unconfirmed').waitFor();
  assert.ok(
    (await page.locator('#import-unconfirmed').innerText()).includes(en('school.import.unconfirmedHow')),
    'in English too',
  );
  await checked(page, '02-import-preview-en', problems);
  await Promise.all([page.waitForURL(/lang=zh-TW/), page.click('a.lang')]);
  await page.click('#commit-form button.primary');
  await page.locator('#imported').waitFor();

  await page.goto(`${server.issuer}/school/${code}/publish`);
  await page.locator('#publish-unconfirmed').waitFor();
  assert.ok((await page.locator('#publish-unconfirmed').innerText()).includes('張媽媽'));
  await checked(page, '03-publish-plan', problems);
  await page.click('#publish-form button.primary');
  await page.locator('#publish-result').waitFor();
  await checked(page, '04-published', problems);
  await context.close();
});
