// The bureau console in Chromium (issue 15, items 6–8): a bureau administrator opens /admin, signs in with the
// password and sets up the authenticator, then walks the sections — schools (a school added, a wrong code first; its
// page; an administrator named by email — a login nobody has first, then who it is, confirmed), people (a search by national ID, masked; the person's page; the whole ID
// revealed with a reason; the account locked), the audit log (filtered to those actions, then to the school, named).
// Each page is checked with axe-core and photographed at desktop and phone widths.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { maskEmail } from '../../../src/domain/people/masks.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations, pageChecks } from '../../helpers/a11y.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { browserSkip, launchBrowser, watchedPage } from '../../helpers/browser.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
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
