// Account takeover through a waiting registration (security review, 2026-12-07): someone registers another person's
// email with their own password; the person opens the newest activation mail (the other's) and presses the button; the
// other's password then signs in. Against the real server, with the mail through a real SMTP server: the link's page
// asks for the password chosen at registration (a wrong one activates nothing, so many tries and no more), names the
// registration, and lets the mailbox's owner discard it; a second registration of an address that already has one
// waiting makes no competing link, the address is told (a new link of the waiting one), the second registrant sees the
// usual last page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParsedMail } from 'mailparser';
import { translator } from '../../../src/platform/i18n/index.ts';
import { REGISTRATION, SIGN_IN } from '../../../src/platform/limits.ts';
import { Agent, formAction, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { type MailSink, startMailSink } from '../../helpers/mail-sink.ts';
import { registrationForm, uniqueEmail } from '../../helpers/registration.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const FORM = 'application/x-www-form-urlencoded';
const VICTIM_PASSWORD = 'Quiet-Garden-2031';
const ATTACKER_PASSWORD = 'Loud-Harbor-4419';

describe(`a waiting registration cannot be taken over (${storageMode})`, () => {
  let server: TestServer;
  let smtp: MailSink;
  let base: string;
  before(async () => {
    smtp = await startMailSink();
    server = await startTestServer({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, OUTBOX_POLL_MS: '50' });
    base = server.issuer;
  });
  after(async () => {
    await server?.close();
    await smtp?.close();
  });

  const db = () => server.storage.db;

  function post(agent: Agent, page: Step, action: string, fields: Record<string, string>) {
    return agent.request(formAction(page.body, new RegExp(`${action.replace(/\//g, '\\/')}$`), page.url), {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
    });
  }

  /** The wizard up to step 2's answer: step 1, then step 2 submitted. */
  async function submitRegistration(email: string, name: string, password: string, lang = 'zh-TW') {
    const agent = new Agent();
    const start = await agent.request(`${base}/register?lang=${lang}`);
    const form = registrationForm('takeover', { email, name, password, password_confirm: password });
    const step1 = await post(agent, start, '/register', { ...(await challengeFields(base)), ...form });
    assert.equal(step1.status, 303, 'step 1 passes');
    const confirm = await agent.request(step1.location!);
    return { agent, done: await post(agent, confirm, '/register/confirm', {}) };
  }

  /** The wizard, as a person goes through it: step 1, step 2, the last page. */
  async function register(email: string, name: string, password: string): Promise<Step> {
    const { agent, done } = await submitRegistration(email, name, password);
    assert.equal(done.status, 303);
    return agent.follow(done.location!);
  }

  /** The mails the address received (through SMTP), once there are `count`, oldest first. */
  async function mailsTo(email: string, count: number): Promise<ParsedMail[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const mails = smtp.mails.filter((m) => JSON.stringify(m.to).includes(email));
      if (mails.length >= count) return mails;
      if (Date.now() > deadline) throw new Error(`${mails.length} of ${count} mails to ${email}`);
      await sleep(50);
    }
  }

  const linkIn = (mail: ParsedMail) => {
    const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text ?? '')?.[1];
    assert.ok(link, `the mail "${mail.subject}" holds a link`);
    return link;
  };

  /** Opens the link and presses 啟用我的帳號 with `password` typed (as the page asks). */
  async function activate(link: string, password: string) {
    const agent = new Agent();
    const page = await agent.request(link);
    assert.equal(page.status, 200, 'the link opens its page');
    const pressed = await post(agent, page, '/register/activate', { token: hiddenField(page.body, 'token'), password });
    return { agent, page, pressed };
  }

  const signsIn = async (email: string, password: string) =>
    (await server.services.people.authenticate(email, password)).ok;

  it('the probe: the victim opens the newest mail (after an attacker registered the same email) and activates only their own registration', async () => {
    const email = uniqueEmail('victim');
    await register(email, '王小明', VICTIM_PASSWORD);
    const attackerDone = await register(email, '陳大壞', ATTACKER_PASSWORD);
    // The second registrant is told what anyone is told: the mail went to the address (nothing about who holds it).
    assert.ok(attackerDone.body.includes(html(zh('registration.step3.sentTo', { email }))));

    const mails = await mailsTo(email, 2);
    const newest = mails[mails.length - 1]!;
    const { page, pressed } = await activate(linkIn(newest), VICTIM_PASSWORD);
    assert.equal(pressed.status, 303, 'activated');
    assert.equal(pressed.location, `${base}/register/activated`);

    assert.equal(await signsIn(email, VICTIM_PASSWORD), true, "the victim's password signs in");
    assert.equal(await signsIn(email, ATTACKER_PASSWORD), false, "the attacker's password does not");
    const people = await db()('persons').whereRaw('lower(email) = ?', [email]);
    assert.deepEqual(
      people.map((p: { status: string; name: string }) => [p.status, p.name]),
      [['active', '王小明']],
    );
    // The page named the registration it activated: the victim's own.
    assert.ok(page.body.includes('王小明') && !page.body.includes('陳大壞'), 'the waiting registration is named');
    // The second registration made no link of its own: the address got a mail saying one was already waiting.
    assert.equal(newest.subject, zh('registration.mail.waitingSubject', { brand: zh('brand') }));
    assert.equal(
      mails.filter((m) => m.subject === zh('registration.mail.activationSubject', { brand: zh('brand') })).length,
      1,
    );
  });

  it("an attacker's registration of someone's email: the owner's password activates nothing; the owner discards it and registers", async () => {
    const email = uniqueEmail('owner');
    await register(email, '陳大壞', ATTACKER_PASSWORD);
    const [mail] = await mailsTo(email, 1);
    const link = linkIn(mail!);
    const { agent, page, pressed } = await activate(link, VICTIM_PASSWORD);
    assert.ok(page.body.includes('陳大壞'), 'the page names the registration: not the owner');
    assert.ok(page.body.includes(html(zh('registration.activate.notMineButton'))));
    assert.equal(pressed.status, 400);
    assert.match(
      pressed.body,
      new RegExp(
        `id="password-error">${html(zh('registration.activate.passwordWrong', { left: SIGN_IN.account.max - 1 }))}<`,
      ),
    );
    assert.match(pressed.body, /aria-invalid="true"/);
    assert.equal((await db()('persons').whereRaw('lower(email) = ?', [email]).first()).status, 'pending');

    // 這不是我的註冊，取消它: the registration goes; its link is used.
    const discarded = await post(agent, pressed, '/register/activate/discard', {
      token: hiddenField(pressed.body, 'token'),
    });
    assert.equal(discarded.status, 303);
    assert.equal(discarded.location, `${base}/register/discarded`);
    const shown = await agent.follow(discarded.location!);
    assert.equal(shown.status, 200);
    assert.ok(shown.body.includes(html(zh('registration.activate.discardedText'))));
    assert.ok(shown.body.includes('href="/register"'), 'a way on: register again');
    assert.equal(await db()('persons').whereRaw('lower(email) = ?', [email]).first(), undefined);
    assert.equal((await new Agent().request(link)).status, 400);

    // The owner registers, and activates with their own password.
    await register(email, '王小明', VICTIM_PASSWORD);
    const mails = await mailsTo(email, 2);
    const { pressed: ok } = await activate(linkIn(mails[1]!), VICTIM_PASSWORD);
    assert.equal(ok.status, 303);
    assert.equal(await signsIn(email, VICTIM_PASSWORD), true);
    assert.equal(await signsIn(email, ATTACKER_PASSWORD), false);
  });

  it('so many wrong passwords and no more: then even the right one waits, nothing activated', async () => {
    const email = uniqueEmail('guess');
    await register(email, '王小明', ATTACKER_PASSWORD);
    const [mail] = await mailsTo(email, 1);
    const link = linkIn(mail!);
    const agent = new Agent();
    let page = await agent.request(link);
    for (let i = 1; i <= SIGN_IN.account.max; i++) {
      page = await post(agent, page, '/register/activate', {
        token: hiddenField(page.body, 'token'),
        password: `Wrong-Guess-${i}00`,
      });
      assert.equal(page.status, 400, `try ${i}`);
    }
    assert.ok(page.body.includes(html(zh('registration.activate.passwordLast'))));
    const limited = await post(agent, page, '/register/activate', {
      token: hiddenField(page.body, 'token'),
      password: ATTACKER_PASSWORD,
    });
    assert.equal(limited.status, 429);
    assert.ok(limited.body.includes(html(zh('registration.activate.limited'))));
    assert.ok(limited.body.includes(html(zh('registration.activate.notMineButton'))), 'not a dead end');
    assert.equal((await db()('persons').whereRaw('lower(email) = ?', [email]).first()).status, 'pending');
  });

  it('the button without a password: a clear message at the field, nothing activated (a mail scanner changes nothing)', async () => {
    const email = uniqueEmail('empty');
    await register(email, '王小明', VICTIM_PASSWORD);
    const [mail] = await mailsTo(email, 1);
    const { pressed } = await activate(linkIn(mail!), '');
    assert.equal(pressed.status, 400);
    assert.match(pressed.body, new RegExp(`id="password-error">${html(zh('registration.activate.passwordMissing'))}<`));
    assert.equal((await db()('persons').whereRaw('lower(email) = ?', [email]).first()).status, 'pending');
  });

  it('an address gets so many activation mails an hour and no more, from any number of registrations (and says so alike for every address)', async () => {
    const email = uniqueEmail('flooded');
    const max = REGISTRATION.mailsPerRecipient.max;
    // The first registration mails its link; each further one mails the waiting one's link again.
    for (let i = 1; i <= max; i++) await register(email, '陳大壞', ATTACKER_PASSWORD);
    assert.equal((await mailsTo(email, max)).length, max);

    // The next one: nothing made, nothing mailed; the page says so plainly (429), the form there to send later.
    const { done: refused } = await submitRegistration(email, '陳大壞', ATTACKER_PASSWORD);
    assert.equal(refused.status, 429);
    assert.ok(refused.body.includes(html(zh('registration.errors.mailLimited'))), 'the reason, plainly');
    assert.match(refused.body, /id="submit-registration"/, 'the form to send again later');
    const english = await submitRegistration(email, '陳大壞', ATTACKER_PASSWORD, 'en');
    assert.equal(english.done.status, 429);
    assert.ok(english.done.body.includes(html(translator('en')('registration.errors.mailLimited'))));
    // "Send it again" (the sign-in page's offer) is refused too.
    const waiting = await db()('persons')
      .whereRaw('lower(email) = ?', [email])
      .where({ status: 'pending' })
      .orderBy('created_at')
      .first();
    assert.equal(await server.services.enrolment.resend(waiting.id), 'limited');
    await sleep(500);
    assert.equal(
      (await db()('outbox_messages').where({ recipient: email })).length,
      max,
      'no further mail queued for the address',
    );
    assert.equal(smtp.mails.filter((m) => JSON.stringify(m.to).includes(email)).length, max, 'no further mail sent');

    // An address nobody registered, whose mails for the hour were spent the same way: the very same page.
    const fresh = uniqueEmail('fresh');
    for (let i = 0; i < max; i++) await server.services.throttle.hit(REGISTRATION.mailsPerRecipient, fresh);
    const { done: alike } = await submitRegistration(fresh, '陳大壞', ATTACKER_PASSWORD);
    assert.equal(alike.status, 429);
    const text = (body: string) => /<p class="alert" role="alert">([^<]*)</.exec(body)?.[1];
    assert.equal(text(alike.body), text(refused.body));
    assert.equal(await db()('persons').whereRaw('lower(email) = ?', [fresh]).first(), undefined, 'no account made');
    assert.equal((await db()('outbox_messages').where({ recipient: fresh })).length, 0);
  });

  it('the activation mail says the page will ask for the password chosen at registration, and what to do if the registration is not theirs (both languages)', async () => {
    for (const lang of ['zh-TW', 'en'] as const) {
      const t = translator(lang);
      const email = uniqueEmail(`words-${lang.toLowerCase()}`);
      const { agent, done } = await submitRegistration(email, '王小明', VICTIM_PASSWORD, lang);
      assert.equal(done.status, 303);
      await agent.follow(done.location!);
      const [mail] = await mailsTo(email, 1);
      assert.equal(mail!.subject, t('registration.mail.activationSubject', { brand: t('brand') }));
      const text = mail!.text ?? '';
      // The page the link opens: the password chosen at registration, then its button, named as the page names it.
      const asks =
        lang === 'zh-TW'
          ? '開啟的頁面會請您輸入註冊時自己設定的密碼'
          : 'asks for the password you chose when you registered';
      assert.ok(text.includes(asks), `${lang}: the mail says the page asks for the registration's password`);
      assert.ok(text.includes(t('registration.activate.confirmButton')), `${lang}: the page's button`);
      // Not theirs (or the password forgotten): the page's own button, and that nothing is made without the password.
      const notMine =
        lang === 'zh-TW' ? '如果這不是您申請的註冊' : 'If you did not register, or you forgot the password';
      assert.ok(text.includes(notMine), `${lang}: what to do if it is not theirs`);
      assert.ok(text.includes(t('registration.activate.notMineButton')), `${lang}: the page's cancel button`);
      // …and the page does offer both, as the mail says.
      const page = await new Agent().request(`${linkIn(mail!)}&lang=${lang}`);
      assert.ok(page.body.includes(html(t('registration.activate.confirmButton'))));
      assert.ok(page.body.includes(html(t('registration.activate.notMineButton'))));
    }
  });
});
