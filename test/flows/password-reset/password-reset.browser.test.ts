// Passwords in a real browser: (a) the forced change at first sign-in through to the relying party's callback;
// (b) a reset by email through a real SMTP sink (smtp-server), then a sign-in with the new password; (c) a reset by
// SMS code and the pages for a bad link. Screenshots of every page at desktop and phone widths.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcrypt';
import { simpleParser } from 'mailparser';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PASSWORD_RESET } from '../../../src/platform/limits.ts';
import {
  browserSkip,
  DESKTOP,
  launchBrowser,
  PHONE,
  passChallenge,
  shoot,
  watchedPage,
} from '../../helpers/browser.ts';
import { discover, pkce, registerClient } from '../../helpers/rp.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const CLIENT = 'pw-browser-rp';
const SECRET = 'pw-browser-secret-0123456789abcdefgh';

type Mail = { to: string; subject: string; text: string; from: string };

let server: TestServer;
let browser: Browser;
let smtp: SMTPServer;
const mails: Mail[] = [];
let rp: http.Server;
let callback: string;
const problems: string[] = [];

/** Screenshots at both widths (shoot), and no sideways scrolling at either. */
async function look(page: Page, name: string) {
  await shoot(page, name);
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize({ ...size });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: ${overflow}px wider than ${size.width}px`);
  }
}

before(async () => {
  if (browserSkip) return;
  // The SMTP sink: every mail parsed and kept.
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((m) => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address).join(','),
            subject: m.subject ?? '',
            text: m.text ?? '',
            from: m.from?.text ?? '',
          });
          cb();
        })
        .catch(cb);
    },
  });
  const smtpPort = await new Promise<number>((resolve) => {
    const s: net.Server = smtp.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
  });
  // The relying party's callback: a plain page (the test exchanges the code itself).
  rp = http.createServer((_req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end('<!doctype html><title>RP</title><h1 id="rp">callback</h1>'),
  );
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
  callback = `http://127.0.0.1:${(rp.address() as net.AddressInfo).port}/cb`;

  server = await startTestServer({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, OUTBOX_POLL_MS: '100' });
  await registerClient(server, { client_id: CLIENT, first_party: true, redirect_uris: [callback] }, SECRET);
  for (const a of ['127.0.0.1', '::ffff:127.0.0.1', '::1'])
    await server.services.throttle.reset(PASSWORD_RESET.address, a);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (rp ? rp.close(() => resolve()) : resolve()));
});

function open(locale = 'zh-TW'): Promise<{ context: BrowserContext; page: Page }> {
  // Refused forms (400, 429) are expected along the way; nothing may fail on the server's side.
  return watchedPage(browser, { locale, problems, allow: (status) => status < 500 });
}

async function newPerson(opts: { mustChange?: boolean; email?: boolean; mobile?: boolean; password: string }) {
  const tag = crypto.randomBytes(4).toString('hex');
  const person = await insertPerson(server.storage.db, {
    username: `pwb-${tag}`,
    name: '黃小安',
    passwordHash: await hashPassword(opts.password, 4),
    email: opts.email ? `pwb-${tag}@school.example.edu.tw` : undefined,
    emailVerified: opts.email,
    mobile: opts.mobile ? `09${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}` : undefined,
    mustChangePassword: opts.mustChange,
  });
  return person;
}

/** Sends the browser to campus-sso as the relying party would; returns what the code exchange needs. */
async function startSignIn(page: Page) {
  const conf = await discover(server.issuer, CLIENT, SECRET);
  const p = await pkce();
  const url = oidc.buildAuthorizationUrl(conf, {
    redirect_uri: callback,
    scope: 'openid profile',
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    state: p.state,
    nonce: p.nonce,
  });
  await page.goto(url.href);
  await page.waitForURL(/\/interaction\/[A-Za-z0-9_-]+$/);
  return { conf, p };
}

async function exchange(page: Page, flow: Awaited<ReturnType<typeof startSignIn>>) {
  const tokens = await oidc.authorizationCodeGrant(flow.conf, new URL(page.url()), {
    pkceCodeVerifier: flow.p.verifier,
    expectedState: flow.p.state,
    expectedNonce: flow.p.nonce,
  });
  return tokens.claims()!;
}

const heading = (page: Page) => page.locator('main h1').innerText();
const submit = (page: Page, url: RegExp | ((u: URL) => boolean)) =>
  Promise.all([page.waitForURL(url), page.click('button.primary')]);

/** The person check passes by itself: the test waits as a person would. */
const fillCaptcha = (page: Page) => passChallenge(page);

test('(a) forced password change at first sign-in, through to the relying party', { skip: browserSkip }, async () => {
  const person = await newPerson({ mustChange: true, password: 'Start-Here-2026' });
  const { context, page } = await open();
  try {
    const flow = await startSignIn(page);
    await page.fill('#login', person.username!);
    await page.fill('#password', 'Start-Here-2026');
    await submit(page, /\/interaction\/[A-Za-z0-9_-]+\/password$/);
    assert.equal(await heading(page), zh('password.change.title'));
    assert.equal(await page.getAttribute('#password', 'autocomplete'), 'new-password');
    assert.equal(await page.getAttribute('#confirm', 'autocomplete'), 'new-password');
    assert.match(await page.locator('.policy').innerText(), new RegExp(zh('password.policy.minLength')));
    await look(page, 'password-01-forced-change');

    // A common password: the field's message, and the form again.
    await page.fill('#password', 'iloveyou1');
    await page.fill('#confirm', 'iloveyou1');
    await submit(page, /\/password$/);
    assert.equal((await page.locator('#password-error').innerText()).trim(), zh('password.policy.common'));
    assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
    await look(page, 'password-02-forced-change-refused');

    // The same page in English.
    await page.click('a.lang');
    await page.waitForURL(/[?&]lang=en\b/);
    assert.equal(await heading(page), en('password.change.title'));
    await look(page, 'password-03-forced-change-en');
    await page.click('a.lang');
    await page.waitForURL(/[?&]lang=zh-TW\b/);

    await page.fill('#password', 'Paper-Boat-7312');
    await page.fill('#confirm', 'Paper-Boat-7312');
    await submit(page, (u) => u.href.startsWith(callback));
    await look(page, 'password-04-forced-change-relying-party');
    const claims = await exchange(page, flow);
    assert.equal(claims.sub, person.id);
    const stored = await server.storage.db('persons').where({ id: person.id }).first();
    assert.equal(stored.must_change_password, false);
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, []);
});

test('(b) reset by email through a real SMTP server, then sign in with the new password', {
  skip: browserSkip,
}, async () => {
  const person = await newPerson({ email: true, password: 'Forgotten-Pass-1' });
  const { context, page } = await open();
  try {
    const flow = await startSignIn(page);
    await look(page, 'password-05-sign-in-with-forgot-link');
    await Promise.all([page.waitForURL(/\/password\/forgot\?interaction=/), page.click('p.forgot a')]);
    assert.equal(await heading(page), zh('password.forgot.title'));
    await look(page, 'password-06-forgot');

    // A mistyped address first: its message, what was typed kept, and a new check done by itself.
    await page.fill('#target', `${person.email!}@`);
    await fillCaptcha(page);
    await submit(page, /\/password\/forgot/);
    assert.equal((await page.locator('#target-error').innerText()).trim(), zh('password.forgot.invalidTarget'));
    assert.equal(await page.inputValue('#target'), `${person.email!}@`);
    await look(page, 'password-07-forgot-address-wrong');

    await page.fill('#target', person.email!);
    await fillCaptcha(page);
    await submit(page, /\/password\/forgot\/sent/);
    assert.equal(await heading(page), zh('password.sent.title'));
    await look(page, 'password-08-forgot-sent');

    // The outbox delivers through SMTP; the mail is read as a person's mail program would.
    const deadline = Date.now() + 20_000;
    while (!mails.some((m) => m.to === person.email)) {
      if (Date.now() > deadline) throw new Error('the reset mail did not arrive');
      await sleep(50);
    }
    const mail = mails.find((m) => m.to === person.email)!;
    assert.equal(
      mail.subject,
      '臺北市校園單一身分驗證：重設您的密碼 / Taipei Campus Single Sign-On: reset your password',
    );
    assert.match(mail.text, /黃小安 您好/);
    const link = /https?:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0];
    assert.ok(link, 'the mail has the link');

    await page.goto(link);
    assert.equal(await heading(page), zh('password.reset.title'));
    await look(page, 'password-09-reset-form');
    await page.fill('#password', 'Window-Tree-5518');
    await page.fill('#confirm', 'Window-Tree-5519');
    await submit(page, /\/password\/reset/);
    assert.equal((await page.locator('#confirm-error').innerText()).trim(), zh('password.field.mismatch'));
    await look(page, 'password-10-reset-mismatch');
    await page.fill('#password', 'Window-Tree-5518');
    await page.fill('#confirm', 'Window-Tree-5518');
    await submit(page, /\/password\/reset/);
    assert.equal(await heading(page), zh('password.reset.doneTitle'));
    await look(page, 'password-11-reset-done');

    // Back to the sign-in it started from, and in with the new password.
    await Promise.all([page.waitForURL(/\/interaction\/[A-Za-z0-9_-]+$/), page.click('a.button')]);
    assert.equal(await heading(page), zh('login.title'));
    await page.fill('#login', person.email!);
    await page.fill('#password', 'Window-Tree-5518');
    await submit(page, (u) => u.href.startsWith(callback));
    const claims = await exchange(page, flow);
    assert.equal(claims.sub, person.id);

    // The "password changed" notice arrives too; the link is spent.
    while (!mails.some((m) => m.to === person.email && m.subject.includes('your password was changed'))) {
      if (Date.now() > deadline) throw new Error('the notice did not arrive');
      await sleep(50);
    }
    // Opened again in this browser, the link says what it did (the password is set); in any other, that it works
    // no more.
    await page.goto(link);
    assert.equal(await heading(page), zh('password.reset.doneTitle'));
    const other = await open();
    try {
      await other.page.goto(link);
      assert.equal(await heading(other.page), zh('password.reset.invalidTitle'));
      await look(other.page, 'password-12-reset-link-used');
    } finally {
      await other.context.close();
    }
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, []);
});

test('(c) reset by SMS code', { skip: browserSkip }, async () => {
  const person = await newPerson({ mobile: true, password: 'Forgotten-Pass-2' });
  const { context, page } = await open();
  try {
    await page.goto(`${server.issuer}/password/forgot`);
    await page.fill('#target', person.mobile!);
    await fillCaptcha(page);
    await submit(page, /\/password\/reset\/code\?ticket=/);
    assert.equal(await heading(page), zh('password.code.title'));
    assert.equal(await page.getAttribute('#code', 'autocomplete'), 'one-time-code');
    await look(page, 'password-13-sms-code');

    // SMS go to the development mailbox here (no SMS gateway configured).
    let sms: { text_body: string } | undefined;
    for (let i = 0; i < 100 && !sms; i++) {
      sms = await server.storage
        .db('outbox_messages')
        .where({ recipient: person.mobile, kind: 'password_reset_code' })
        .first();
      if (!sms) await sleep(50);
    }
    const code = /\b(\d{6})\b/.exec(sms!.text_body)![1]!;
    await page.fill('#code', code === '000000' ? '111111' : '000000');
    await submit(page, /\/password\/reset\/code/);
    assert.equal((await page.locator('#code-error').innerText()).trim(), zh('password.code.wrong', { count: 4 }));
    await look(page, 'password-14-sms-code-wrong');
    await page.fill('#code', code);
    await submit(page, /\/password\/reset\?token=/);
    assert.equal(await heading(page), zh('password.reset.title'));
    await page.fill('#password', 'Mountain-Path-8820');
    await page.fill('#confirm', 'Mountain-Path-8820');
    await submit(page, /\/password\/reset/);
    assert.equal(await heading(page), zh('password.reset.doneTitle'));
    // No sign-in to return to: on to one's account with the new password, or home; a reload shows the same page.
    assert.equal(new URL(page.url()).pathname, '/password/reset/done');
    assert.equal(await page.getAttribute('a.button', 'href'), '/account');
    assert.equal(await page.getAttribute('p.actions a:not(.button)', 'href'), '/');
    await page.reload();
    assert.equal(await heading(page), zh('password.reset.doneTitle'));

    await page.goto(`${server.issuer}/password/reset?token=${'x'.repeat(43)}`);
    assert.equal(await heading(page), zh('password.reset.invalidTitle'));
    await look(page, 'password-15-reset-link-invalid');
    await page.goto(`${server.issuer}/password/reset/code?ticket=${'x'.repeat(22)}`);
    assert.equal(await heading(page), zh('password.code.expiredTitle'));
    await look(page, 'password-16-sms-code-expired');
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, []);
});

test('(d) Back and reload after a refused code or password: the pages themselves, no try used, in English', {
  skip: browserSkip,
}, async () => {
  const person = await newPerson({ mobile: true, password: 'Forgotten-Pass-3' });
  const { context, page } = await open('en');
  /** What a Chinese input method in its full-width mode types. */
  const fullWidth = (text: string) =>
    [...text].map((c) => (c > ' ' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');
  // Every answer the browser gets, by method: Back and reload must ask with GET, never send a form again.
  const asked: string[] = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/password/')) asked.push(`${res.request().method()} ${res.status()}`);
  });
  try {
    await page.goto(`${server.issuer}/password/forgot`);
    await page.fill('#target', fullWidth(person.mobile!));
    await fillCaptcha(page);
    await submit(page, /\/password\/reset\/code\?ticket=/);
    const codePage = page.url();
    let sms: { text_body: string } | undefined;
    for (let i = 0; i < 100 && !sms; i++) {
      sms = await server.storage
        .db('outbox_messages')
        .where({ recipient: person.mobile, kind: 'password_reset_code' })
        .first();
      if (!sms) await sleep(50);
    }
    const code = /\b(\d{6})\b/.exec(sms!.text_body)![1]!;
    const wrongCode = code === '000000' ? '111111' : '000000';
    await page.fill('#code', wrongCode);
    await submit(page, /\/password\/reset\/code/);
    assert.equal((await page.locator('#code-error').innerText()).trim(), en('password.code.wrong', { count: 4 }));
    await look(page, 'password-17-sms-code-wrong-en');
    // Reload: the code page asked for again (no code sent, no try used), not "Confirm form resubmission".
    asked.length = 0;
    await page.reload();
    assert.deepEqual(asked, ['GET 200'], 'the reload asks for the page');
    assert.equal(page.url(), codePage);
    assert.equal(await page.locator('#code-error').count(), 0);
    await page.fill('#code', wrongCode);
    await submit(page, /\/password\/reset\/code/);
    assert.equal(
      (await page.locator('#code-error').innerText()).trim(),
      en('password.code.wrong', { count: 3 }),
      'the reload used no try',
    );
    await page.fill('#code', fullWidth(code));
    await submit(page, /\/password\/reset\?token=/);
    const formPage = page.url();
    await page.fill('#password', 'Harbour-Light-7731');
    await page.fill('#confirm', 'Harbour-Light-7713');
    await submit(page, /\/password\/reset\?token=/);
    assert.equal(await page.locator('#confirm-error').count(), 1);
    await look(page, 'password-18-reset-refused-en');
    asked.length = 0;
    await page.reload();
    assert.deepEqual(asked, ['GET 200'], 'the reload asks for the form, sending no password');
    assert.equal(page.url(), formPage);
    await page.fill('#password', 'Harbour-Light-7731');
    await page.fill('#confirm', 'Harbour-Light-7713');
    await submit(page, /\/password\/reset\?token=/);
    await page.fill('#password', 'Harbour-Light-7731');
    await page.fill('#confirm', 'Harbour-Light-7731');
    await submit(page, /\/password\/reset\/done/);
    assert.equal(await heading(page), en('password.reset.doneTitle'));

    // Back, again and again: each page before asks with GET and says the password is set (its link and code used up
    // in this browser), never "Confirm form resubmission" or "this link does not work".
    for (let i = 0; i < 4; i++) {
      asked.length = 0;
      await page.goBack();
      await page.locator('main h1').waitFor();
      assert.ok(
        asked.every((a) => a.startsWith('GET ')),
        `Back ${i + 1}: ${asked.join(', ')}`,
      );
      assert.equal(await heading(page), en('password.reset.doneTitle'), `Back ${i + 1}`);
      assert.equal(new URL(page.url()).pathname, '/password/reset/done');
    }
    await look(page, 'password-19-back-after-reset-en');
    assert.ok(
      await bcrypt.compare(
        'Harbour-Light-7731',
        (await server.storage.db('persons').where({ id: person.id }).first()).password_hash,
      ),
    );
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, []);
});
