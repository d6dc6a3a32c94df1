import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { SIGN_IN } from '../../../src/platform/limits.ts';
import { Agent, formAction, hiddenField, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');

describe(`sign-in throttling, the person check and audit (${storageMode})`, () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    a = await startTestServer();
    b = await startTestServer({ REDIS_PREFIX: a.env.REDIS_PREFIX, SECRET_KEY: a.env.SECRET_KEY }, a.dataDir);
    await registerClient(a, { client_id: 'guard-rp', first_party: true }, 'guard-secret-0123456789abcdefghij');
  });
  after(async () => {
    await b.close();
    await a.close();
  });

  /** `cost`: the hash's bcrypt cost (a slow check keeps sign-ins sent at once under way together). */
  async function newPerson(cost = 4) {
    const username = `guard-${crypto.randomBytes(4).toString('hex')}`;
    const mobile = `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const person = await insertPerson(a.storage.db, {
      username,
      email: `${username}@school.example.edu.tw`,
      mobile,
      name: '測試',
      passwordHash: await hashPassword('Right-Password-1', cost),
    });
    return { username, email: `${username}@school.example.edu.tw`, mobile, id: person.id };
  }

  async function loginPage(server: TestServer, agent: Agent) {
    const conf = await discover(server.issuer, 'guard-rp', 'guard-secret-0123456789abcdefghij');
    return agent.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
  }

  async function post(agent: Agent, page: Step, fields: Record<string, string>) {
    return agent.submit(
      formAction(page.body, /\/login$/, page.url),
      { _csrf: hiddenField(page.body, '_csrf'), ...fields },
      CALLBACK,
    );
  }

  /** Whether the page asks for the person check (its question token for browsers without scripts, if so). */
  const captchaId = (page: Step) => /name="question_token" value="([^"]+)"/.exec(page.body)?.[1];
  const passed = () => challengeFields(a.issuer);

  it('asks for the person check after 3 failures, counted across server processes, and refuses a replayed check', async () => {
    const { username } = await newPerson();
    const agent = new Agent();
    let page = await loginPage(a, agent);
    assert.equal(captchaId(page), undefined, 'no check at first');
    for (let i = 0; i < 3; i++) page = await post(agent, page, { login: username, password: 'wrong' });
    assert.equal(page.status, 401);
    assert.ok(captchaId(page), 'the check after the third failure');

    // The other process sees the same count: its page for this account asks for the check too.
    const other = new Agent();
    const onB = await loginPage(b, other);
    const right = await post(other, onB, { login: username, password: 'Right-Password-1' });
    assert.equal(right.status, 400);
    // Its page had no check (it could not know): the check shown, with why (check-first.test.ts).
    assert.ok(right.body.includes(zh('login.checkFirst.question')));

    const wrongCheck = await post(agent, page, {
      login: username,
      password: 'Right-Password-1',
      question_token: captchaId(page)!,
      question_answer: '99',
    });
    assert.equal(wrongCheck.status, 400);
    assert.ok(wrongCheck.body.includes(zh('challenge.failed')));
    // A check passed on another server process, used here once: a second use is refused.
    const check = await passed();
    const spent = await post(agent, wrongCheck, { login: username, password: 'wrong-again', ...check });
    assert.equal(spent.status, 401);
    const replay = await post(agent, spent, { login: username, password: 'Right-Password-1', ...check });
    assert.equal(replay.status, 400, 'a check is good for one attempt only');

    const ok = await post(agent, replay, { login: username, password: 'Right-Password-1', ...(await passed()) });
    assert.ok(ok.location?.startsWith(CALLBACK), `signed in, got ${ok.status}`);

    // Success resets the count: the next sign-in has no check.
    const later = await loginPage(a, new Agent());
    const again = await post(new Agent(), later, { login: username, password: 'wrong' });
    assert.equal(captchaId(again), undefined);
  });

  it('a burst of wrong passwords sent at once: three are checked, the rest asked for the person check', async () => {
    const { username, id } = await newPerson(10);
    const agents = Array.from({ length: 16 }, () => new Agent());
    const pages: Step[] = [];
    for (const agent of agents) pages.push(await loginPage(a, agent));
    const answers = await Promise.all(
      agents.map((agent, i) => post(agent, pages[i]!, { login: username, password: `wrong-${i}` })),
    );
    const checked = answers.filter((r) => r.status === 401);
    const refused = answers.filter((r) => r.status === 400);
    assert.equal(checked.length, 3, `checked: ${answers.map((r) => r.status).join()}`);
    assert.equal(refused.length, 13);
    for (const r of refused) assert.ok(r.body.includes(zh('login.checkFirst.question')));
    assert.equal(await a.services.throttle.count(SIGN_IN.account, `person:${id}`), 3, 'three failures counted');
    // The address's failures too; the later tests count from none.
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) await a.services.throttle.reset(SIGN_IN.address, ip);
  });

  it('more sign-ins of one account at once than may wait: those are told to try again in a moment (429), unchecked', async () => {
    // A slow hash keeps the first three checks under way while all the others arrive.
    const { username, id } = await newPerson(12);
    const agents = Array.from({ length: 72 }, () => new Agent());
    const pages: Step[] = [];
    for (const agent of agents) pages.push(await loginPage(a, agent));
    const answers = await Promise.all(
      agents.map((agent, i) => post(agent, pages[i]!, { login: username, password: `wrong-${i}` })),
    );
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 401).length, 3, statuses.join());
    const busy = answers.filter((r) => r.status === 429);
    assert.ok(busy.length >= 1, statuses.join());
    for (const r of busy) {
      assert.ok(r.body.includes(zh('login.busy')));
      // Said with the password field, where the focus lands; what was typed stays.
      assert.match(r.body, /<input id="password"[^>]*aria-describedby="sign-in-error"/);
      assert.match(r.body, new RegExp(`<input id="login"[^>]*value="${username}"`));
      assert.match(r.body, /<input id="password"[^>]*autofocus/);
    }
    assert.equal(statuses.filter((s) => s === 400).length, 72 - 3 - busy.length, 'the others: the person check');
    assert.equal(await a.services.throttle.count(SIGN_IN.account, `person:${id}`), 3);
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) await a.services.throttle.reset(SIGN_IN.address, ip);
  });

  it('wrong passwords at many accounts from one address sent at once: thirty are checked, the rest asked for the check', async () => {
    const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];
    for (const ip of loopback) await a.services.throttle.reset(SIGN_IN.address, ip);
    const hash = await hashPassword('Right-Password-1', 10);
    const logins: string[] = [];
    for (let i = 0; i < 40; i++) {
      const username = `spray-${crypto.randomBytes(4).toString('hex')}`;
      await insertPerson(a.storage.db, { username, name: '測試', passwordHash: hash });
      logins.push(username);
    }
    const agents = logins.map(() => new Agent());
    const pages: Step[] = [];
    for (const agent of agents) pages.push(await loginPage(a, agent));
    const answers = await Promise.all(
      agents.map((agent, i) => post(agent, pages[i]!, { login: logins[i]!, password: 'Summer2026!' })),
    );
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 401).length, SIGN_IN.addressChallengeAfter, statuses.join());
    for (const r of answers.filter((r) => r.status !== 401)) {
      assert.equal(r.status, 400);
      assert.ok(r.body.includes(zh('login.checkFirst.question')));
    }
    for (const ip of loopback) await a.services.throttle.reset(SIGN_IN.address, ip);
  });

  it('right passwords of one account sent at once all sign in, without the person check', async () => {
    const { username } = await newPerson(10);
    const agents = Array.from({ length: 12 }, () => new Agent());
    const pages: Step[] = [];
    for (const agent of agents) pages.push(await loginPage(a, agent));
    const answers = await Promise.all(
      agents.map((agent, i) => post(agent, pages[i]!, { login: username, password: 'Right-Password-1' })),
    );
    for (const r of answers) assert.ok(r.location?.startsWith(CALLBACK), `signed in, got ${r.status}`);
  });

  it('locks an account after 10 failures, with a Retry-After, even for the right password', async () => {
    const { username } = await newPerson();
    const agent = new Agent();
    let page = await loginPage(a, agent);
    for (let i = 0; i < 10; i++) {
      const fields: Record<string, string> = { login: username, password: `wrong-${i}` };
      if (captchaId(page)) Object.assign(fields, await passed());
      page = await post(agent, page, fields);
      assert.equal(page.status, 401, `attempt ${i + 1}`);
    }
    const locked = await post(agent, page, { login: username, password: 'Right-Password-1' });
    assert.equal(locked.status, 429);
    assert.match(locked.body, /嘗試次數過多/);
    const res = await agent.request(formAction(page.body, /\/login$/, page.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: hiddenField(page.body, '_csrf'),
        login: username,
        password: 'Right-Password-1',
      }).toString(),
    });
    assert.equal(res.status, 429);
  });

  it('counts failures per account whichever of its names is typed, and a lock holds for every name', async () => {
    const { username, email, mobile } = await newPerson();
    const spaced = `${mobile.slice(0, 4)}-${mobile.slice(4, 7)}-${mobile.slice(7)}`;
    const names = [
      username,
      email.toUpperCase(),
      mobile,
      spaced,
      `+886 ${mobile.slice(1, 4)} ${mobile.slice(4, 7)} ${mobile.slice(7)}`,
      `\u3000${mobile.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))}`,
    ];
    const agent = new Agent();
    let page = await loginPage(a, agent);
    // Three failures under three different names: the fourth attempt, under a fourth name, asks for the challenge.
    for (const login of names.slice(0, 3)) page = await post(agent, page, { login, password: 'wrong' });
    assert.ok(captchaId(page), 'a challenge after 3 failures, counted for the account');
    for (let i = 3; i < 10; i++) {
      page = await post(agent, page, {
        login: names[i % names.length]!,
        password: `wrong-${i}`,
        ...(await passed()),
      });
      assert.equal(page.status, 401, `attempt ${i + 1} (${names[i % names.length]})`);
    }
    // Locked: the right password is refused under every name, on the other server process too.
    for (const login of names) {
      const elsewhere = new Agent();
      const locked = await post(elsewhere, await loginPage(b, elsewhere), { login, password: 'Right-Password-1' });
      assert.equal(locked.status, 429, login);
    }
  });

  it('counts a login that names nobody by its normalised form, and answers it like a known one', async () => {
    const nobody = `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const agent = new Agent();
    let page = await loginPage(a, agent);
    for (const login of [nobody, `${nobody.slice(0, 4)} ${nobody.slice(4)}`, `+886${nobody.slice(1)}`]) {
      page = await post(agent, page, { login, password: 'wrong' });
      assert.equal(page.status, 401);
    }
    assert.ok(captchaId(page), 'the same challenge after 3 failures as for a real account');
  });

  it('writes every sign-in to the audit log, with the reason and without the login name', async () => {
    const { username, id } = await newPerson();
    const agent = new Agent();
    let page = await loginPage(a, agent);
    page = await post(agent, page, { login: username, password: 'wrong' });
    await post(agent, page, { login: username, password: 'Right-Password-1' });
    const stranger = new Agent();
    await post(stranger, await loginPage(a, stranger), { login: `nobody-${username}`, password: 'x' });
    const events = await a.storage.db('audit_events').where({ subject: id }).orderBy('id');
    assert.deepEqual(
      events.map((e) => [e.action, e.detail.reason ?? null]),
      [
        ['sign_in.failure', 'bad_credentials'],
        ['sign_in.success', null],
      ],
    );
    const unknown = await a.storage
      .db('audit_events')
      .where({ action: 'sign_in.failure' })
      .whereRaw("detail->>'reason' = 'unknown_account'")
      .orderBy('id', 'desc')
      .first();
    assert.ok(unknown);
    assert.doesNotMatch(JSON.stringify(unknown), new RegExp(username));
  });

  it('treats non-UTF-8, empty and oversized credentials as bad input, not as errors', async () => {
    const agent = new Agent();
    const page = await loginPage(a, agent);
    const url = formAction(page.body, /\/login$/, page.url);
    const send = (body: string) =>
      agent.request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${hiddenField(page.body, '_csrf')}&${body}`,
      });
    const binary = await send('login=%FF%FE%FD&password=%C3%28');
    assert.equal(binary.status, 401);
    assert.match(binary.body, /帳號或密碼錯誤/);
    assert.equal((await send('login=&password=')).status, 400);
    assert.equal((await send(`login=a&password=${'p'.repeat(2000)}`)).status, 400);
  });
});
