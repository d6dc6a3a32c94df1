// In a real browser: the reset's done page when it removed linked accounts, and the pages of a number whose reset by
// SMS waits after too many wrong codes (the code page, the forgot page's message at the field), in both languages:
// axe-clean, focus visible, photographed. The counting itself is tested over HTTP (sms-wrong-codes.test.ts).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PASSWORD_RESET } from '../../../src/platform/limits.ts';
import { pageChecks } from '../../helpers/a11y.ts';
import { browserSkip, launchBrowser, passChallenge, watchedPage } from '../../helpers/browser.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const tr = { 'zh-TW': translator('zh-TW'), en: translator('en') };
const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
const check = pageChecks('password-links-wait');

let server: TestServer;
let browser: Browser;

before(async () => {
  if (browserSkip) return;
  server = await startTestServer();
  for (const a of LOOPBACK) await server.services.throttle.reset(PASSWORD_RESET.address, a);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close().catch(() => {});
  if (server) for (const a of LOOPBACK) await server.services.throttle.reset(PASSWORD_RESET.address, a);
  await server?.close();
});

const heading = (page: Page) => page.locator('main h1').innerText();

async function newPerson(mobile?: string) {
  const tag = crypto.randomBytes(4).toString('hex');
  return insertPerson(server.storage.db, {
    username: `plw-${tag}`,
    name: '林阿公',
    passwordHash: await hashPassword('Old-Password-1', 4),
    email: `plw-${tag}@example.org`,
    emailVerified: true,
    mobile,
  });
}

for (const locale of ['zh-TW', 'en'] as const) {
  const t = tr[locale];

  test(`the done page of a reset that removed linked accounts (${locale})`, { skip: browserSkip }, async () => {
    const person = await newPerson();
    await server.storage.db('federated_links').insert({
      id: crypto.randomUUID(),
      person_id: person.id,
      provider: 'google',
      subject: `sub-${crypto.randomBytes(4).toString('hex')}`,
      email: null,
    });
    const token = await server.services.passwordLinks.issue(
      { personId: person.id, via: 'email', issuedAt: Date.now() },
      3600,
    );
    const { context, page, problems } = await watchedPage(browser, { locale });
    try {
      await page.goto(`${server.issuer}/password/reset?token=${token}`);
      await page.fill('#password', 'Harbour-Lights-4417');
      await page.fill('#confirm', 'Harbour-Lights-4417');
      await Promise.all([page.waitForURL(/\/password\/reset\/done\?links=removed$/), page.click('button.primary')]);
      assert.equal(await heading(page), t('password.reset.doneTitle'));
      assert.equal((await page.locator('main p.muted').innerText()).trim(), t('password.reset.doneLinks'));
      await check(page, `done-links-${locale}`, problems);
      assert.equal((await server.storage.db('federated_links').where({ person_id: person.id })).length, 0);
    } finally {
      await context.close();
    }
  });

  test(`a number whose reset by SMS waits: the code page and the forgot page say until when (${locale})`, {
    skip: browserSkip,
  }, async () => {
    const mobile = `09${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`;
    await newPerson(mobile);
    const { context, page, problems } = await watchedPage(browser, { locale, allow: (status) => status === 429 });
    try {
      await page.goto(`${server.issuer}/password/forgot`);
      await page.fill('#target', mobile);
      await passChallenge(page);
      await Promise.all([page.waitForURL(/\/password\/reset\/code\?ticket=/), page.click('button.primary')]);
      // Ten wrong codes were typed for this number meanwhile (counted over HTTP in sms-wrong-codes.test.ts).
      await server.services.throttle.lock('reset-code-wait', `sms:${mobile}`, PASSWORD_RESET.wrongCodesWaitSeconds);
      await page.fill('#code', '000000');
      await page.click('button.primary');
      await page.waitForLoadState();
      assert.equal(await heading(page), t('password.code.waitTitle'));
      assert.match(await page.locator('main p.alert').innerText(), /\d{1,2}:\d{2}/);
      await check(page, `code-wait-${locale}`, problems);

      // The way on: the forgot page, where the number is refused at its field with the time, kept as typed.
      await Promise.all([page.waitForURL(/\/password\/forgot$/), page.click(`a.button`)]);
      await page.fill('#target', mobile);
      await passChallenge(page);
      await page.click('button.primary');
      await page.locator('#target-error').waitFor();
      assert.match(await page.locator('#target-error').innerText(), /\d{1,2}:\d{2}/);
      assert.equal(await page.inputValue('#target'), mobile);
      assert.equal(await page.getAttribute('#target', 'aria-invalid'), 'true');
      await check(page, `forgot-wait-${locale}`, problems);
    } finally {
      await context.close();
    }
  });
}
