// The binding pages ask before they undo, and say where things are when the browser comes back (a walk in a browser
// found both missing): "取消申請" and "註銷全部紀錄" on the status page lead to a page that asks first (what goes, what
// stays, "確定取消"/"確定註銷" and "不要，回到申請進度"), and only its button (confirm=yes) acts; Back to the code page
// after the code was used, and Back to steps 3 and 4 after the application was sent, say so and lead to the status
// page while the binding session is open (and to a new code when it is not).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { maskEmail } from '../../../src/domain/people/masks.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { BINDING } from '../../../src/platform/limits.ts';
import { signedInAgent } from '../../helpers/account.ts';
import { Agent, hiddenField, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
const tag = () => crypto.randomBytes(4).toString('hex');
/** Pug's escaping of a text as it appears in the page (the quotes of the English words). */
const shown = (text: string) => text.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
/** The page's <main> (the layout's links left out). */
const inMain = (page: Step) => /<main[^>]*>([\s\S]*)<\/main>/.exec(page.body)?.[1] ?? page.body;
/** The start of the page's <main>, for the message of a failed assertion. */
const mainOf = (page: Step) => inMain(page).slice(0, 2000);

describe(`binding: asking before undoing, and the way back to the applications (${storageMode})`, () => {
  let server: TestServer;
  const db = () => server.storage.db;
  const url = (path: string) => `${server.issuer}${path}`;

  const resetAddressCounters = () =>
    Promise.all(
      LOOPBACK.flatMap((a) => [
        server.services.throttle.reset(BINDING.codesPerAddress, a),
        server.services.throttle.reset(BINDING.lookupsPerAddress, a),
      ]),
    );

  before(async () => {
    server = await startTestServer();
    await resetAddressCounters();
  });
  after(async () => {
    await resetAddressCounters();
    await server.close();
  });

  async function newStudent() {
    const nationalId = randomNationalId();
    const person = await insertPerson(db(), {
      username: `cstu-${tag()}`,
      name: '吳三寶',
      passwordHash: await hashPassword('Student-Pass-1', 4),
      birthdate: '2012-04-05',
      nationalId: sealNationalId(server.storage.keyring, nationalId),
    });
    const identityId = await addIdentity(db(), {
      personId: person.id,
      schoolCode: '353604',
      role: 'student',
      classCode: '701',
      attributes: { student_no: `S${crypto.randomInt(1e6, 1e7)}`, seat: 3 },
      source: 'roster',
      actor: 'test',
    });
    return { nationalId, identityId };
  }

  async function post(agent: Agent, page: Step, action: string, fields: Record<string, string>): Promise<Step> {
    return agent.request(url(action), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
    });
  }

  /** Step 0 by email: the agent is on the status page; `codePage` is the code page's address (with its ticket). */
  async function enter(email: string, agent = new Agent()) {
    const page = await agent.request(url('/binding'));
    const sent = await post(agent, page, '/binding', {
      kind: 'email',
      email,
      mobile: '',
      ...(await challengeFields(server.issuer)),
    });
    assert.equal(sent.status, 303, mainOf(sent));
    const codePage = sent.location!;
    const form = await agent.request(codePage);
    const message = await db()('outbox_messages')
      .where({ recipient: email, kind: 'binding_code' })
      .orderBy('created_at', 'desc')
      .first();
    const code = /\b(\d{6})\b/.exec(message.text_body)![1]!;
    const opened = await post(agent, form, new URL(codePage).pathname + new URL(codePage).search, { code });
    assert.equal(opened.location, url('/binding/status'));
    return { agent, codePage };
  }

  /** Steps 1 to 4 for one new student from `agent`'s session: the application is sent (303 to the status page). */
  async function applyFrom(agent: Agent, email: string, parentId = randomNationalId()) {
    const student = await newStudent();
    const form = {
      relationship: 'father',
      level: 'junior',
      national_id: student.nationalId,
      birthdate: '2012-04-05',
      student_no: '',
    };
    const step1 = await agent.request(url('/binding/student'));
    const verified = await post(agent, step1, '/binding/student', form);
    assert.equal(verified.status, 200, mainOf(verified));
    const next = await post(agent, verified, '/binding/student', { ...form, school: '353604' });
    assert.equal(next.status, 303, mainOf(next));
    const step3 = await agent.request(url('/binding/consent'));
    assert.equal((await post(agent, step3, '/binding/consent', { agree: 'yes' })).status, 303);
    const step4 = await agent.request(url('/binding/parent'));
    assert.equal(step4.status, 200);
    const sent = await post(agent, step4, '/binding/parent', {
      action: 'submit',
      national_id: parentId,
      name: '吳大明',
      email,
      mobile: '',
      sign_name: '吳大明',
      sign_tick: 'yes',
    });
    assert.equal(sent.location, url('/binding/status?notice=submitted'), mainOf(sent));
    const row = await db()('binding_applications')
      .where({ student_identity_id: student.identityId, contact: email })
      .first();
    return { row, student };
  }

  const statusOf = async (id: string) => (await db()('binding_applications').where({ id }).first()).status;

  it('取消申請 leads to a page that asks first; only its 確定取消 (confirm=yes) cancels, then 303 with a notice', async () => {
    const email = `cancel-${tag()}@example.test`;
    const { agent } = await enter(email);
    const { row } = await applyFrom(agent, email);
    const status = await agent.request(url('/binding/status'));
    const ask = `/binding/applications/${row.id}/cancel`;
    // The status page's 取消申請 is a link to the page that asks (a GET), not a form that cancels on one tap.
    assert.ok(status.body.includes(`href="${ask}"`), 'a link to the page that asks');
    assert.ok(!status.body.includes(`action="${ask}"`), 'no form that cancels at once');

    const page = await agent.request(url(ask));
    assert.equal(page.status, 200, mainOf(page));
    assert.ok(page.body.includes(`<h1>${zh('binding.confirm.cancelTitle')}</h1>`), 'asks 確定要取消這筆申請嗎？');
    assert.match(page.body, /吳○寶/, 'names the student (masked, as on the status page)');
    assert.ok(page.body.includes(zh('binding.confirm.cancelThen')), 'says what cancelling does');
    assert.match(
      page.body,
      new RegExp(`<form method="post" action="${ask}">[\\s\\S]*?name="confirm" value="yes"[\\s\\S]*?</form>`),
      'the button is the POST, with confirm=yes',
    );
    assert.ok(page.body.includes(zh('binding.confirm.cancelYes')), '確定取消');
    assert.ok(
      page.body.includes(`<a class="button secondary" href="/binding/status">${zh('binding.confirm.back')}</a>`),
      '不要，回到申請進度',
    );
    assert.equal(await statusOf(row.id), 'pending', 'looking cancels nothing');

    // A POST without the page's field (the old one-tap form, a stray request): the page that asks, nothing done.
    const unasked = await post(agent, status, ask, {});
    assert.equal(unasked.status, 200, mainOf(unasked));
    assert.ok(unasked.body.includes(`<h1>${zh('binding.confirm.cancelTitle')}</h1>`), 'answered with the question');
    assert.equal(await statusOf(row.id), 'pending', 'not cancelled without confirm=yes');

    const done = await post(agent, page, ask, { confirm: 'yes' });
    assert.equal(done.status, 303);
    assert.equal(done.location, url('/binding/status?notice=cancelled'));
    assert.equal(await statusOf(row.id), 'withdrawn');
    // The page again (Back, a second tab): nothing left to cancel, said on the status page.
    assert.equal((await agent.request(url(ask))).location, url('/binding/status?notice=notFound'));
    // Nobody else's application is asked about: another contact is told "not found", as its POST would be.
    const stranger = await enter(`stranger-${tag()}@example.test`);
    const other = await applyFrom(agent, email);
    assert.equal(
      (await stranger.agent.request(url(`/binding/applications/${other.row.id}/cancel`))).location,
      url('/binding/status?notice=notFound'),
    );
  });

  it('註銷全部紀錄 leads to a page listing what goes and saying approved bindings stay; only 確定註銷 withdraws', async () => {
    const email = `withdraw-${tag()}@example.test`;
    const { agent } = await enter(email);
    const parentId = randomNationalId();
    const pending = await applyFrom(agent, email, parentId);
    const rejected = await applyFrom(agent, email, parentId);
    const approved = await applyFrom(agent, email, parentId);
    const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
    const review = await teacher.request(url('/binding/review'));
    const no = await post(teacher, review, `/binding/review/${rejected.row.id}/reject`, { reason: '關係不符' });
    assert.equal(no.status, 303);
    const yes = await post(teacher, review, `/binding/review/${approved.row.id}/approve`, {});
    assert.equal(yes.status, 303, mainOf(yes));

    const status = await agent.request(url('/binding/status'));
    assert.ok(status.body.includes('href="/binding/withdraw-all"'), 'a link to the page that asks');
    assert.ok(!status.body.includes('action="/binding/withdraw-all"'), 'no form that withdraws at once');

    const page = await agent.request(url('/binding/withdraw-all'));
    assert.equal(page.status, 200, mainOf(page));
    assert.ok(page.body.includes(`<h1>${zh('binding.confirm.withdrawTitle')}</h1>`), 'asks 確定要註銷全部紀錄嗎？');
    assert.ok(page.body.includes(zh('binding.confirm.withdrawWhat')), 'says what goes');
    const listed = page.body.match(/<span class="state (\w+)">/g) ?? [];
    assert.deepEqual(
      listed.map((s) => /state (\w+)/.exec(s)![1]).sort(),
      ['pending', 'rejected'],
      'lists exactly the pending and the rejected application, not the approved one',
    );
    assert.ok(page.body.includes(zh('binding.confirm.approvedStay')), 'says the approved binding stays');
    assert.ok(!page.body.includes(zh('binding.confirm.othersStay')), 'nothing else to warn of');
    assert.match(
      page.body,
      /<form method="post" action="\/binding\/withdraw-all">[\s\S]*?name="confirm" value="yes"[\s\S]*?<\/form>/,
    );
    assert.ok(page.body.includes(zh('binding.confirm.withdrawYes')), '確定註銷');
    assert.ok(page.body.includes(`href="/binding/status">${zh('binding.confirm.back')}</a>`), '不要，回到申請進度');
    // In English too.
    const inEnglish = await agent.request(url('/binding/withdraw-all'), { headers: { 'accept-language': 'en' } });
    assert.ok(inEnglish.body.includes(`<h1>${en('binding.confirm.withdrawTitle')}</h1>`));
    assert.ok(inEnglish.body.includes(shown(en('binding.confirm.approvedStay'))));

    const unasked = await post(agent, status, '/binding/withdraw-all', {});
    assert.equal(unasked.status, 200, mainOf(unasked));
    assert.ok(unasked.body.includes(`<h1>${zh('binding.confirm.withdrawTitle')}</h1>`), 'answered with the question');
    assert.equal(await statusOf(pending.row.id), 'pending', 'nothing withdrawn without confirm=yes');
    assert.equal(await statusOf(rejected.row.id), 'rejected');

    const done = await post(agent, page, '/binding/withdraw-all', { confirm: 'yes' });
    assert.equal(done.location, url('/binding/status?notice=withdrawn&count=2'));
    assert.equal(await statusOf(pending.row.id), 'withdrawn');
    assert.equal(await statusOf(rejected.row.id), 'withdrawn');
    assert.equal(await statusOf(approved.row.id), 'approved', 'the approved binding stays, as the page said');
    // Nothing left: the status page offers no 註銷全部紀錄, and the page says so with only the way back.
    assert.ok(!(await agent.request(url('/binding/status'))).body.includes('href="/binding/withdraw-all"'));
    const empty = await agent.request(url('/binding/withdraw-all'));
    assert.ok(empty.body.includes(zh('binding.confirm.nothing')));
    assert.ok(!empty.body.includes('name="confirm"'), 'no button that would do nothing');
  });

  it('Back to the code page after the code was used: in the binding still, it says so and leads to the applications', async () => {
    const email = `back-code-${tag()}@example.test`;
    const { agent, codePage } = await enter(email);
    const again = await agent.request(codePage);
    assert.equal(again.status, 200, mainOf(again));
    assert.ok(again.body.includes(`<h1>${zh('binding.code.inTitle')}</h1>`), mainOf(again));
    assert.ok(again.body.includes(zh('binding.code.inSession', { contact: maskEmail(email) })), 'where things are');
    assert.ok(
      again.body.includes(`<a class="button" href="/binding/status">${zh('binding.student.backToStatus')}</a>`),
      '回到申請進度 is the way on',
    );
    assert.ok(!again.body.includes(zh('binding.code.goneTitle')), 'not "驗證碼已失效" alone');
    // The code sent again (the form sent twice): the same.
    const status = await agent.request(url('/binding/status'));
    const twice = await post(agent, status, new URL(codePage).pathname + new URL(codePage).search, { code: '123456' });
    assert.equal(twice.status, 200, mainOf(twice));
    assert.ok(twice.body.includes(`<h1>${zh('binding.code.inTitle')}</h1>`));
    // Without the binding session (signed out): the code is gone, and a new one is the way on.
    assert.equal((await post(agent, status, '/binding/sign-out', {})).status, 303);
    const out = await agent.request(codePage);
    assert.equal(out.status, 400);
    assert.ok(out.body.includes(`<h1>${zh('binding.code.goneTitle')}</h1>`));
    assert.ok(out.body.includes(`<a class="button" href="/binding">${zh('binding.code.again')}</a>`));
    assert.ok(!out.body.includes('href="/binding/status"'), 'no way to applications it may not see');
  });

  it('Back to steps 4 and 3 after the application was sent: says it was sent, leads to the applications, sends nothing twice', async () => {
    const email = `back-sent-${tag()}@example.test`;
    const { agent } = await enter(email);
    const parentId = randomNationalId();
    const { row } = await applyFrom(agent, email, parentId);
    for (const step of ['/binding/parent', '/binding/consent']) {
      const back = await agent.request(url(step));
      assert.equal(back.status, 200, `${step}: a page, not a silent redirect to an empty step 1 (${back.location})`);
      assert.ok(back.body.includes(`<h1>${zh('binding.sent.title')}</h1>`), `${step}: 這份申請已經送出了`);
      assert.ok(back.body.includes(zh('binding.sent.submitted', { names: '吳○寶' })), `${step}: whose, and what now`);
      const links = [
        ...inMain(back).matchAll(/<a class="([^"]*)" href="(\/binding[^"]*)"|<a href="(\/binding[^"]*)"/g),
      ];
      assert.deepEqual(
        links.map((m) => [m[1] ?? '', m[2] ?? m[3]]),
        [
          ['button', '/binding/status'],
          ['', '/binding/student'],
        ],
        `${step}: 回到申請進度 first (the button), then 新增綁定學生`,
      );
    }
    const inEnglish = await agent.request(url('/binding/parent'), { headers: { 'accept-language': 'en' } });
    assert.ok(inEnglish.body.includes(`<h1>${en('binding.sent.title')}</h1>`));
    // 送出資料 again (Back, then the form sent a second time): the same page, and no second application.
    const status = await agent.request(url('/binding/status'));
    const twice = await post(agent, status, '/binding/parent', { action: 'submit', national_id: parentId });
    assert.equal(twice.status, 200);
    assert.ok(twice.body.includes(`<h1>${zh('binding.sent.title')}</h1>`));
    assert.equal((await db()('binding_applications').where({ contact: email })).length, 1, 'sent once');
    assert.equal(await statusOf(row.id), 'pending');
    // A new student begins a new application: its steps are its own again.
    await applyFrom(agent, email, parentId);
    assert.equal((await db()('binding_applications').where({ contact: email })).length, 2);
  });
});
