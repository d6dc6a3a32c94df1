// The bureau console removes a person's second factor (a lost phone, or one set up by someone who had the password):
// the person's page says what is set up in words; 移除兩步驟驗證 needs a reason (refused and kept as typed without one),
// then removes the authenticator app and every passkey in one transaction, writes the administrator's entry with the
// reason, and tells the person by the one rule; their next back-office sign-in sets it up again. Without a CSRF token,
// for someone who is not a bureau administrator, or with nothing left to remove (a stale tab), nothing is removed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith, textOf } from '../../helpers/account.ts';
import { type Console, postAdmin, signInAdmin, startConsole } from '../../helpers/admin.ts';
import { Agent, html, type Step } from '../../helpers/agent.ts';
import { signInOffice } from '../../helpers/school.ts';
import { storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const SCHOOL = `2${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;

describe(`the bureau console removes a person's second factor (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let admin: Console['admin'];
  let agent: Agent;

  before(async () => {
    ({ server, base, admin, agent } = await startConsole('/admin'));
    await server.storage.db('schools').insert({ code: SCHOOL, name: '兩步驟測試國小', level: 'elementary' });
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;
  const page = (path: string): Promise<Step> => agent.request(`${base}${path}`);
  const factorsOf = async (personId: string) => ({
    totp: (await db()('person_totp').where({ person_id: personId })).length,
    passkeys: (await db()('person_passkeys').where({ person_id: personId })).length,
  });

  /**
   * A school administrator who signed in to the back office (the authenticator app set up there, as it is for real) and
   * has a passkey too (its row as a registration keeps it: this test checks no signature).
   */
  async function officeWithFactors() {
    const person = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'factor');
    const home = await signInOffice(base, new Agent(), person.email, '/school');
    assert.equal(home.status, 200, 'signed in to the back office');
    await db()('person_passkeys').insert({
      id: crypto.randomBytes(16).toString('base64url'),
      person_id: person.personId,
      public_key: crypto.randomBytes(77),
      counter: 0,
      transports: JSON.stringify(['internal']),
    });
    assert.deepEqual(await factorsOf(person.personId), { totp: 1, passkeys: 1 });
    return person;
  }

  it('tells whom to ask when a second factor was not the person’s own doing: the school or the bureau', async () => {
    const person = await officeWithFactors();
    const added = await db()('outbox_messages').where({ recipient: person.email, kind: 'second_factor_added' }).first();
    assert.ok(added, 'the person is told that a second factor was added');
    assert.ok(added.text_body.includes('請學校承辦人或教育局移除這個兩步驟驗證'), added.text_body);
    assert.ok(
      added.text_body.includes('ask the administrator at your school or the Department of Education to remove'),
      added.text_body,
    );
  });

  it('shows the second factor in words; removal needs a reason, kept as typed; then removes it, audited, told', async () => {
    const person = await officeWithFactors();
    const path = `/admin/people/${person.personId}`;
    const view = await page(path);
    assert.equal(view.status, 200);
    const state = textOf(view.body, 'person-second-factor');
    assert.match(state!, /^驗證器 App 已設定（.+設定）；通行密鑰 1 把$/, state);
    assert.ok(view.body.includes('id="second-factor-form"'), 'the action is offered');
    assert.ok(view.body.includes(`action="/admin/people/${person.personId}/second-factor/reset"`));

    // No reason: 400, the message at the field, the page standing for ?typed=<token> (reload and Back send nothing).
    const noReason = await postAdmin(agent, base, `${path}/second-factor/reset`, view, { reason: '  ' });
    assert.equal(noReason.status, 400);
    assert.equal(textOf(noReason.body, 'second-factor-reason-error'), html(zh('admin.people.errors.reasonRequired')));
    assert.match(noReason.body, new RegExp(`<body[^>]* data-form-page="${path}\\?typed=[\\w-]+"`));
    // Too long: what was typed comes back in its box, in either language, from the kept page.
    const long = `手機遺失${'很'.repeat(200)}`;
    const tooLong = await postAdmin(agent, base, `${path}/second-factor/reset`, view, { reason: long });
    assert.equal(tooLong.status, 400);
    const kept = /data-form-page="([^"]+)"/.exec(tooLong.body)![1]!.replaceAll('&amp;', '&');
    const again = await page(kept);
    assert.equal(again.status, 200);
    assert.match(again.body, new RegExp(`id="second-factor-reason"[^>]*value="${long}"`));
    assert.equal(textOf(again.body, 'second-factor-reason-error'), html(zh('admin.people.errors.reasonTooLong')));
    const english = await page(`${kept}&lang=en`);
    assert.equal(textOf(english.body, 'second-factor-reason-error'), html(en('admin.people.errors.reasonTooLong')));
    await page(`${kept}&lang=zh-TW`); // the language link back: the agent's later pages in zh-TW again
    assert.deepEqual(await factorsOf(person.personId), { totp: 1, passkeys: 1 }, 'nothing removed');

    // Without the CSRF token: refused, nothing removed.
    const noCsrf = await agent.request(`${base}${path}/second-factor/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'reason=lost',
    });
    assert.equal(noCsrf.status, 403);
    assert.deepEqual(await factorsOf(person.personId), { totp: 1, passkeys: 1 }, 'nothing removed');

    const removed = await postAdmin(agent, base, `${path}/second-factor/reset`, view, {
      reason: ' 本人來電說手機遺失 ',
    });
    assert.equal(removed.status, 303);
    assert.equal(removed.location, `${base}${path}?done=secondFactorRemoved`);
    assert.deepEqual(await factorsOf(person.personId), { totp: 0, passkeys: 0 }, 'the app and every passkey gone');
    const done = await agent.request(removed.location!);
    assert.equal(textOf(done.body, 'person-done'), html(zh('admin.people.done.secondFactorRemoved')));
    assert.ok(done.body.includes('結束所有登入') && done.body.includes('寄送重設密碼信'));
    assert.equal(textOf(done.body, 'person-second-factor'), html(zh('admin.people.secondFactor.none')));
    assert.ok(!done.body.includes('id="second-factor-form"'), 'nothing left to remove: no action');

    const entries = await db()('audit_events').where({
      subject: person.personId,
      action: 'admin.second_factor_removed',
    });
    assert.equal(entries.length, 1);
    assert.equal(entries[0].actor, admin.personId);
    assert.deepEqual(entries[0].detail, { reason: '本人來電說手機遺失', authenticator: true, passkeys: 1 });

    const notice = await db()('outbox_messages').where({ recipient: person.email, kind: 'second_factor_removed' });
    assert.equal(notice.length, 1, 'the person is told, at their verified email');
    assert.equal(notice[0].channel, 'email');
    assert.match(notice[0].text_body, /教育局已於 .+ 移除您「.+」帳號的兩步驟驗證/);
    assert.match(notice[0].text_body, /如果您沒有請人移除，請立即重設密碼，並和學校聯絡/);
    assert.match(notice[0].text_body, /The Department of Education removed the second factor/);

    // The page drawn before (a stale tab): nothing to remove, said at the top, 400; nothing written.
    const stale = await postAdmin(agent, base, `${path}/second-factor/reset`, view, { reason: '再一次' });
    assert.equal(stale.status, 400);
    assert.equal(textOf(stale.body, 'person-error'), html(zh('admin.people.errors.noSecondFactor')));
    assert.equal(
      (await db()('audit_events').where({ subject: person.personId, action: 'admin.second_factor_removed' })).length,
      1,
    );

    // The person's next back-office sign-in sets a second factor up again (signInOffice finds the set-up page's key).
    const setUp: { secret?: string } = {};
    const home = await signInOffice(base, new Agent(), person.email, '/school', setUp);
    assert.equal(home.status, 200);
    assert.ok(setUp.secret, 'the set-up page showed a new key');
    assert.deepEqual(await factorsOf(person.personId), { totp: 1, passkeys: 0 });
  });

  it('says 未設定 and offers nothing for a person without a second factor', async () => {
    const person = await personWith(server, [], 'nofactor');
    const view = await page(`/admin/people/${person.personId}`);
    assert.equal(textOf(view.body, 'person-second-factor'), html(zh('admin.people.secondFactor.none')));
    assert.ok(!view.body.includes('id="second-factor-form"'));
    const refused = await postAdmin(agent, base, `/admin/people/${person.personId}/second-factor/reset`, view, {
      reason: '手機遺失',
    });
    assert.equal(refused.status, 400);
    assert.equal(textOf(refused.body, 'person-error'), html(zh('admin.people.errors.noSecondFactor')));
  });

  it('is not for a school administrator, who is not the bureau', async () => {
    const person = await officeWithFactors();
    const school = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'notbureau');
    const theirs = new Agent();
    const refused = await signInAdmin(base, theirs, school.email, `/admin/people/${person.personId}`);
    assert.equal(refused.status, 403);
    const tried = await theirs.request(`${base}/admin/people/${person.personId}/second-factor/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ reason: '手機遺失' }).toString(),
    });
    // Refused at the console's door (the callback kept no console sign-in for them): sent to sign in, nothing done.
    assert.equal(tried.status, 303);
    assert.match(tried.location!, /\/admin\/sign-in\?return_to=/);
    assert.deepEqual(await factorsOf(person.personId), { totp: 1, passkeys: 1 }, 'nothing removed');
  });
});
