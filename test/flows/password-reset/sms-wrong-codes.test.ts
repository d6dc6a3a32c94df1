// Wrong SMS reset codes are counted per mobile number across its codes (a security review: each code allowed 5 tries
// and each number 3 codes an hour, so a code could be guessed slowly forever): from the 10th wrong code in a day, reset
// by SMS for that number waits a day. The code page and the forgot page say until when, with the other ways on; a
// number without an account is answered the same.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PASSWORD_RESET } from '../../../src/platform/limits.ts';
import { taipeiTime } from '../../../src/web/taipei-time.ts';
import { Agent, formAction, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
const randomMobile = () => `09${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`;
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe(`wrong SMS reset codes across codes (${storageMode})`, () => {
  let server: TestServer;
  const db = () => server.storage.db;
  const resetAddressCounters = () =>
    Promise.all(LOOPBACK.map((a) => server.services.throttle.reset(PASSWORD_RESET.address, a)));

  before(async () => {
    server = await startTestServer();
    await resetAddressCounters();
  });
  after(async () => {
    await resetAddressCounters();
    await server?.close();
  });

  const post = (agent: Agent, page: Step, action: RegExp, fields: Record<string, string>) =>
    agent.submit(formAction(page.body, action, page.url), { _csrf: hiddenField(page.body, '_csrf'), ...fields });

  /** The forgot page submitted for the number: the code page of a new ticket (or the refusal). */
  async function askCode(mobile: string, agent = new Agent()) {
    const page = await agent.request(`${server.issuer}/password/forgot`);
    return post(agent, page, /\/password\/forgot/, { target: mobile, ...(await challengeFields(server.issuer)) });
  }

  const codes = async (mobile: string) => {
    await server.services.background.idle();
    return db()('outbox_messages').where({ recipient: mobile, kind: 'password_reset_code' }).orderBy('created_at');
  };
  const lastCode = async (mobile: string) => /\b(\d{6})\b/.exec((await codes(mobile)).at(-1)!.text_body)![1]!;

  /** The wait's end as the page writes it: a day from now, to the minute (either side of a minute's turn). */
  const untilNow = (locale: 'zh-TW' | 'en') =>
    [0, 60_000, 120_000].map((d) =>
      taipeiTime(new Date(Date.now() - d + PASSWORD_RESET.wrongCodesWaitSeconds * 1000 + 60_000), locale, 'minutes'),
    );
  const saysWait = (body: string, locale: 'zh-TW' | 'en', key: string) =>
    untilNow(locale).some((until) => body.includes(html((locale === 'en' ? en : zh)(key, { until }))));

  it('from the 10th wrong code across codes, the number waits a day, even for a right code; the way on is the email', async () => {
    const mobile = randomMobile();
    const person = await insertPerson(db(), {
      username: `sms-${crypto.randomBytes(4).toString('hex')}`,
      name: '林阿嬤',
      passwordHash: await hashPassword('Old-Password-1', 4),
      mobile,
    });
    const agent = new Agent();
    // First code: its 5 tries, all wrong (5 counted).
    let first = await askCode(mobile, agent);
    assert.match(first.url, /\/password\/reset\/code\?ticket=/);
    const firstCode = await lastCode(mobile);
    for (let i = 0; i < 5; i++) first = await post(agent, first, /\/password\/reset\/code/, { code: wrong(firstCode) });
    assert.equal(first.status, 429);
    assert.ok(first.body.includes(html(zh('password.code.tooMany'))), 'the code itself is used up, as before');

    // Second code: 4 wrong (9 counted), one try left on it.
    const second = await askCode(mobile, agent);
    const secondCode = await lastCode(mobile);
    let page = second;
    for (let i = 0; i < 4; i++) {
      page = await post(agent, page, /\/password\/reset\/code/, { code: wrong(secondCode) });
      assert.equal(page.status, 400);
    }

    // Third code: its first wrong code is the 10th: reset by SMS for this number waits, said with the time.
    const third = await askCode(mobile, agent);
    assert.match(third.url, /\/password\/reset\/code\?ticket=/);
    const thirdCode = await lastCode(mobile);
    const tenth = await post(agent, third, /\/password\/reset\/code/, { code: wrong(thirdCode) });
    assert.equal(tenth.status, 429);
    assert.ok(tenth.body.includes(html(zh('password.code.waitTitle'))));
    assert.ok(saysWait(tenth.body, 'zh-TW', 'password.code.wait'), 'it says until when');
    assert.ok(tenth.body.includes('href="/password/forgot"'), 'the way on: the forgot page, for the email');
    assert.ok(tenth.body.includes(html(zh('password.code.useEmail'))));

    // The right code of the second ticket, while the number waits: not even checked.
    const right = await post(agent, page, /\/password\/reset\/code/, { code: secondCode });
    assert.equal(right.status, 429);
    assert.ok(right.body.includes(html(zh('password.code.waitTitle'))));
    assert.equal(
      (await db()('persons').where({ id: person.id }).first()).password_hash,
      person.password_hash,
      'the password is unchanged',
    );
    // The code page itself says so (in English for an English browser).
    const english = await agent.request(second.url, { headers: { 'accept-language': 'en' } });
    assert.equal(english.status, 429);
    assert.ok(saysWait(english.body, 'en', 'password.code.wait'));
    const raw = await fetch(second.url, { redirect: 'manual' });
    assert.equal(raw.status, 429);
    const retry = Number(raw.headers.get('retry-after'));
    assert.ok(retry > PASSWORD_RESET.wrongCodesWaitSeconds - 120 && retry <= PASSWORD_RESET.wrongCodesWaitSeconds);
  });

  it('asking for a new code for a waiting number says so at the field, keeps the number, and sends nothing', async () => {
    // The number waits (its 10th wrong code), whether an account uses it or not: this one has none.
    const mobile = randomMobile();
    const agent = new Agent();
    let page = await askCode(mobile, agent);
    assert.match(page.url, /\/password\/reset\/code\?ticket=/);
    for (let i = 0; i < 5; i++) page = await post(agent, page, /\/password\/reset\/code/, { code: '000000' });
    page = await askCode(mobile, agent);
    for (let i = 0; i < 5; i++) page = await post(agent, page, /\/password\/reset\/code/, { code: '000000' });
    assert.equal(page.status, 429);
    assert.ok(page.body.includes(html(zh('password.code.waitTitle'))), 'a number without an account waits the same');

    const refused = await askCode(mobile);
    assert.equal(refused.status, 429);
    assert.ok(saysWait(refused.body, 'zh-TW', 'password.forgot.smsWaiting'), 'at the field, with the time');
    assert.match(refused.body, /id="target-error"/);
    assert.ok(refused.body.includes(`value="${mobile}"`), 'the typed number is kept');
    assert.ok(refused.body.includes('<title>錯誤'), 'the title says there is a mistake to correct');
    assert.equal((await codes(mobile)).length, 0, 'no text message, ever (no account)');
  });
});
