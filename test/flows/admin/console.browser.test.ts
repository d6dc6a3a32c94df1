// The bureau console in Chromium (issue 15, items 6–8): a bureau administrator opens /admin, signs in with the
// password and sets up the authenticator, then walks the sections — schools (a school added, a wrong code first; its
// page; an administrator named by email — a login nobody has first, then who it is, confirmed), people (a search by national ID, masked; the person's page; the whole ID
// revealed with a reason; its second factor removed with a reason; the account locked), the audit log (filtered to those actions, then to the school, named).
// Each page is checked with axe-core and photographed at desktop and phone widths.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { generate, generateSecret } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { maskEmail } from '../../../src/domain/people/masks.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations, pageChecks } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { typeSetupCode } from '../../helpers/second-factor.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
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

const wcag = pageChecks('admin');

/** axe-core's landmark rules (best practice, beyond the WCAG rules pageChecks runs): no two regions named alike. */
async function landmarkProblems(page: Page): Promise<string[]> {
  await axeViolations(page); // loads axe-core into the page
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run(document, { runOnly: { type: 'rule', values: ['landmark-unique', 'landmark-one-main'] } }))
      .violations;
  });
  return (violations as { id: string; nodes: { target: string[] }[] }[]).map(
    (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/** Each page of the walk: pageChecks', and no two landmarks named alike. */
const checked = async (page: Page, name: string, problems: string[]) => {
  await wcag(page, name, problems);
  assert.deepEqual(await landmarkProblems(page), [], `landmarks: ${name}`);
};

test('a bureau administrator walks schools, people and the audit log', { skip: browserSkip }, async () => {
  const admin = await personWith(server, [{ role: 'bureau_admin' }], 'bureau');
  const office = await personWith(server, [], 'office');
  const nationalId = randomNationalId();
  const tag = crypto.randomBytes(3).toString('hex');
  const personName = `林瀏覽${tag}`;
  const personId = await server.services.enrolment.createActive({
    person: {
      email: `browse-${tag}@example.org`,
      emailVerified: true,
      name: personName,
      passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
      nationalId: sealNationalId(server.storage.keyring, nationalId),
    },
    audit: { action: 'person.created' },
    // An identity, so that the person's page has its table of identities.
    identities: [{ role: 'parent', source: 'self' }],
  });
  // An authenticator app, as a back-office sign-in keeps it: the person's page offers to remove it.
  await server.storage.db('person_totp').insert({
    person_id: personId,
    secret_sealed: server.storage.keyring.seal('totp-secret', generateSecret()),
  });
  const code = `2${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
  const { context, page, problems } = await watchedPage(browser, {
    // The wrong code, the wrong school code and the missing reason are answered 400, as they should be.
    allow: (status, path) =>
      status === 400 &&
      /\/second-factor$|^\/admin\/schools\/new$|^\/admin\/schools\/\d+\/admins$|^\/admin\/people\/[\w-]+\/reveal$/.test(
        path,
      ),
  });

  // Sign in: the password, then the authenticator's set-up.
  await page.goto(`${server.issuer}/admin`);
  await page.locator('#login').waitFor();
  await page.fill('#login', admin.email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button.primary');
  await typeSetupCode(page, server.issuer);
  await page.locator('#totp-qr').waitFor();
  const secret = (await page.locator('#totp-secret').innerText()).replaceAll(' ', '');
  await page.fill('#code', await generate({ secret }));
  await page.click('form[action$="/second-factor"] button[type=submit]');
  await page.waitForURL(/\/admin$/);
  await page.locator('#admin-overview').waitFor();
  await checked(page, '01-home', problems);

  // Schools: the list, a school added (a wrong code first), its page, an administrator named.
  await page.click('nav.acct-nav a[href="/admin/schools"]');
  await page.locator('#school-filter').waitFor();
  await checked(page, '02-schools', problems);
  await page.click('#school-add');
  await page.locator('#school-form').waitFor();
  await page.fill('#code', '12');
  await page.fill('#name', `瀏覽器國民小學${code}`);
  await page.selectOption('#level', 'elementary');
  await page.fill('#district', '臺北市大安區');
  await page.click('#school-form button.primary');
  await page.locator('#code-error').waitFor();
  assert.equal(await page.locator('#code-error').innerText(), zh('admin.schools.errors.codeFormat'));
  assert.equal(await page.inputValue('#name'), `瀏覽器國民小學${code}`, 'the other values stay');
  await checked(page, '03-school-error', problems);
  await page.fill('#code', code);
  await page.click('#school-form button.primary');
  await page.waitForURL(new RegExp(`/admin/schools/${code}\\?added=1$`));
  // Naming an administrator: a login nobody has is answered at the field, what was typed kept; then the person the
  // login names is shown (contacts masked) and granted only when confirmed.
  await page.fill('#login', `nobody-${tag}@example.org`);
  await page.click('#grant-form button.primary');
  await page.locator('#login-error').waitFor();
  assert.equal(await page.locator('#login-error').innerText(), zh('admin.schools.admins.errors.noSuchPerson'));
  assert.equal(await page.inputValue('#login'), `nobody-${tag}@example.org`);
  await page.fill('#login', office.email);
  await page.click('#grant-form button.primary');
  await page.locator('#confirm-grant-form').waitFor();
  assert.equal(await page.locator('#candidate-name').innerText(), '陳老師');
  const facts = await page.locator('#candidate-facts').innerText();
  assert.ok(facts.includes(maskEmail(office.email)) && !facts.includes(office.email), 'the email, masked');
  await checked(page, '04-school-admin-confirm', problems);
  await page.click('#confirm-grant-form button.primary');
  await page.waitForURL(/granted=1/);
  assert.match(await page.locator('#admins-table').innerText(), /陳老師/);
  await checked(page, '04-school-granted', problems);
  await page.goto(`${server.issuer}/admin/schools?q=${code}`);
  assert.equal(await page.locator('#schools-table tbody tr').count(), 1);
  await checked(page, '05-schools-found', problems);
  await page.goto(`${server.issuer}/admin/schools/import`);
  await page.locator('#list-upload').waitFor();
  await page.setInputFiles('#list-file', {
    name: 'schools.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(
      `學校代碼,學校名稱,學制,公私立,縣市區\n${code},瀏覽器國民小學${code},國小,私立,臺北市大安區\n9,x,,,\n`,
    ),
  });
  await page.click('#list-upload button.primary');
  await page.locator('#list-preview').waitFor();
  await checked(page, '06-school-list-preview', problems);

  // People: a search by national ID, masked; the person's page; the reveal (a reason first); the lock.
  await page.click('nav.acct-nav a[href="/admin/people"]');
  await page.fill('#q', nationalId);
  await page.click('#people-search button');
  await page.locator('#people-table').waitFor();
  const masked = `${nationalId.slice(0, 3)}****${nationalId.slice(-3)}`;
  assert.match(await page.locator('#people-table').innerText(), new RegExp(masked.replaceAll('*', '\\*')));
  await checked(page, '07-people', problems);
  await page.click(`#people-table a[href="/admin/people/${personId}"]`);
  await page.locator('#person-facts').waitFor();
  assert.equal(await page.locator('#masked-id').innerText(), masked);
  await page.locator('#identities-table').waitFor();
  await checked(page, '08-person', problems);
  await page.click('#reveal-form button');
  await page.locator('#reason-error').waitFor();
  await page.fill('#reason', '確認身分');
  await page.click('#reveal-form button');
  await page.locator('#revealed-id').waitFor();
  assert.equal(await page.locator('#revealed-id').innerText(), nationalId);
  await checked(page, '09-person-revealed', problems);
  // Shown once: a reload (a GET, no form sent again) shows the masked number and says so.
  await page.reload();
  await page.locator('#revealed-gone').waitFor();
  assert.equal(await page.locator('#masked-id').innerText(), masked);
  assert.equal(await page.locator('#revealed-id').count(), 0);
  await page.goto(`${server.issuer}/admin/people/${personId}`);
  assert.match(await page.locator('#person-second-factor').innerText(), /^驗證器 App 已設定（.+設定）$/);
  await page.fill('#second-factor-reason', '手機遺失');
  await page.click('#second-factor-form button');
  await page.waitForURL(/done=secondFactorRemoved/);
  assert.equal(await page.locator('#person-done').innerText(), zh('admin.people.done.secondFactorRemoved'));
  assert.equal(await page.locator('#person-second-factor').innerText(), zh('admin.people.secondFactor.none'));
  assert.equal(await page.locator('#second-factor-form').count(), 0);
  await checked(page, '10-person-factor-removed', problems);
  await page.fill('#lock-reason', '測試鎖定');
  await page.click('#lock-form button');
  await page.waitForURL(/done=locked/);
  assert.equal(await page.locator('#person-status').innerText(), zh('admin.people.status.locked'));
  await checked(page, '10-person-locked', problems);

  // The audit log: what this administrator did to the person.
  await page.click('nav.acct-nav a[href="/admin/audit"]');
  await page.locator('#audit-filter').waitFor();
  await page.fill('#actor', admin.email);
  await page.fill('#action', 'admin.person_');
  await page.click('#audit-filter button');
  await page.waitForURL(/action=admin.person_/);
  const actions = await page.locator('#audit-table').innerText();
  assert.match(actions, /admin\.person_locked/);
  assert.match(actions, /admin\.person_viewed/);
  // The lock's detail in words: its reason, labelled, no JSON.
  const locked = page.locator('#audit-table tr', { hasText: 'admin.person_locked' }).locator('dl.audit-detail');
  assert.equal(
    await locked.innerText(),
    `${zh('admin.audit.detail.label', { label: zh('admin.audit.detail.keys.reason') })}\n測試鎖定`,
  );
  assert.doesNotMatch(actions, /[{}]/, 'no JSON');
  await checked(page, '11-audit', problems);
  // The school added above by its name, its code kept: the subject linked to its page, and in a detail.
  await page.fill('#actor', '');
  await page.fill('#action', '');
  await page.fill('#school', code);
  await page.click('#audit-filter button');
  await page.waitForURL(new RegExp(`school=${code}`));
  const added = page.locator('#audit-table tr', { hasText: 'school.added' });
  assert.equal(await added.locator(`a[href="/admin/schools/${code}"]`).innerText(), `瀏覽器國民小學${code}`);
  const viewed = page.locator('#audit-table tr', { hasText: 'admin.person_viewed' }).first().locator('dl.audit-detail');
  assert.match(await viewed.innerText(), new RegExp(`瀏覽器國民小學${code}（${code}）`));
  await checked(page, '12-audit-school', problems);
  await context.close();
});

test('the school list: a stray quote said by its line; the preview, 匯入, and Back, reload and a second tab land on pages', {
  skip: browserSkip,
}, async () => {
  const en = translator('en');
  const admin = await personWith(server, [{ role: 'bureau_admin' }], 'bureau');
  const { context, page, problems } = await watchedPage(browser, {
    // A file that cannot be read is answered 400, as it should be.
    allow: (status, path) => status === 400 && path === '/admin/schools/import',
  });
  await page.goto(`${server.issuer}/admin/schools/import`);
  await page.locator('#login').waitFor();
  await page.fill('#login', admin.email);
  await page.fill('#password', PERSON_PASSWORD);
  await page.click('button.primary');
  await typeSetupCode(page, server.issuer);
  await page.locator('#totp-qr').waitFor();
  const secret = (await page.locator('#totp-secret').innerText()).replaceAll(' ', '');
  await page.fill('#code', await generate({ secret }));
  await page.click('form[action$="/second-factor"] button[type=submit]');
  await page.waitForURL(/\/admin\/schools\/import$/);
  const [a, b] = [0, 1].map(() => `2${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`);
  const upload = async (csv: string) => {
    await page.setInputFiles('#list-file', { name: 'schools.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.click('#list-upload button.primary');
  };
  // Every answer the browser gets from the import pages, by method: Back and reload ask with GET.
  const asked: string[] = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/admin/schools'))
      asked.push(`${res.request().method()} ${res.status()}`);
  });

  for (const [locale, t] of [
    ['zh-TW', zh],
    ['en', en],
  ] as const) {
    await page.goto(`${server.issuer}/admin/schools/import?lang=${locale}`);
    await upload(`學校代碼,學校名稱,學制\n${a},甲國小,國小\n${b},臺北市立"乙國中,國中\n`);
    await page.locator('#list-error').waitFor();
    assert.equal(
      await page.locator('#list-error').innerText(),
      t('admin.schools.list.errors.notCsv.strayQuote', { line: 3 }),
    );
    await checked(page, `13-list-stray-quote-${locale}`, problems);
    asked.length = 0;
    await page.reload();
    await page.locator('#list-upload').waitFor();
    assert.deepEqual(asked, ['GET 200'], 'the reload asks for the form, sending no file');
    assert.equal(await page.locator('#list-error').count(), 0);
  }
  await page.goto(`${server.issuer}/admin/schools/import?lang=zh-TW`);

  // A list with a repeated code: the row left out (with its code) first, then the preview, then 匯入.
  await upload(`學校代碼,學校名稱,學制\n${a},甲國小${a},國小\n${b},乙國中${b},國中\n${a},甲國小又一次,國小\n`);
  await page.waitForURL(/\/admin\/schools\/import\?preview=/);
  const preview = page.url();
  assert.deepEqual(
    (await page.locator('#problem-table tbody td').allInnerTexts()).map((c) => c.trim()),
    ['4', zh('admin.schools.columns.code'), a, zh('admin.schools.errors.codeTwice', { line: 2 })],
  );
  const order = await page.evaluate(() => {
    const problemsAt = document.querySelector('#list-problems');
    const button = document.querySelector('#list-commit');
    return (
      !!problemsAt && !!button && !!(problemsAt.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING)
    );
  });
  assert.ok(order, 'the problems come before 匯入');
  await checked(page, '14-list-preview', problems);
  asked.length = 0;
  await page.reload();
  await page.locator('#list-commit').waitFor();
  assert.deepEqual(asked, ['GET 200'], 'the reload shows the preview again, sending no file');
  await page.locator('a.lang').click();
  await page.locator('#list-commit').waitFor();
  assert.equal(await page.locator('#preview-heading').innerText(), en('admin.schools.list.previewTitle'));
  await checked(page, '14-list-preview-en', problems);
  await page.locator('a.lang').click();
  await page.locator('#list-commit').waitFor();

  // The same preview in a second tab, left open.
  const second = await context.newPage();
  await second.goto(preview);
  await second.locator('#list-commit').waitFor();

  await page.click('#list-commit button');
  await page.waitForURL(/\?imported=[\w-]+$/);
  assert.equal(
    await page.locator('#list-imported').innerText(),
    zh('admin.schools.list.imported', { added: 2, changed: 0 }),
  );
  // Back: the preview's own page, which says the list is imported (no 匯入 again), never "Confirm form resubmission".
  asked.length = 0;
  await page.goBack();
  await page.locator('#list-already').waitFor();
  assert.ok(
    asked.every((x) => x.startsWith('GET ')),
    asked.join(', '),
  );
  assert.ok(page.url().startsWith(preview), page.url());
  assert.equal(await page.locator('#list-commit').count(), 0);
  await checked(page, '15-list-back-after-import', problems);

  // The second tab's 匯入: imported already, with the way to the list — not "the preview waited too long".
  await second.click('#list-commit button');
  await second.waitForURL(/already=1/);
  assert.equal(
    (await second.locator('#list-already').innerText()).trim(),
    `${zh('admin.schools.list.already')} ${zh('admin.schools.list.toList')}`,
  );
  assert.equal(await second.locator('#list-expired').count(), 0);
  await checked(second, '16-list-imported-already', problems);
  await second.goto(`${server.issuer}/admin/schools/import?already=1&lang=en`);
  assert.match(await second.locator('#list-already').innerText(), new RegExp(en('admin.schools.list.toList')));
  await checked(second, '16-list-imported-already-en', problems);
  await Promise.all([second.waitForURL(/\/admin\/schools$/), second.click('#list-already a')]);
  assert.equal((await server.storage.db('audit_events').where({ subject: a, action: 'school.added' })).length, 1);
  await context.close();
});
