// Self-registration in a real browser, with the mail going through a real SMTP server: the wizard (a mistake,
// the person check done again, step 2, "back", submit), the activation link opened from the parsed mail, the welcome mail, the
// used link, "send the activation mail again", and a sign-in with the new account at the demo app.
// Screenshots of every page at desktop and phone widths.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParsedMail } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { maskNationalId } from '../../../src/domain/people/national-id.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { axeViolations } from '../../helpers/a11y.ts';
import { browserSkip, launchBrowser, passChallenge, shoot, watchedPage } from '../../helpers/browser.ts';
import { type MailSink, startMailSink } from '../../helpers/mail-sink.ts';
import { randomNationalId, withWrongCheckDigit } from '../../helpers/national-ids.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const PASSWORD = 'Blue-Kettle-1987';
const EMAIL = `browser-${crypto.randomBytes(4).toString('hex')}@example.org`;
const NATIONAL_ID = randomNationalId();

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let smtp: MailSink | undefined;
let problems: string[] = [];

before(async () => {
  if (browserSkip) return;
  smtp = await startMailSink();
  const port = smtp.port;
  server = await startTestServer({
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    OUTBOX_POLL_MS: '50',
    MAIL_FROM: 'campus-sso <no-reply@sso.test>',
  });
  browser = await launchBrowser();
  // 400: the form with mistakes and the used link, both expected below.
  ({ context, page, problems } = await watchedPage(browser, { allow: (status) => status === 400 }));
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.close();
  await smtp?.close();
});

async function waitForMail(subject: string): Promise<ParsedMail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const mail = smtp!.mails.find((m) => m.subject === subject && m.to && JSON.stringify(m.to).includes(EMAIL));
    if (mail) return mail;
    if (Date.now() > deadline)
      throw new Error(`no mail "${subject}" to ${EMAIL} (got: ${smtp!.mails.map((m) => m.subject).join(', ')})`);
    await sleep(50);
  }
}

/** The person check passes by itself; the test waits as a person would. */
const solveCaptcha = (p: Page) => passChallenge(p);

const heading = (p: Page) => p.locator('main h1').innerText();

test('register in the browser, activate from the mail, sign in at the demo', { skip: browserSkip }, async () => {
  // Step 1, empty.
  const first = await page.goto(`${server.issuer}/register`);
  assert.equal(first?.status(), 200);
  assert.equal(await heading(page), zh('registration.step1.heading'));
  assert.equal(
    await page
      .locator('.reg-steps li[aria-current="step"]')
      .innerText()
      .then((s) => s.includes(zh('registration.steps.one'))),
    true,
  );
  await shoot(page, 'registration-01-step1');

  // A mistake: messages under the fields, what was typed still there.
  await page.selectOption('#school', '353604');
  await page.fill('#email', 'not-an-email');
  await page.fill('#name', '何超人');
  await page.fill('#national_id', withWrongCheckDigit(NATIONAL_ID));
  await page.click('button.reg-next');
  await page.locator('.mistakes').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('mistakes')), true);
  assert.equal(
    await page.title(),
    `${zh('titleWithMistakes')}${zh('registration.stepTitle', { n: 1, name: zh('registration.steps.one') })} · ${zh('registration.title')} · ${zh('brand')}`,
  );
  assert.equal(await page.locator('#email-error').innerText(), zh('registration.errors.emailInvalid'));
  assert.equal(await page.locator('#national_id-error').innerText(), zh('registration.errors.nationalIdInvalid'));
  assert.equal(await page.inputValue('#name'), '何超人');
  assert.equal(await page.inputValue('#school'), '353604');
  await shoot(page, 'registration-02-step1-mistakes');

  // The language link, there and back: what was typed comes along (not the password), the page in the other language.
  await page.fill('#phone', '02-27208889');
  await page.fill('#password', PASSWORD);
  for (const locale of ['en', 'zh-TW'] as const) {
    await Promise.all([page.waitForLoadState(), page.click('a.lang')]);
    await page.waitForFunction((lang) => document.documentElement.lang === lang, locale);
    assert.equal(await heading(page), translator(locale)('registration.step1.heading'));
    assert.equal(await page.inputValue('#name'), '何超人', locale);
    assert.equal(await page.inputValue('#school'), '353604', locale);
    assert.equal(await page.inputValue('#email'), 'not-an-email', locale);
    assert.equal(await page.inputValue('#phone'), '02-27208889', locale);
    assert.equal(await page.inputValue('#password'), '', 'a password is never carried');
  }
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing left behind in the tab');

  // Everything right; the check done once more ("check again", as after it expired): what was typed stays.
  await page.selectOption('#kind', 'teacher');
  await page.fill('#email', EMAIL);
  await page.fill('#national_id', NATIONAL_ID);
  await page.fill('#password', PASSWORD);
  await page.fill('#password_confirm', PASSWORD);
  await page.fill('#phone', '02-21235678');
  await page.selectOption('#gender', 'male');
  await passChallenge(page);
  await page.evaluate(async () => {
    const widget = document.querySelector('altcha-widget') as unknown as { reset(): void; verify(): Promise<void> };
    widget.reset();
    await widget.verify();
  });
  await passChallenge(page);
  assert.equal(await page.inputValue('#email'), EMAIL);
  assert.equal(await page.inputValue('#password'), PASSWORD);
  await solveCaptcha(page);
  assert.equal(await page.locator('#challenge-status').innerText(), zh('challenge.widget.verified'), 'said aloud');
  await shoot(page, 'registration-03-step1-filled');
  await page.click('button.reg-next');

  // Step 2: the values, the password and national ID masked.
  await page.waitForURL(/\/register\/confirm$/);
  assert.equal(await heading(page), zh('registration.step2.heading'));
  const review = await page.locator('.reg-review').innerText();
  for (const shown of [
    '臺北市立示範國民中學',
    '教師',
    EMAIL,
    '何超人',
    maskNationalId(NATIONAL_ID),
    '02-21235678',
    '男',
  ])
    assert.ok(review.includes(shown), shown);
  assert.ok(!review.includes(NATIONAL_ID) && !review.includes(PASSWORD));
  await shoot(page, 'registration-04-step2');

  // Back: every value kept, the password kept without being shown.
  await page.click('#back');
  await page.waitForURL(/\/register$/);
  assert.equal(await page.inputValue('#email'), EMAIL);
  assert.equal(await page.inputValue('#national_id'), NATIONAL_ID);
  assert.equal(await page.inputValue('#kind'), 'teacher');
  assert.equal(await page.inputValue('#gender'), 'male');
  assert.equal(await page.inputValue('#password'), '');
  await page.locator('.reg-kept').waitFor();
  await shoot(page, 'registration-05-back');
  await solveCaptcha(page);
  await page.click('button.reg-next');
  await page.waitForURL(/\/register\/confirm$/);
  await page.click('#submit-registration button');

  // Step 3.
  await page.waitForURL(/\/register\/done$/);
  assert.equal(await heading(page), zh('registration.step3.heading'));
  assert.ok(
    (await page.locator('main').innerText()).includes(zh('registration.step3.sentTo', { email: EMAIL })),
    'says where the mail went',
  );
  await shoot(page, 'registration-06-done');

  // The mail, through SMTP: send it again from the sign-in page's form, then open the link.
  const mail = await waitForMail(`${zh('brand')}註冊通知`);
  assert.match(mail.text ?? '', /歡迎註冊/);
  const person = await server.storage.db('persons').where({ email: EMAIL }).first();
  assert.equal(person.status, 'pending');
  const ticket = (await server.services.enrolment.offerResend({ personId: person.id }))!;
  await page.goto(`${server.issuer}/register`);
  await page.evaluate((t) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = '/register/resend';
    for (const [name, value] of [
      ['_csrf', (document.querySelector('input[name=_csrf]') as HTMLInputElement).value],
      ['ticket', t],
    ]) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name!;
      input.value = value!;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  }, ticket);
  await page.locator('.reg-success').waitFor();
  assert.equal(await page.locator('.reg-success').innerText(), zh('registration.resend.sent'));
  await shoot(page, 'registration-07-resent');
  const deadline = Date.now() + 15_000;
  while (smtp!.mails.filter((m) => JSON.stringify(m.to).includes(EMAIL) && m.subject === mail.subject).length < 2) {
    if (Date.now() > deadline) throw new Error('the second activation mail did not arrive');
    await sleep(50);
  }

  const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text ?? '')?.[1];
  assert.ok(link, 'the mail holds the link');
  await page.goto(link);
  // The link's page asks to confirm (opening it changes nothing: mail scanners open links too): it names the
  // registration and asks for the password chosen at it.
  assert.equal(await heading(page), zh('registration.activate.confirmTitle'));
  const named = await page.locator('.reg-review').innerText();
  assert.ok(named.includes(EMAIL) && named.includes('何超人'), named);
  assert.deepEqual(await axeViolations(page), [], 'axe: the activation page');
  await shoot(page, 'registration-07b-activate');
  // In English too (the language link keeps the link's page), and back.
  for (const locale of ['en', 'zh-TW'] as const) {
    await Promise.all([page.waitForLoadState(), page.click('a.lang')]);
    await page.waitForFunction((lang) => document.documentElement.lang === lang, locale);
    assert.equal(await heading(page), translator(locale)('registration.activate.confirmTitle'));
    if (locale === 'en') {
      assert.deepEqual(await axeViolations(page), [], 'axe: the activation page in English');
      await shoot(page, 'registration-07c-activate-en');
    }
  }
  // A wrong password: the message at the field, nothing activated.
  await page.fill('#password', 'Not-My-Password-1');
  await page.click('form[action="/register/activate"] button.primary');
  await page.locator('#password-error').waitFor();
  assert.equal(
    await page.locator('#password-error').innerText(),
    zh('registration.activate.passwordWrong', { left: 9 }),
  );
  assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
  assert.equal((await server.storage.db('persons').where({ id: person.id }).first()).status, 'pending');
  assert.deepEqual(await axeViolations(page), [], 'axe: a wrong password');
  await shoot(page, 'registration-07d-activate-wrong');
  await page.fill('#password', PASSWORD);
  await page.click('form[action="/register/activate"] button.primary');
  await page.waitForURL(/\/register\/activated$/);
  assert.equal(await heading(page), zh('registration.activate.done'));
  await shoot(page, 'registration-08-activated');
  const welcome = await waitForMail(`${zh('brand')}註冊成功通知`);
  assert.ok((welcome.text ?? '').includes(`帳號（${EMAIL}）註冊成功`));

  // The same link again: a clear page.
  const again = await page.goto(link);
  assert.equal(again?.status(), 400);
  assert.equal(await page.locator('.alert').innerText(), zh('registration.activate.used'));
  await shoot(page, 'registration-09-link-used');

  // Sign in at the demo with the new account: no identity yet (a general member), the demo accepts everyone.
  await page.goto(`${server.issuer}/demo`);
  await page.fill('#login', EMAIL);
  await page.fill('#password', PASSWORD);
  await page.click('button.primary');
  await page.locator('form[action$="/confirm"] button.primary').click();
  await page.waitForURL(/\/demo\/callback/);
  const [idToken, userinfo] = await Promise.all(
    [0, 1].map(async (i) => JSON.parse(await page.locator('pre').nth(i).innerText()) as Record<string, unknown>),
  );
  assert.equal(idToken!.sub, person.id);
  assert.equal(userinfo!.email, EMAIL);
  assert.equal(userinfo!.email_verified, true);
  assert.equal(userinfo!.identity, undefined);
  await shoot(page, 'registration-10-demo');

  assert.deepEqual(problems, []);
});

test("someone else's registration of one's address: named on the link's page, discarded with 這不是我的註冊", {
  skip: browserSkip,
}, async () => {
  // Someone registers this person's address with their own password and name; the mail goes to the address's owner.
  const email = `browser-other-${crypto.randomBytes(4).toString('hex')}@example.org`;
  const made = await server.services.enrolment.register({
    schoolCode: '353604',
    kind: 'teacher',
    email,
    name: '陳大壞',
    nationalId: randomNationalId(),
    password: 'Loud-Harbor-4419',
    locale: 'zh-TW',
  });
  assert.ok(made.ok);
  const deadline = Date.now() + 15_000;
  const mailTo = () => smtp!.mails.find((m) => JSON.stringify(m.to).includes(email));
  while (!mailTo()) {
    if (Date.now() > deadline) throw new Error('no activation mail');
    await sleep(50);
  }
  const mail = mailTo()!;
  const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text ?? '')![1]!;
  await page.goto(link);
  assert.ok((await page.locator('.reg-review').innerText()).includes('陳大壞'), 'the page says whose registration');
  await page.click('form[action="/register/activate/discard"] button');
  await page.waitForURL(/\/register\/discarded$/);
  assert.equal(await heading(page), zh('registration.activate.discardedTitle'));
  assert.deepEqual(await axeViolations(page), [], 'axe: discarded');
  await shoot(page, 'registration-11-discarded');
  await Promise.all([page.waitForLoadState(), page.click('a.lang')]);
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await heading(page), translator('en')('registration.activate.discardedTitle'));
  assert.deepEqual(await axeViolations(page), [], 'axe: discarded, in English');
  await shoot(page, 'registration-12-discarded-en');
  await page.click('a.button[href="/register"]');
  await page.waitForURL(/\/register$/);
  assert.equal(await server.storage.db('persons').where({ email }).first(), undefined, 'nothing of it stays');
  assert.deepEqual(problems, []);
});
