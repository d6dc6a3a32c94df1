// The school-affairs hand-off in a real browser (SPEC §4 flows 2–3, seed 000 §2, §3): the test plays the
// school-affairs system (a `sis` client making handles over the API, and a tiny local server as its return URL).
// Register mode: consent → the prefilled wizard with the pushed fields read-only → confirm → done → the activation
// mail through a real SMTP server → sign-in at the demo. Add-identity mode: the demo parent (no national ID on
// record) is refused; a member whose national ID matches signs in, consents and returns with result=added.
// Screenshots of every page at desktop and phone widths.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParsedMail } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { maskNationalId } from '../../../src/domain/people/national-id.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { browserSkip, launchBrowser, passChallenge, shoot, watchedPage } from '../../helpers/browser.ts';
import { type MailSink, startMailSink } from '../../helpers/mail-sink.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registerClient } from '../../helpers/rp.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SCHOOL = '353604'; // 臺北市立示範國民中學 (demo data), class 701
const CLIENT = { id: 'sis-browser', secret: 'sis-browser-secret-0123456789abcdefgh' };
const PASSWORD = 'Blue-Kettle-1987';
const tag = () => crypto.randomBytes(4).toString('hex');

let server: TestServer;
let browser: Browser;
let smtp: MailSink | undefined;
let sis: http.Server;
let sisBase: string;
const returned: string[] = [];

before(async () => {
  if (browserSkip) return;
  smtp = await startMailSink();
  const smtpPort = smtp.port;
  // The school-affairs system's return URL: records what came back and says so.
  sis = http.createServer((req, res) => {
    returned.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>校務行政系統</title><h1>校務行政系統（測試）</h1>');
  });
  await new Promise<void>((resolve) => sis.listen(0, '127.0.0.1', () => resolve()));
  sisBase = `http://127.0.0.1:${(sis.address() as net.AddressInfo).port}`;
  server = await startTestServer({
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    OUTBOX_POLL_MS: '50',
    MAIL_FROM: 'campus-sso <no-reply@sso.test>',
  });
  await registerClient(
    server,
    {
      client_id: CLIENT.id,
      client_name: '校務行政系統（測試）',
      redirect_uris: [`${sisBase}/cb`],
      permissions: ['sis'],
    },
    CLIENT.secret,
  );
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
  await smtp?.close();
  await new Promise<void>((resolve) => (sis ? sis.close(() => resolve()) : resolve()));
});

/** A watched page (see helpers/browser.ts) that expects these error statuses. */
const watched = (allowed: number[] = []) => watchedPage(browser, { allow: (status) => allowed.includes(status) });

/** The school-affairs system's server-to-server call: a handle for this person. */
async function push(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${server.issuer}/api/sis/handles`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
    },
    body: JSON.stringify({ return_url: `${sisBase}/sso/back`, school_code: SCHOOL, ...body }),
  });
  const json = (await res.json()) as { url: string };
  assert.equal(res.status, 201, JSON.stringify(json));
  return json.url;
}

async function waitForMail(subject: string, to: string): Promise<ParsedMail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const mail = smtp!.mails.find((m) => m.subject === subject && JSON.stringify(m.to ?? '').includes(to));
    if (mail) return mail;
    if (Date.now() > deadline)
      throw new Error(`no mail "${subject}" to ${to} (got: ${smtp!.mails.map((m) => m.subject).join(', ')})`);
    await sleep(50);
  }
}

const heading = (p: Page) => p.locator('main h1').innerText();
const consentText = (client: string) => `我願意授權讓「${zh('brand')}」自校務行政系統（${client}）中取得我的基本資料`;

async function signIn(page: Page, login: string, password: string) {
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('button.primary');
}

/** Signs in at the account portal (/account); its session cookie (Path=/) is then seen by the SIS consent too. */
async function portalSignIn(context: BrowserContext, page: Page, login: string, password: string) {
  await page.goto(`${server.issuer}/account`);
  await page.locator('#login').waitFor();
  await shoot(page, 'sis-10-portal-sign-in');
  await signIn(page, login, password);
  await page.waitForURL(/\/account$/);
  const portal = (await context.cookies()).filter((c) => c.name.startsWith('account_session'));
  assert.deepEqual(
    portal.map((c) => c.path),
    ['/', '/'],
    'the portal session and its signature, for the whole site',
  );
}

test('register mode: consent, the prefilled wizard, the mail through SMTP, activation, sign-in at the demo', {
  skip: browserSkip,
}, async () => {
  const { context, page, problems } = await watched();
  const nationalId = randomNationalId();
  const email = `sis-browser-${tag()}@example.org`;
  const url = await push({
    mode: 'register',
    national_id: nationalId,
    name: '何超人',
    birthdate: '2012-04-12',
    gender: 'male',
    email,
    mobile: '0912345678',
    role: 'student',
    class: '701',
    seat: 12,
    student_number: 'S1130012',
  });

  // The consent: the seed's wording, the pushed details, the national ID masked.
  await page.goto(url);
  await page.waitForURL(/\/register\/sis\/consent$/);
  assert.equal(await heading(page), zh('sis.consent.heading'));
  assert.equal(await page.locator('#consent-text').innerText(), consentText('校務行政系統（測試）'));
  assert.ok((await page.locator('#consent-text').innerText()).includes('我願意授權'));
  const review = await page.locator('.reg-review').innerText();
  for (const shown of [
    '何超人',
    maskNationalId(nationalId),
    email,
    '2012-04-12',
    '0912345678',
    '男',
    zh('role.student'),
    '臺北市立示範國民中學',
    '701 / 12',
  ]) {
    assert.ok(review.includes(shown), shown);
  }
  assert.ok(!(await page.content()).includes(nationalId), 'the national ID is masked');
  await shoot(page, 'sis-01-consent-register');
  await page.click('#agree');

  // The wizard, prefilled: school, identity, name and national ID read-only; the rest to fill in.
  await page.waitForURL(/\/register$/);
  assert.equal(await heading(page), zh('registration.step1.heading'));
  assert.equal(await page.locator('#sis-locked').innerText(), zh('sis.locked'));
  for (const [id, value] of [
    ['school', '臺北市立示範國民中學'],
    ['kind', zh('role.student')],
    ['name', '何超人'],
    ['national_id', maskNationalId(nationalId)],
  ] as const) {
    assert.equal(await page.inputValue(`#${id}`), value, id);
    assert.equal(await page.locator(`#${id}`).getAttribute('readonly'), '', `${id} is read-only`);
  }
  assert.equal(await page.inputValue('#email'), email);
  assert.equal(await page.inputValue('#phone'), '0912345678');
  assert.equal(await page.inputValue('#gender'), 'male');
  assert.equal(await page.locator('#roster-link').count(), 0, 'no roster link in the pushed wizard');
  await shoot(page, 'sis-02-wizard-prefilled');
  await page.fill('#password', PASSWORD);
  await page.fill('#password_confirm', PASSWORD);
  await passChallenge(page);
  await shoot(page, 'sis-03-wizard-filled');
  await page.click('button.reg-next');

  // Confirm, then done.
  await page.waitForURL(/\/register\/confirm$/);
  assert.equal(await heading(page), zh('registration.step2.heading'));
  const confirm = await page.locator('.reg-review').innerText();
  for (const shown of ['臺北市立示範國民中學', zh('role.student'), email, '何超人', maskNationalId(nationalId)])
    assert.ok(confirm.includes(shown), shown);
  assert.ok(!confirm.includes(nationalId) && !confirm.includes(PASSWORD));
  await shoot(page, 'sis-04-confirm');
  await page.click('#submit-registration button');
  await page.waitForURL(/\/register\/done$/);
  assert.equal(await heading(page), zh('registration.step3.heading'));
  await shoot(page, 'sis-05-done');

  // The activation mail, through SMTP; its link; the welcome mail saying the identity is confirmed.
  const mail = await waitForMail(`${zh('brand')}註冊通知`, email);
  const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text ?? '')?.[1];
  assert.ok(link, 'the mail holds the link');
  await page.goto(link);
  // The link's page asks to confirm with the password chosen at registration (opening it changes nothing: mail
  // scanners open links too; and only the registrant can activate it).
  assert.equal(await heading(page), zh('registration.activate.confirmTitle'));
  await page.fill('#password', PASSWORD);
  await shoot(page, 'sis-05b-activate');
  await page.click('button.primary');
  await page.waitForURL(/\/register\/activated$/);
  assert.equal(await heading(page), zh('registration.activate.done'));
  await shoot(page, 'sis-06-activated');
  const welcome = await waitForMail(`${zh('brand')}註冊成功通知`, email);
  assert.ok((welcome.text ?? '').includes('已由校務行政系統確認'));

  // The new account at the demo: the student identity the school-affairs system pushed.
  await page.goto(`${server.issuer}/demo`);
  await signIn(page, email, PASSWORD);
  await page.locator('form[action$="/confirm"] button.primary').click();
  await page.waitForURL(/\/demo\/callback/);
  const userinfo = JSON.parse(await page.locator('pre').nth(1).innerText()) as {
    email?: string;
    identity?: { role: string; school?: { code?: string } };
  };
  assert.equal(userinfo.email, email);
  assert.equal(userinfo.identity?.role, 'student');
  await shoot(page, 'sis-07-demo');

  // The handle again: used.
  const again = await page.goto(url);
  assert.equal(again?.status(), 409);
  assert.ok((await page.locator('main').innerText()).includes(zh('sis.refusal.used')));
  await shoot(page, 'sis-08-handle-used');

  await context.close();
  assert.deepEqual(
    problems.filter((p) => !p.includes('/register/sis?handle=')),
    [],
  );
});

test('add-identity mode (portal cookie widened, see above): the demo parent (no national ID) is refused; the right person returns with result=added', {
  skip: browserSkip,
}, async () => {
  const db = server.storage.db;
  const parent = await db('persons').where({ username: 'parent' }).first();
  assert.ok(parent, 'the demo parent exists');
  assert.equal(parent.national_id_index, null, 'the demo parent has no national ID on record');

  // The demo parent: signed in, the push names someone else's national ID → a clear refusal, nothing written.
  {
    const { context, page, problems } = await watched([403]);
    await portalSignIn(context, page, 'parent', 'Red-Kite-2026');
    const url = await push({ mode: 'add_identity', national_id: randomNationalId(), name: '林大同', role: 'teacher' });
    await page.goto(url);
    await page.waitForURL(/\/register\/sis\/consent$/);
    await shoot(page, 'sis-11-consent-parent');
    assert.ok((await page.locator('#signed-in-as').innerText()).includes('parent@demo.campus-sso.test'));
    await page.click('#agree');
    await page.locator('main h1').waitFor();
    assert.ok((await page.locator('main').innerText()).includes(zh('sis.refusal.mismatch')));
    await shoot(page, 'sis-12-add-mismatch');
    assert.equal((await db('identities').where({ person_id: parent.id, role: 'teacher' })).length, 0);
    await context.close();
    assert.deepEqual(problems, []);
  }

  // A member whose national ID is the pushed one.
  const nationalId = randomNationalId();
  const login = `sis-member-${tag()}`;
  const password = `Pass-${tag()}-word`;
  const member = await insertPerson(db, {
    username: login,
    email: `${login}@example.test`,
    emailVerified: true,
    name: '林大同',
    gender: 'male',
    nationalId: sealNationalId(server.storage.keyring, nationalId),
    passwordHash: await hashPassword(password, 4),
  });
  const { context, page, problems } = await watched();
  const url = await push({
    mode: 'add_identity',
    national_id: nationalId,
    name: '林大同',
    role: 'teacher',
    email: `${login}@example.test`,
  });
  await portalSignIn(context, page, login, password);
  await page.goto(url);
  await page.waitForURL(/\/register\/sis\/consent$/);
  assert.equal(await heading(page), zh('sis.consent.headingAdd'));
  assert.ok((await page.locator('#signed-in-as').innerText()).includes(`${login}@example.test`));
  assert.ok((await page.locator('#consent-text').innerText()).includes('我願意授權'));
  assert.ok((await page.locator('main').innerText()).includes('完成變更身分的程序'));
  await shoot(page, 'sis-13-consent-add');
  await page.click('#agree');
  await page.waitForURL((u) => u.href.startsWith(sisBase));
  const back = new URL(page.url());
  assert.equal(back.pathname, '/sso/back');
  assert.equal(back.searchParams.get('result'), 'added');
  assert.ok(returned.includes('/sso/back?result=added'));
  await shoot(page, 'sis-14-returned');
  const identities = await db('identities').where({ person_id: member.id });
  assert.equal(identities.length, 1);
  assert.equal(identities[0].role, 'teacher');
  assert.equal(identities[0].status, 'active');
  assert.equal(identities[0].source, 'sis');
  await context.close();
  assert.deepEqual(problems, []);
});

// The consent in add-identity mode sends the browser to /account/sign-in; after signing in it comes back to
// /register/sis/consent, which must see the portal session (it once could not: the cookie was scoped to /account).
test('add-identity mode: signing in from the consent comes back to the consent', { skip: browserSkip }, async () => {
  const { context, page } = await watched();
  try {
    const url = await push({ mode: 'add_identity', national_id: randomNationalId(), name: '林大同', role: 'parent' });
    await page.goto(url);
    await page.locator('#login').waitFor();
    await shoot(page, 'sis-15-add-sign-in');
    await signIn(page, 'parent', 'Red-Kite-2026');
    await page.waitForURL(/\/register\/sis\/consent$/, { timeout: 5000 });
    await page.locator('#sis-consent').waitFor({ timeout: 5000 });
  } finally {
    await context.close();
  }
});
