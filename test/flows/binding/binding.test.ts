// Parent-child binding over HTTP (seed 002, issue 12): the code to the parent's own contact, the four steps with bad
// input at each (listed above the form, each a link to its field, 錯誤： in the title), step 4 with the contact step 1
// verified filled in, the seed's three FAQ errors, cancel and 註銷全部紀錄, the PDF, the homeroom teacher's approval
// and rejection, and the approved parent at a relying party with the `children` claim.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { GUARDIANS } from '../../../src/domain/binding/relationships.ts';
import { Binding } from '../../../src/domain/binding/service.ts';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { nationalIdIndex, sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { BINDING, SIGN_IN } from '../../../src/platform/limits.ts';
import { parseSettings } from '../../../src/platform/settings.ts';
import { PERSON_PASSWORD, personWith, signedInAgent, signInToAccount } from '../../helpers/account.ts';
import { Agent, activateByLink, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { pdfText } from '../../helpers/pdf.ts';
import { runCli } from '../../helpers/process.ts';
import { registrationForm } from '../../helpers/registration.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, signIn, submitLogin } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SECRET = 'binding-test-secret-0123456789abcdef';
const CLIENT = 'binding-rp';
const SIS_CLIENT = 'binding-sis';
const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
const tag = () => crypto.randomBytes(4).toString('hex');
const randomMobile = () => `09${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`;

describe(`parent-child binding (${storageMode})`, () => {
  let server: TestServer;
  const db = () => server.storage.db;
  const url = (path: string) => `${server.issuer}${path}`;

  const resetAddressCounters = () =>
    Promise.all(
      LOOPBACK.flatMap((a) => [
        server.services.throttle.reset(BINDING.codesPerAddress, a),
        server.services.throttle.reset(BINDING.lookupsPerAddress, a),
        server.services.throttle.reset(BINDING.passwordPerAddress, a),
      ]),
    );

  before(async () => {
    server = await startTestServer();
    await registerClient(server, { client_id: CLIENT, first_party: true }, SECRET);
    await registerClient(
      server,
      { client_id: SIS_CLIENT, redirect_uris: ['https://sis.example.test/cb'], permissions: ['sis'] },
      SECRET,
    );
    await resetAddressCounters();
  });
  after(async () => {
    await resetAddressCounters();
    await server.close();
  });

  /** A student of the demo homeroom teacher's class 701 at 353604 (or of `school`/`classCode`), with a national ID. */
  async function newStudent(opts: { school?: string; classCode?: string; name?: string } = {}) {
    const at = server;
    const nationalId = randomNationalId();
    const studentNo = `S${crypto.randomInt(1e6, 1e7)}`;
    const person = await insertPerson(at.storage.db, {
      username: `stu-${tag()}`,
      name: opts.name ?? '吳三寶',
      passwordHash: await hashPassword('Student-Pass-1', 4),
      birthdate: '2012-04-05',
      nationalId: sealNationalId(at.storage.keyring, nationalId),
    });
    const identityId = await addIdentity(at.storage.db, {
      personId: person.id,
      schoolCode: opts.school ?? '353604',
      role: 'student',
      classCode: opts.classCode ?? '701',
      attributes: { student_no: studentNo, seat: 3 },
      source: 'roster',
      actor: 'test',
    });
    return { ...person, nationalId, studentNo, identityId };
  }

  async function post(agent: Agent, page: Step, action: string, fields: Record<string, string>): Promise<Step> {
    return agent.request(url(action), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
    });
  }

  async function lastMessage(recipient: string, kind: string) {
    return db()('outbox_messages').where({ recipient, kind }).orderBy('created_at', 'desc').first();
  }

  /** Step 0: a code to `contact` (email or mobile), typed in; returns the agent on the status page. */
  async function enter(contact: { email?: string; mobile?: string }, agent = new Agent()): Promise<Agent> {
    const page = await agent.request(url('/binding'));
    assert.equal(page.status, 200);
    // The tab names the flow once on its first page, and each later page before it.
    assert.ok(page.body.includes(`<title>${zh('binding.title')} · ${zh('brand')}</title>`), 'entry page title');
    const sent = await post(agent, page, '/binding', {
      kind: contact.email ? 'email' : 'mobile',
      email: contact.email ?? '',
      mobile: contact.mobile ?? '',
      ...(await challengeFields(server.issuer)),
    });
    assert.equal(sent.status, 303, sent.body.slice(0, 300));
    const codePage = await agent.request(sent.location!);
    assert.equal(codePage.status, 200);
    assert.ok(
      codePage.body.includes(`<title>${zh('binding.code.title')} · ${zh('binding.title')} · ${zh('brand')}</title>`),
      'code page title',
    );
    const message = await lastMessage(contact.email ?? contact.mobile!, 'binding_code');
    const code = /\b(\d{6})\b/.exec(message.text_body)![1]!;
    const opened = await post(agent, codePage, new URL(sent.location!).pathname + new URL(sent.location!).search, {
      code,
    });
    assert.equal(opened.status, 303);
    assert.equal(new URL(opened.location!).pathname, '/binding/status');
    return agent;
  }

  type StudentFields = {
    relationship?: string;
    level?: string;
    national_id?: string;
    birthdate?: string;
    student_no?: string;
  };

  /** Step 1 for one student: 驗證, then 下一步 with the only school. */
  async function addStudent(agent: Agent, student: { nationalId: string }, fields: StudentFields = {}) {
    const page = await agent.request(url('/binding/student'));
    assert.equal(page.status, 200);
    const form = {
      relationship: 'father',
      level: 'junior',
      national_id: student.nationalId,
      birthdate: '2012-04-05',
      student_no: '',
      ...fields,
    };
    const verified = await post(agent, page, '/binding/student', form);
    assert.equal(verified.status, 200, verified.body.slice(0, 500));
    const next = await post(agent, verified, '/binding/student', { ...form, school: '353604' });
    assert.equal(next.status, 303);
    return next;
  }

  async function consent(agent: Agent) {
    const page = await agent.request(url('/binding/consent'));
    assert.equal(page.status, 200);
    const done = await post(agent, page, '/binding/consent', { agree: 'yes' });
    assert.equal(done.status, 303);
    assert.equal(new URL(done.location!).pathname, '/binding/parent');
  }

  type Parent = { nationalId: string; name: string; email: string; mobile?: string };
  const newParentData = (): Parent => ({
    nationalId: randomNationalId(),
    name: '吳大明',
    email: `parent-${tag()}@example.test`,
    mobile: randomMobile(),
  });

  async function sendParent(agent: Agent, parent: Parent, extra: Record<string, string> = {}) {
    const page = await agent.request(url('/binding/parent'));
    assert.equal(page.status, 200);
    return post(agent, page, '/binding/parent', {
      action: 'submit',
      national_id: parent.nationalId,
      name: parent.name,
      email: parent.email,
      mobile: parent.mobile ?? '',
      sign_name: parent.name,
      sign_tick: 'yes',
      ...extra,
    });
  }

  /** The whole application for one student, from a new contact; returns the agent and the application row. */
  async function apply(parent = newParentData(), student?: Awaited<ReturnType<typeof newStudent>>) {
    const s = student ?? (await newStudent());
    const agent = await enter({ email: parent.email });
    await addStudent(agent, s);
    await consent(agent);
    const sent = await sendParent(agent, parent);
    assert.equal(sent.status, 303, sent.body.slice(0, 800));
    assert.equal(sent.location, url('/binding/status?notice=submitted'));
    const row = await db()('binding_applications')
      .where({ student_identity_id: s.identityId, contact: parent.email })
      .orderBy('created_at', 'desc')
      .first();
    return { agent, parent, student: s, row };
  }

  it('finds an application again by the mobile or email typed in step 4, not only the one the code went to', async () => {
    const { parent, row } = await apply();
    const byMobile = await enter({ mobile: parent.mobile! });
    const status = await byMobile.request(url('/binding/status'));
    assert.equal(status.status, 200);
    assert.ok(status.body.includes(row.id), 'listed for the mobile number typed in step 4');
    const stranger = await enter({ mobile: randomMobile() });
    assert.ok(!(await stranger.request(url('/binding/status'))).body.includes(row.id), 'and for no one else');
    const strangerStatus = await stranger.request(url('/binding/status'));
    const refused = await post(stranger, strangerStatus, `/binding/applications/${row.id}/cancel`, { confirm: 'yes' });
    assert.equal(refused.location, url('/binding/status?notice=notFound'), 'nor cancelled by anyone else');
    // Cancelled from there too.
    const cancelled = await post(byMobile, status, `/binding/applications/${row.id}/cancel`, { confirm: 'yes' });
    assert.equal(cancelled.location, url('/binding/status?notice=cancelled'));
    assert.equal((await db()('binding_applications').where({ id: row.id }).first()).status, 'withdrawn');
  });

  it('walks the four steps by email code and lists the application as 申請, with a PDF of it', async () => {
    const { agent, row, parent, student } = await apply();
    assert.equal(row.status, 'pending');
    assert.equal(row.relationship, 'father');
    assert.equal(row.parent_name, parent.name);
    assert.notEqual(row.parent_national_id_sealed, parent.nationalId, 'sealed, not in clear');
    assert.doesNotMatch(JSON.stringify(row), new RegExp(parent.nationalId), 'the national ID appears nowhere in clear');
    const signature = typeof row.signature === 'string' ? JSON.parse(row.signature) : row.signature;
    assert.equal(signature.name, parent.name);
    assert.match(signature.sha256, /^[0-9a-f]{64}$/);
    assert.ok(signature.address && signature.at, 'time and address kept');

    // The same form sent again (a double click, the back button): nothing more is written, and the page says it was
    // sent (confirm.test.ts has the rest of that page).
    const back = await agent.request(url('/binding/parent'));
    assert.equal(back.status, 200);
    assert.ok(back.body.includes(zh('binding.sent.title')), 'says it was sent');
    const replay = await agent.request(url('/binding/parent'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: hiddenField((await agent.request(url('/binding/status'))).body, '_csrf'),
        action: 'submit',
        national_id: parent.nationalId,
        name: parent.name,
        email: parent.email,
        sign_name: parent.name,
        sign_tick: 'yes',
      }).toString(),
    });
    assert.equal(replay.status, 200);
    assert.ok(replay.body.includes(zh('binding.sent.title')), 'says it was sent, once');
    assert.equal((await db()('binding_applications').where({ student_identity_id: student.identityId })).length, 1);

    const status = await agent.request(url('/binding/status?notice=submitted'));
    assert.equal(status.status, 200);
    assert.match(status.body, /吳○寶/);
    assert.match(status.body, new RegExp(zh('binding.status.state.pending')));
    assert.doesNotMatch(status.body, new RegExp(student.nationalId));

    const pdf = await fetch(url(`/binding/applications/${row.id}/pdf`), {
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    const text = (await pdfText(new Uint8Array(await pdf.arrayBuffer()))).replace(/\s+/g, '');
    for (const shown of [
      zh('binding.pdf.title'),
      '吳○寶',
      '臺北市立示範國民中學',
      zh('binding.relationship.father'),
      row.id,
      signature.sha256,
    ])
      assert.ok(text.includes(shown.replace(/\s+/g, '')), `the PDF says ${shown}`);
    assert.ok(!text.includes(parent.nationalId), 'the national ID only masked');
    // Another contact's session cannot read it.
    const stranger = await enter({ email: `stranger-${tag()}@example.test` });
    assert.equal((await stranger.request(url(`/binding/applications/${row.id}/pdf`))).status, 404);
  });

  it('refuses bad input at every step with a clear message and keeps what was typed', async () => {
    const student = await newStudent();
    const agent = await enter({ email: `bad-${tag()}@example.test` });
    const page = await agent.request(url('/binding/student'));
    const base = { relationship: 'mother', level: 'junior', national_id: student.nationalId, birthdate: '2012-04-05' };
    const cases: [Record<string, string>, string][] = [
      [{ ...base, national_id: 'A123456788' }, 'binding.student.errors.nationalId'],
      [{ ...base, relationship: 'uncle' }, 'binding.student.errors.relationship'],
      [{ ...base, birthdate: '', student_no: '' }, 'binding.student.errors.proof'],
      [{ ...base, birthdate: '2012-02-31x' }, 'binding.student.errors.birthdate'],
      [{ ...base, level: 'elementary' }, 'binding.student.errors.notFound'],
      [{ ...base, birthdate: '2012-04-06' }, 'binding.student.errors.notFound'],
      [{ ...base, national_id: randomNationalId() }, 'binding.student.errors.notFound'],
    ];
    for (const [fields, key] of cases) {
      const answer = await post(agent, page, '/binding/student', fields);
      assert.equal(answer.status, 400, key);
      assert.match(answer.body, new RegExp(html(zh(key)).replace(/[()（）]/g, '.')), key);
      assert.match(answer.body, new RegExp(`value="${fields.national_id}"`), 'the ID typed is kept');
    }
    // The student number works in place of the birth date; a school not offered is refused.
    const byNumber = { ...base, birthdate: '', student_no: student.studentNo };
    const found = await post(agent, page, '/binding/student', byNumber);
    assert.equal(found.status, 200);
    assert.match(found.body, /吳○寶/);
    assert.match(found.body, /臺北市立示範國民中學/);
    const tampered = await post(agent, page, '/binding/student', { ...byNumber, school: '353601' });
    assert.equal(tampered.status, 400);
    // Steps out of order lead back to the step that is missing.
    assert.equal((await agent.request(url('/binding/parent'))).location, url('/binding/student'));
    const added = await post(agent, page, '/binding/student', { ...byNumber, school: '353604' });
    assert.equal(added.location, url('/binding/consent'));
    assert.equal((await agent.request(url('/binding/parent'))).location, url('/binding/consent'));
    const consentPage = await agent.request(url('/binding/consent'));
    const noTick = await post(agent, consentPage, '/binding/consent', {});
    assert.equal(noTick.status, 400);
    assert.match(noTick.body, new RegExp(zh('binding.consent.errors.agree').slice(0, 6)));
    await consent(agent);

    const parent = newParentData();
    const badCases: [Record<string, string>, string][] = [
      [{ national_id: 'B123' }, 'binding.parent.errors.nationalId'],
      [{ email: 'not-an-email' }, 'binding.parent.errors.email'],
      [{ mobile: '12345' }, 'binding.parent.errors.mobile'],
      [{ sign_name: '吳小明' }, 'binding.parent.errors.signName'],
      [{ sign_tick: '' }, 'binding.parent.errors.signTick'],
      [{ national_id: student.nationalId }, 'binding.parent.errors.studentAccount'],
    ];
    for (const [fields, key] of badCases) {
      const answer = await sendParent(agent, parent, fields);
      assert.ok([400, 409].includes(answer.status), `${key}: ${answer.status}`);
      assert.match(answer.body, new RegExp(html(zh(key)).slice(0, 10)), key);
    }
    assert.equal(await db()('binding_applications').where({ student_identity_id: student.id }).first(), undefined);
    assert.equal(
      (await db()('binding_applications').where({ student_identity_id: student.identityId })).length,
      0,
      'nothing written',
    );
  });

  it('a refused 下一步 in step 1 keeps the school(s) found, the one chosen and everything typed', async () => {
    // A student at two junior high schools: 驗證 lists both, the parent picks the second.
    const second = `B${crypto.randomInt(1e5, 1e6)}`;
    await db()('schools').insert({ code: second, name: `綁定測試第二國中${second}`, level: 'junior' });
    const student = await newStudent();
    await addIdentity(db(), {
      personId: student.id,
      schoolCode: second,
      role: 'student',
      attributes: { student_no: student.studentNo },
      source: 'roster',
      actor: 'test',
    });
    const agent = await enter({ email: `kept-${tag()}@example.test` });
    const page = await agent.request(url('/binding/student'));
    const typed = {
      relationship: 'grandmother',
      level: 'junior',
      national_id: student.nationalId,
      birthdate: '101/04/05',
      student_no: '',
    };
    const found = await post(agent, page, '/binding/student', typed);
    assert.equal(found.status, 200);
    const radio = (code: string) =>
      new RegExp(`<input (?:id="school" )?type="radio" name="school" value="${code}"( checked)?>`);
    assert.equal(radio('353604').exec(found.body)?.[1], undefined, 'two schools: none chosen for the parent');
    assert.equal(radio(second).exec(found.body)?.[1], undefined);
    // Reload or Back: the answer stands for step 1's GET, which shows the student found and the form as typed.
    assert.match(found.body, /data-form-page="\/binding\/student"/);
    const reloaded = await agent.request(url('/binding/student'));
    assert.equal(reloaded.status, 200);
    assert.match(reloaded.body, /吳○寶/, 'reload: the student found is still shown');
    assert.ok(radio('353604').test(reloaded.body) && radio(second).test(reloaded.body), 'reload: both schools offered');
    assert.match(reloaded.body, new RegExp(`name="national_id" value="${student.nationalId}"`));
    assert.match(reloaded.body, /name="birthdate" value="101\/04\/05"/);
    assert.match(reloaded.body, /<option value="grandmother" selected/);
    assert.ok(reloaded.body.includes(zh('binding.student.next')), 'reload: 下一步, not 驗證 again');

    const nextButton = `<button class="primary" type="submit">${zh('binding.student.next')}</button>`;
    const keptAll = (answer: Step, what: string, fields: Record<string, string>) => {
      assert.match(answer.body, /吳○寶/, `${what}: the student found is still shown`);
      assert.ok(radio('353604').test(answer.body), `${what}: the first school is still offered`);
      assert.equal(radio(second).exec(answer.body)?.[1], ' checked', `${what}: the school chosen is still chosen`);
      assert.equal(radio('353604').exec(answer.body)?.[1], undefined, `${what}: and only that one`);
      assert.ok(answer.body.includes(nextButton), `${what}: the button is still 下一步, not 驗證 again`);
      for (const [field, value] of Object.entries(fields).filter(([f]) => ['national_id', 'birthdate'].includes(f)))
        assert.match(answer.body, new RegExp(`name="${field}" value="${value}"`), `${what}: ${field} kept`);
      if (fields.relationship)
        assert.match(
          answer.body,
          new RegExp(`<option value="${fields.relationship}" selected`),
          `${what}: relationship kept`,
        );
    };
    // The relationship left at 請選擇; a birth date mistyped; both the birth date and the student number emptied.
    const refusals: [Record<string, string>, string][] = [
      [{ ...typed, relationship: '' }, 'binding.student.errors.relationship'],
      [{ ...typed, birthdate: '101/02/30' }, 'binding.student.errors.birthdate'],
      [{ ...typed, birthdate: '' }, 'binding.student.errors.proof'],
      [{ ...typed, level: 'junior', binding_code: 'NOT-A-CODE' }, 'binding.student.errors.codeInvalid'],
    ];
    for (const [fields, key] of refusals) {
      const refused = await post(agent, found, '/binding/student', { ...fields, school: second });
      assert.equal(refused.status, 400, key);
      assert.match(
        refused.body,
        new RegExp(
          html(zh(key))
            .replace(/[()（）]/g, '.')
            .slice(0, 12),
        ),
        key,
      );
      keptAll(refused, key, fields);
    }
    // Another student's ID (or level) is another search: its value kept, the schools of the first not offered.
    const otherId = await post(agent, found, '/binding/student', {
      ...typed,
      national_id: 'A12345678',
      school: second,
    });
    assert.equal(otherId.status, 400);
    assert.match(otherId.body, /name="national_id" value="A12345678"/);
    assert.doesNotMatch(otherId.body, /name="school"/, 'no schools of another student');
    // Not found as typed now (a wrong birth date): the schools found before no longer hold.
    const wrong = await post(agent, found, '/binding/student', { ...typed, birthdate: '101/04/06', school: second });
    assert.equal(wrong.status, 400);
    assert.doesNotMatch(wrong.body, /name="school"/);
    const again = await post(agent, found, '/binding/student', { ...typed, relationship: '', school: second });
    assert.doesNotMatch(again.body, /name="school"/, 'and are not shown again after that');
    // Found again, then 下一步 with everything right: the second school is the one added.
    const refound = await post(agent, found, '/binding/student', typed);
    assert.equal(refound.status, 200);
    const added = await post(agent, refound, '/binding/student', { ...typed, school: second });
    assert.equal(added.status, 303);
    const consentPage = await agent.request(url('/binding/consent'));
    assert.ok(consentPage.status === 200);
    const back = await agent.request(url('/binding/student'));
    assert.ok(back.body.includes(`綁定測試第二國中${second}`), 'the school chosen is in the application');
    assert.doesNotMatch(back.body, /name="school"/, 'a fresh step 1 for the next student');
  });

  /** The list of mistakes above a refused form: its attributes, and the fields its links lead to, in order. */
  const mistakesOf = (body: string) => {
    const list = /<div class="alert mistakes"([^>]*)>([\s\S]*?)<\/div>/.exec(body);
    return list && { attributes: list[1]!, links: [...list[2]!.matchAll(/<a href="#([^"]+)">/g)].map((m) => m[1]) };
  };
  const titleOf = (body: string) => /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? '';

  it('step 4 opens with the email or mobile step 1 verified filled in, the other left to type; the signature says why it is asked', async () => {
    for (const kind of ['email', 'mobile'] as const) {
      const contact: { email?: string; mobile?: string } =
        kind === 'email' ? { email: `filled-${tag()}@example.test` } : { mobile: randomMobile() };
      const verified = (contact.email ?? contact.mobile)!;
      const agent = await enter(contact);
      await addStudent(agent, await newStudent());
      await consent(agent);
      const page = await agent.request(url('/binding/parent'));
      const checked = await post(agent, page, '/binding/parent', { action: 'verify', national_id: randomNationalId() });
      assert.equal(checked.status, 200);
      const other = kind === 'email' ? 'mobile' : 'email';
      assert.match(checked.body, new RegExp(`name="${kind}" value="${verified}"`), `${kind}: filled in`);
      assert.match(
        checked.body,
        new RegExp(`name="${other}"( value="")? autocomplete`),
        `${kind}: the ${other} left to type`,
      );
      const hint = kind === 'email' ? 'emailHintVerified' : 'mobileHintVerified';
      assert.ok(
        checked.body.includes(html(zh(`binding.parent.${hint}`, { email: verified, mobile: verified }))),
        `${kind}: the hint says it is the one the code went to`,
      );
      assert.ok(checked.body.includes(html(zh('binding.parent.signNameHint'))), 'the signature says why');
      assert.match(checked.body, /aria-describedby="sign_name-hint"/);
      assert.ok(!mistakesOf(checked.body), 'no list of mistakes before any');
      assert.ok(!titleOf(checked.body).startsWith('錯誤'), 'nor an error title');

      // Sent as filled in (only the name, the other contact and the signature typed): the verified contact is the
      // application's.
      const parent = newParentData();
      const form = {
        action: 'submit',
        national_id: parent.nationalId,
        name: parent.name,
        [kind]: verified,
        [other]: kind === 'email' ? parent.mobile! : parent.email,
        sign_name: parent.name,
        sign_tick: 'yes',
      };
      if (kind === 'email') {
        // The parent may still change it; what they typed (here: nothing) is kept, not filled in again.
        const emptied = await post(agent, checked, '/binding/parent', { ...form, email: '' });
        assert.equal(emptied.status, 400);
        assert.match(emptied.body, /name="email"( value="")? autocomplete/, 'left as the parent left it');
        assert.deepEqual(mistakesOf(emptied.body)?.links, ['email']);
      }
      const sent = await post(agent, checked, '/binding/parent', form);
      assert.equal(sent.status, 303, sent.body.slice(0, 500));
      const row = await db()('binding_applications').where({ contact: verified }).orderBy('created_at', 'desc').first();
      assert.equal(kind === 'email' ? row.parent_email : row.parent_mobile, verified);
    }
  });

  it('a refused form lists its mistakes above it (role=alert, each a link to its field) and says 錯誤： in the title', async () => {
    // /binding: a wrong email and no person check.
    const start = new Agent();
    const first = await start.request(url('/binding'));
    const contact = await post(start, first, '/binding', { kind: 'email', email: 'not-an-email', mobile: '' });
    assert.equal(contact.status, 400);
    const contactList = mistakesOf(contact.body);
    assert.ok(contactList, 'a list of mistakes');
    assert.match(contactList.attributes, /role="alert"/);
    assert.match(contactList.attributes, /data-mistakes/, 'marked to take the focus');
    assert.deepEqual(contactList.links, ['email', 'challenge']);
    assert.ok(contact.body.includes(html(zh('binding.contact.errors.email'))));
    assert.ok(contact.body.includes(html(zh('mistakes.summary'))), 'the list says what to do');
    assert.equal(titleOf(contact.body), `錯誤：${zh('binding.title')} · ${zh('brand')}`);
    assert.match(contact.body, /id="challenge"/);

    // /binding/code: a code of 5 digits.
    const email = `listed-${tag()}@example.test`;
    const sent = await post(start, first, '/binding', {
      kind: 'email',
      email,
      mobile: '',
      ...(await challengeFields(server.issuer)),
    });
    const codeAt = new URL(sent.location!);
    const codePage = await start.request(sent.location!);
    const short = await post(start, codePage, codeAt.pathname + codeAt.search, { code: '12345' });
    assert.equal(short.status, 400);
    assert.deepEqual(mistakesOf(short.body)?.links, ['code']);
    assert.ok(titleOf(short.body).startsWith('錯誤：'));
    assert.doesNotMatch(short.body, /<input[^>]* id="code"[^>]*autofocus/, 'the list, not the box, takes the focus');
    assert.match(codePage.body, /<input[^>]* id="code"[^>]*autofocus/, 'the box has it on the first visit');
    const agent = await enter({ email });

    // /binding/student: nothing chosen, an ID that is no ID; the list in the order of the form.
    const studentPage = await agent.request(url('/binding/student'));
    assert.ok(!mistakesOf(studentPage.body));
    const student = await post(agent, studentPage, '/binding/student', {
      relationship: '',
      national_id: 'A123',
      birthdate: '',
    });
    assert.equal(student.status, 400);
    assert.deepEqual(mistakesOf(student.body)?.links, ['relationship', 'level', 'national_id', 'birthdate']);
    assert.match(student.body, /<input id="level" type="radio" name="level" value="elementary">/, 'a link target');
    assert.equal(
      titleOf(student.body),
      `錯誤：${zh('binding.student.title')} · ${zh('binding.title')} · ${zh('brand')}`,
    );
    for (const [field, label, key] of [
      ['relationship', 'binding.student.relationship', 'binding.student.errors.relationship'],
      ['national_id', 'binding.student.nationalId', 'binding.student.errors.nationalId'],
    ] as const)
      assert.ok(
        student.body.includes(`<a href="#${field}">${html(zh('labelled', { label: zh(label), text: zh(key) }))}</a>`),
        `${field}: the field's name and its mistake`,
      );
    await addStudent(agent, await newStudent());

    // /binding/consent: no tick.
    const consentPage = await agent.request(url('/binding/consent'));
    const noTick = await post(agent, consentPage, '/binding/consent', {});
    assert.equal(noTick.status, 400);
    assert.deepEqual(mistakesOf(noTick.body)?.links, ['agree']);
    assert.ok(titleOf(noTick.body).startsWith('錯誤：'));
    await consent(agent);

    // /binding/parent: an ID that is no ID; then, checked, a bad email and no tick.
    const parentPage = await agent.request(url('/binding/parent'));
    const badId = await post(agent, parentPage, '/binding/parent', { action: 'verify', national_id: 'B12' });
    assert.deepEqual(mistakesOf(badId.body)?.links, ['national_id']);
    const parent = newParentData();
    const wrong = await post(agent, parentPage, '/binding/parent', {
      action: 'submit',
      national_id: parent.nationalId,
      name: parent.name,
      email: 'nope',
      mobile: '',
      sign_name: parent.name,
    });
    assert.equal(wrong.status, 400);
    assert.deepEqual(mistakesOf(wrong.body)?.links, ['email', 'sign_tick']);
    assert.ok(titleOf(wrong.body).startsWith(`錯誤：${zh('binding.parent.title')}`));
    // A refusal of the whole form (applied already for this student): the alert is what takes the focus.
    const applied = await apply();
    const again = await enter({ email: `again-${tag()}@example.test` });
    await addStudent(again, applied.student);
    await consent(again);
    const twice = await sendParent(again, applied.parent);
    assert.equal(twice.status, 409);
    assert.ok(!mistakesOf(twice.body), 'no field to list');
    assert.match(twice.body, /<p class="alert" role="alert" tabindex="-1" data-mistakes="">/);
    assert.ok(titleOf(twice.body).startsWith('錯誤：'));

    // In English: the same list, in English words, and "Error: ".
    const en = translator('en');
    const english = await post(agent, parentPage, '/binding/parent?lang=en', {
      action: 'submit',
      national_id: parent.nationalId,
      name: '',
      email: parent.email,
      sign_name: parent.name,
      sign_tick: 'yes',
    });
    assert.equal(english.status, 400);
    assert.equal(
      titleOf(english.body),
      `Error: ${en('binding.parent.title')} · ${en('binding.title')} · ${html(en('brand'))}`,
    );
    assert.deepEqual(mistakesOf(english.body)?.links, ['name', 'sign_name']);
    assert.ok(english.body.includes(html(en('mistakes.summary'))));
    assert.ok(
      english.body.includes(
        html(en('labelled', { label: en('binding.parent.name'), text: en('binding.parent.errors.name') })),
      ),
    );
  });

  it('counts every lookup by national ID, of students and of parents, and stops a session that looks too often', async () => {
    const agent = await enter({ email: `looker-${tag()}@example.test` });
    await addStudent(agent, await newStudent()); // two lookups: 驗證, then 下一步
    await consent(agent);
    const page = await agent.request(url('/binding/parent'));
    let answer: Step | undefined;
    let tries = 0;
    do {
      answer = await post(agent, page, '/binding/parent', { action: 'verify', national_id: randomNationalId() });
      tries++;
    } while (answer.status === 200 && tries < 30);
    assert.equal(answer.status, 429);
    assert.equal(tries, BINDING.lookupsPerSession.max - 2 + 1, 'the session allows its number of lookups, no more');
    assert.match(answer.body, new RegExp(html(zh('binding.student.errors.tooMany')).slice(0, 8)));
  });

  it('counts lookups sent at once in one session: no more than the session allows are answered', async () => {
    const agent = await enter({ email: `racer-${tag()}@example.test` });
    const page = await agent.request(url('/binding/student'));
    const form = { relationship: 'father', level: 'junior', birthdate: '2012-04-05', student_no: '' };
    // 30 lookups at the same moment, each of a national ID nobody holds (looked up: "not found"; else refused).
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        post(agent, page, '/binding/student', { ...form, national_id: randomNationalId() }),
      ),
    );
    const notFound = html(zh('binding.student.errors.notFound'));
    const looked = answers.filter((a) => a.status === 400 && a.body.includes(notFound));
    const refused = answers.filter((a) => a.status === 429);
    assert.ok(looked.length <= BINDING.lookupsPerSession.max, `${looked.length} answered as lookups`);
    assert.equal(looked.length + refused.length, 30, 'each answered as a lookup or refused');
    for (const a of refused)
      assert.match(a.body, new RegExp(html(zh('binding.student.errors.tooMany')).slice(0, 8)), 'the session limit');
  });

  it('answers "not found" for a national ID after 5 wrong birth dates, in any session, even for the right one', async () => {
    const student = await newStudent();
    const form = { relationship: 'father', level: 'junior', national_id: student.nationalId, student_no: '' };
    const notFound = html(zh('binding.student.errors.notFound'));
    const guess = async (agent: Agent, birthdate: string) =>
      post(agent, await agent.request(url('/binding/student')), '/binding/student', { ...form, birthdate });
    // A stranger's answer for an ID nobody holds, to compare with.
    const stranger = await enter({ email: `guesser-${tag()}@example.test` });
    const nobody = await post(stranger, await stranger.request(url('/binding/student')), '/binding/student', {
      ...form,
      national_id: randomNationalId(),
      birthdate: '2012-04-05',
    });
    assert.equal(nobody.status, 400);
    assert.ok(nobody.body.includes(notFound));
    // Five wrong birth dates across two sessions.
    for (const day of ['01', '02', '03']) assert.equal((await guess(stranger, `2012-04-${day}`)).status, 400);
    const second = await enter({ email: `guesser-${tag()}@example.test` });
    for (const day of ['04', '06']) assert.equal((await guess(second, `2012-04-${day}`)).status, 400);
    // Then the right one: answered as an ID nobody holds is, no masked name, no school.
    const right = await guess(second, '2012-04-05');
    assert.equal(right.status, 400, 'not the masked name (200)');
    assert.ok(right.body.includes(notFound), 'the "not found" words');
    assert.ok(!right.body.includes(zh('binding.student.errors.tooMany')), 'no word of a limit');
  });

  it('gives the seed FAQ errors: the email has an account, the email has an application, already bound', async () => {
    // The student's own email (FAQ Q2).
    const student = await newStudent();
    await db()('persons')
      .where({ id: student.id })
      .update({ email: `child-${tag()}@example.test`, email_verified: true });
    const childEmail = (await db()('persons').where({ id: student.id }).first()).email;
    const agent = await enter({ email: `faq-${tag()}@example.test` });
    await addStudent(agent, student);
    await consent(agent);
    const taken = await sendParent(agent, { ...newParentData(), email: childEmail });
    assert.equal(taken.status, 409, /<main>([\s\S]*)<\/main>/.exec(taken.body)?.[1]?.slice(0, 3000));
    assert.match(taken.body, /此 E-mail 已有帳號，不得再次申請/);

    // A national ID refused at "送出" keeps the rest of the form as typed (it fell back to the ID and "驗證" alone).
    const typed = { ...newParentData(), name: '吳阿嬤' };
    const badId = await sendParent(agent, { ...typed, nationalId: 'A12345678' });
    assert.equal(badId.status, 400);
    for (const [field, value] of [
      ['name', typed.name],
      ['email', typed.email],
      ['mobile', typed.mobile!],
      ['sign_name', typed.name],
    ])
      assert.match(badId.body, new RegExp(`name="${field}"[^>]*value="${value}"`), `${field} kept`);
    assert.match(badId.body, /name="sign_tick"[^>]*checked/, 'the signature tick kept');

    // Another parent's application uses the email (FAQ Q3).
    const first = await apply();
    const applied = await sendParent(agent, { ...newParentData(), email: first.parent.email });
    assert.equal(applied.status, 409, /<main>([\s\S]*)<\/main>/.exec(applied.body)?.[1]?.slice(0, 3000));
    assert.match(applied.body, /此 E-mail 已有申請紀錄/);

    // Already bound (FAQ Q4): approved once, applying again for the same student. The teacher, signed out, opens the
    // review page and comes back to it after signing in.
    const teacher = new Agent();
    const asked = await teacher.request(url('/binding/review'));
    assert.equal(asked.status, 302);
    const returnTo = new URL(asked.location!, server.issuer).searchParams.get('return_to');
    assert.equal(returnTo, '/binding/review');
    const landed = await signInToAccount(server.issuer, teacher, 'teacher', 'Blue-Chalk-2026', returnTo!);
    assert.equal(new URL(landed.url).pathname, '/binding/review', 'back at the review page, not the profile');
    const review = await teacher.request(url('/binding/review'));
    const approved = await post(teacher, review, `/binding/review/${first.row.id}/approve`, {});
    assert.equal(approved.status, 303);
    // Back with the code to the address the approval made the login: told at step 1's 驗證, not offered again.
    const back = await enter({ email: first.parent.email });
    const step1 = await back.request(url('/binding/student'));
    const form = {
      relationship: 'father',
      level: 'junior',
      national_id: first.student.nationalId,
      birthdate: '2012-04-05',
    };
    const told = await post(back, step1, '/binding/student', form);
    assert.equal(told.status, 200);
    assert.ok(told.body.includes(html(zh('binding.student.bound', { name: '吳○寶' }))), 'told at 驗證');
    assert.ok(told.body.includes('href="/account/identities"'), 'with the way to the account');
    assert.ok(!told.body.includes('name="school"'), 'the student is not offered');
    const forced = await post(back, told, '/binding/student', { ...form, school: '353604' });
    assert.equal(forced.status, 409, '下一步 sent anyway is refused');
    assert.equal((await back.request(url('/binding/consent'))).status, 303, 'nothing added');
    // With a code to another address of theirs, the account is known only at step 4 (its password): refused there.
    const again = await enter({ email: `other-${tag()}@example.test` });
    await addStudent(again, first.student);
    await consent(again);
    // The parent has an account now: step 3 asks for its password instead of new details.
    await db()('persons')
      .where({ email: first.parent.email })
      .update({ password_hash: await hashPassword('Parent-Known-2026', 4) });
    const bound = await sendParent(again, first.parent, { password: 'Parent-Known-2026' });
    assert.equal(bound.status, 409, /<main>([\s\S]*)<\/main>/.exec(bound.body)?.[1]?.slice(0, 3000));
    assert.match(bound.body, /已綁定過親子關係/);
    assert.ok(bound.body.includes('href="/account/identities"'), 'with the way to the account');
  });

  it('applied already for the student (with another contact): step 4 says so, with the way to the applications', async () => {
    const { parent, student } = await apply();
    const agent = await enter({ email: `second-${tag()}@example.test` });
    await addStudent(agent, student);
    await consent(agent);
    const again = await sendParent(agent, { ...parent, email: `second-mail-${tag()}@example.test` });
    assert.equal(again.status, 409);
    assert.ok(again.body.includes(html(zh('binding.parent.errors.alreadyApplied', { student: '吳○寶' }))));
    assert.match(again.body, /<a class="button" href="\/binding\/status">/, 'the way to the applications');
  });

  it('cancels one pending application, and 註銷全部紀錄 withdraws every pending and rejected one', async () => {
    const { agent, row, parent } = await apply();
    const status = await agent.request(url('/binding/status'));
    const cancelled = await post(agent, status, `/binding/applications/${row.id}/cancel`, { confirm: 'yes' });
    assert.equal(cancelled.location, url('/binding/status?notice=cancelled'));
    assert.equal((await db()('binding_applications').where({ id: row.id }).first()).status, 'withdrawn');
    assert.doesNotMatch((await agent.request(url('/binding/status'))).body, /吳○寶/);

    // Two more: one rejected by the teacher, one pending; both go.
    const a = await apply(parent);
    const b = await apply({ ...parent });
    const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
    const review = await teacher.request(url('/binding/review'));
    const rejected = await post(teacher, review, `/binding/review/${a.row.id}/reject`, { reason: '關係不符' });
    assert.equal(rejected.status, 303);
    const shown = await b.agent.request(url('/binding/status'));
    assert.match(shown.body, new RegExp(zh('binding.status.state.rejected')));
    assert.match(shown.body, /關係不符/);
    const mail = await lastMessage(parent.email, 'binding_rejected');
    assert.match(mail.text_body, /關係不符/);
    const withdrawn = await post(b.agent, shown, '/binding/withdraw-all', { confirm: 'yes' });
    assert.equal(withdrawn.location, url('/binding/status?notice=withdrawn&count=2'));
    const left = await db()('binding_applications').whereIn('id', [a.row.id, b.row.id]).select('status');
    assert.deepEqual(
      left.map((r: { status: string }) => r.status),
      ['withdrawn', 'withdrawn'],
    );
  });

  it('the homeroom teacher approves: the parent account is made, its password chosen by link, and `children` lists the child', async () => {
    const { row, parent, student } = await apply();
    const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
    const review = await teacher.request(url('/binding/review'));
    assert.equal(review.status, 200);
    assert.match(review.body, new RegExp(student.name));
    // The reviewer judges who applies: the name, the email and the mobile in full; the national ID masked, always.
    const approveAt = review.body.indexOf(`/binding/review/${row.id}/approve`);
    const item = review.body.slice(review.body.lastIndexOf('<li class="review-item">', approveAt), approveAt);
    assert.ok(item.includes(`<dd class="parent-name">${parent.name}</dd>`), "the parent's full name");
    assert.doesNotMatch(review.body, /吳○明/, 'not masked');
    assert.ok(item.includes(`href="mailto:${parent.email}">${parent.email}</a>`), 'the email in full');
    assert.ok(item.includes(`href="tel:${parent.mobile}">${parent.mobile}</a>`), 'the mobile in full');
    assert.doesNotMatch(review.body, new RegExp(parent.nationalId), 'never the national ID in full');
    assert.ok(item.includes(`${parent.nationalId.slice(0, 3)}****${parent.nationalId.slice(-3)}`), 'masked');
    for (const key of ['parent', 'nationalId', 'email', 'mobile', 'relationship'])
      assert.ok(item.includes(html(zh(`binding.review.${key}`))), key);
    const approved = await post(teacher, review, `/binding/review/${row.id}/approve`, {});
    assert.equal(approved.status, 303);
    // No name in the URL (SPEC: no PII in URLs): the application's id, and the page says whose it was.
    assert.equal(approved.location, url(`/binding/review?notice=approved&app=${row.id}`));
    const told = await teacher.request(approved.location!);
    assert.ok(
      told.body.includes(html(zh('binding.review.approved', { student: student.name }))),
      'the notice names the student',
    );
    // A second decision changes nothing.
    const twice = await post(teacher, review, `/binding/review/${row.id}/reject`, { reason: 'x' });
    assert.equal(twice.status, 409);
    assert.ok(twice.body.includes(html(zh('binding.review.notPending'))));
    assert.match(twice.body, /data-form-page="\/binding\/review"/, 'reload and Back ask for the review page');

    const account = await db()('persons').where({ email: parent.email }).first();
    assert.ok(account, 'the parent account exists');
    assert.equal(account.email_verified, true, 'the email was verified with the code');
    // The mobile typed in step 4 (not the one the code went to) is kept as the contact phone, not dropped.
    assert.equal(account.contact_phone, parent.mobile, 'the mobile typed is kept as the contact phone');
    assert.equal(account.mobile, null, 'not as the sign-in number: it was not proved');
    const identity = await db()('identities')
      .where({ person_id: account.id, role: 'parent', school_code: '353604' })
      .first();
    assert.equal(identity.source, 'binding');
    const mail = await lastMessage(parent.email, 'binding_approved');
    const link = /https?:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]{43}/.exec(mail.text_body)?.[0];
    assert.ok(link, 'the mail has the link to choose a password');

    // The parent chooses a password with the link, then signs in to a relying party and gets `children`.
    const browser = new Agent();
    const form = await browser.request(link);
    assert.equal(form.status, 200);
    const set = await post(browser, form, new URL(link).pathname + new URL(link).search, {
      password: 'Parent-Chooses-2026',
      confirm: 'Parent-Chooses-2026',
    });
    assert.ok([200, 303].includes(set.status), `password set: ${set.status}`);
    const conf = await discover(server.issuer, CLIENT, SECRET);
    const p = await pkce();
    const callback = await signIn(
      new Agent(),
      authorizationUrl(conf, p, { scope: 'openid children' }).href,
      parent.email,
      'Parent-Chooses-2026',
      CALLBACK,
    );
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub);
    const children = info.children as { sub: string; name: string; school: { code: string }; relationship: string }[];
    assert.equal(children.length, 1);
    assert.equal(children[0]!.sub, student.id);
    assert.equal(children[0]!.relationship, 'father');
    assert.equal(children[0]!.school.code, '353604');
  });

  it("a parent's account that the sign-in page has locked is locked here too; wrong passwords here count toward that lock", async () => {
    const nationalId = randomNationalId();
    const password = 'Locked-Pass-2026';
    const person = await insertPerson(db(), {
      username: `lck-${tag()}`,
      email: `locked-${tag()}@example.test`,
      emailVerified: true,
      name: '鄭安安',
      passwordHash: await hashPassword(password, 4),
      nationalId: sealNationalId(server.storage.keyring, nationalId),
    });
    const subject = `person:${person.id}`;
    const student = await newStudent();
    const agent = await enter({ email: `other-${tag()}@example.test` });
    await addStudent(agent, student);
    await consent(agent);
    const page = await agent.request(url('/binding/parent'));
    const verified = await post(agent, page, '/binding/parent', { action: 'verify', national_id: nationalId });
    const submit = (typed: string) =>
      post(agent, verified, '/binding/parent', {
        action: 'submit',
        national_id: nationalId,
        password: typed,
        sign_name: '鄭安安',
        sign_tick: 'yes',
      });
    // Two wrong passwords here are two failures of the account's sign-in, as at the sign-in page.
    for (let i = 0; i < 2; i++) assert.equal((await submit('not-the-password')).status, 400);
    assert.equal((await server.services.signInGuard.state(subject, '198.51.100.1')).accountFailures, 2);
    // Locked by the sign-in page's failures (from another address): the right password is not checked here either.
    for (let i = 2; i < SIGN_IN.account.max; i++) await server.services.signInGuard.failed(subject, '198.51.100.1');
    const locked = await submit(password);
    assert.equal(locked.status, 429);
    assert.ok(locked.body.includes(html(zh('binding.parent.errors.passwordLimit'))));
    assert.equal(
      await db()('binding_applications').where({ student_identity_id: student.identityId }).first(),
      undefined,
      'no application made',
    );
  });

  it('a parent with an account confirms it with the password; approval adds a parent identity; links end by revoke or when enrolment ends', async () => {
    const nationalId = randomNationalId();
    const existing = await insertPerson(db(), {
      username: `par-${tag()}`,
      email: `existing-${tag()}@example.test`,
      emailVerified: true,
      name: '吳大同',
      passwordHash: await hashPassword('Existing-Pass-2026', 4),
      nationalId: sealNationalId(server.storage.keyring, nationalId),
    });
    const student = await newStudent();
    const agent = await enter({ email: existing.email! });
    await addStudent(agent, student);
    await consent(agent);
    const page = await agent.request(url('/binding/parent'));
    const verified = await post(agent, page, '/binding/parent', { action: 'verify', national_id: nationalId });
    assert.equal(verified.status, 200);
    // Anyone with a verified contact can type anyone's ID here: the page asks for the account's password and says
    // nothing of whose it is (no name, no email, no mobile, not even masked).
    assert.ok(verified.body.includes(html(zh('binding.parent.existing'))), 'asks for the password');
    assert.match(verified.body, /name="password"/);
    assert.doesNotMatch(verified.body, /吳○同|吳大同/, 'not the name, masked or not');
    assert.doesNotMatch(verified.body, /exi\*\*\*|@example\.test/, 'not the email, masked or not');
    const submit = (password: string, sign = '吳大同') =>
      post(agent, verified, '/binding/parent', {
        action: 'submit',
        national_id: nationalId,
        password,
        sign_name: sign,
        sign_tick: 'yes',
      });
    const wrong = await submit('not-it');
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, new RegExp(zh('binding.parent.errors.password')));
    // A wrong password tells nothing of the name: the signature is not judged until the password is right.
    for (const sign of ['吳大同', '別人']) {
      const answer = await submit('not-it', sign);
      assert.doesNotMatch(answer.body, /id="sign_name-error"/, sign);
    }
    // Tries per address too, whatever the account (one machine trying many IDs in turn): past it, no password is
    // checked, not even the right one.
    for (const a of LOOPBACK)
      for (let i = 0; i < BINDING.passwordPerAddress.max; i++)
        await server.services.throttle.hit(BINDING.passwordPerAddress, a);
    const limited = await submit('Existing-Pass-2026');
    assert.equal(limited.status, 429);
    assert.ok(limited.body.includes(html(zh('binding.parent.errors.passwordLimit'))));
    for (const a of LOOPBACK) await server.services.throttle.reset(BINDING.passwordPerAddress, a);
    const done = await submit('Existing-Pass-2026');
    assert.equal(done.status, 303);
    const row = await db()('binding_applications').where({ student_identity_id: student.identityId }).first();
    assert.equal(row.parent_person_id, existing.id);

    const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
    const review = await teacher.request(url('/binding/review'));
    assert.equal((await post(teacher, review, `/binding/review/${row.id}/approve`, {})).status, 303);
    assert.equal(
      await db()('persons')
        .where({ national_id_index: nationalIdIndex(server.storage.keyring, nationalId)! })
        .count('* as n')
        .first()
        .then((r) => Number(r?.n)),
      1,
      'no second account',
    );
    const parentIdentity = await db()('identities')
      .where({ person_id: existing.id, role: 'parent', school_code: '353604' })
      .first();
    assert.ok(parentIdentity, 'a parent identity at the school');
    const children = async () =>
      (await server.services.identities.withChildren(existing.id)).children.map((c) => c.sub);
    assert.deepEqual(await children(), [student.id]);
    assert.match((await lastMessage(existing.email!, 'binding_approved')).text_body, new RegExp(existing.email!));

    // The teacher ends the link: the child is gone from `children`, the parent's page says so.
    const reviewAgain = await teacher.request(url('/binding/review'));
    assert.match(reviewAgain.body, new RegExp(`/binding/review/${row.id}/revoke`));
    const noReason = await post(teacher, reviewAgain, `/binding/review/${row.id}/revoke`, { reason: '' });
    assert.equal(noReason.status, 400, 'drawn again, not redirected');
    // Its own words, under that card's field (not the reject wording, not a banner).
    const field = new RegExp(
      `<input id="revoke-${row.id}"[^>]*aria-invalid="true"[^>]*aria-describedby="revoke-${row.id}-error"`,
    );
    assert.match(noReason.body, field);
    assert.ok(
      noReason.body.includes(
        `<p class="field-error" id="revoke-${row.id}-error">${html(zh('binding.review.revokeReasonRequired'))}</p>`,
      ),
    );
    assert.ok(!noReason.body.includes(html(zh('binding.review.reasonRequired'))), 'not the reject wording');
    assert.match(noReason.body, /data-mistakes/, 'the list of mistakes takes the focus, its link to the field');
    assert.ok(noReason.body.includes(`href="#revoke-${row.id}"`));
    assert.match(noReason.body, /data-form-page="\/binding\/review"/, 'reload and Back ask for the review page');
    const revoked = await post(teacher, reviewAgain, `/binding/review/${row.id}/revoke`, { reason: '監護權變更' });
    assert.equal(revoked.location, url(`/binding/review?notice=revoked&app=${row.id}`));
    assert.deepEqual(await children(), []);
    assert.match((await agent.request(url('/binding/status'))).body, new RegExp(zh('binding.status.state.revoked')));

    // Bound again through the school-affairs system, then the school ends the student's enrolment: the link ends.
    const sis = await fetch(url('/api/sis/guardians'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${SIS_CLIENT}:${SECRET}`).toString('base64')}`,
      },
      body: JSON.stringify({
        student: { national_id: student.nationalId },
        parent: { national_id: nationalId, name: '吳大同' },
        relationship: 'father',
        verified: true,
      }),
    });
    assert.equal(sis.status, 201);
    assert.deepEqual(await children(), [student.id]);
    await db()('identities').where({ id: student.identityId }).update({ status: 'ended', ended_at: db().fn.now() });
    assert.deepEqual(await children(), []);
  });

  it("a school's binding code (printed, or its QR link) names the student and approves at once, once", async () => {
    const student = await newStudent();
    const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
    const list = await teacher.request(url('/binding/review/codes'));
    assert.equal(list.status, 200);
    assert.match(list.body, new RegExp(`/binding/review/codes/${student.identityId}`));
    const made = await post(teacher, list, `/binding/review/codes/${student.identityId}`, {});
    assert.equal(made.status, 303, 'made, then shown by a GET: a reload makes nothing');
    assert.equal(made.location, url(`/binding/review/codes/${student.identityId}?notice=made`));
    const card = await teacher.request(made.location!);
    assert.equal(card.status, 200);
    const code = /id="binding-code">([A-Z0-9-]{9})</.exec(card.body)?.[1];
    assert.ok(code, 'the card shows the code');
    assert.match(card.body, /data:image\/svg\+xml;base64,/, 'and its QR code');
    const stored = await db()('binding_codes').where({ student_identity_id: student.identityId }).first();
    assert.notEqual(stored.code_index, code.replace('-', ''), 'only a digest is kept');
    assert.doesNotMatch(JSON.stringify(stored), new RegExp(code.replace('-', '')), 'the code is stored nowhere');
    // Another class's student: no code, and no card.
    const other = await newStudent({ classCode: '702' });
    assert.equal((await post(teacher, list, `/binding/review/codes/${other.identityId}`, {})).status, 404);
    assert.equal((await teacher.request(url(`/binding/review/codes/${other.identityId}`))).status, 404);
    assert.equal((await teacher.request(url('/binding/review/codes/not-a-student'))).status, 404);

    // The parent follows the QR link: the code waits through the contact code and fills step 1.
    const parent = newParentData();
    const agent = new Agent();
    const start = await agent.request(url(`/binding?code=${code}`));
    assert.equal(start.status, 200);
    assert.match(start.body, new RegExp(`name="handed_code" value="${code.replace('-', '')}"`));
    const sent = await post(agent, start, '/binding', {
      kind: 'email',
      email: parent.email,
      handed_code: code.replace('-', ''),
      ...(await challengeFields(server.issuer)),
    });
    const codePage = await agent.request(sent.location!);
    const digits = /\b(\d{6})\b/.exec((await lastMessage(parent.email, 'binding_code')).text_body)![1]!;
    const opened = await post(agent, codePage, new URL(sent.location!).pathname + new URL(sent.location!).search, {
      code: digits,
    });
    assert.equal(opened.location, url('/binding/student'));
    const step1 = await agent.request(url('/binding/student'));
    assert.match(step1.body, new RegExp(`value="${code}"`), 'the code is filled in');
    const form = { relationship: 'father', level: 'junior', national_id: student.nationalId, binding_code: code };
    const found = await post(agent, step1, '/binding/student', form);
    assert.equal(found.status, 200, 'no birth date or student number needed');
    assert.equal((await post(agent, found, '/binding/student', { ...form, school: '353604' })).status, 303);
    await consent(agent);
    const applied = await sendParent(agent, parent);
    assert.equal(applied.status, 303);
    assert.equal(applied.location, url('/binding/status?notice=approved'), 'the page says it is approved, not "wait"');
    assert.ok((await agent.request(applied.location!)).body.includes(html(zh('binding.status.approved'))));
    const row = await db()('binding_applications').where({ student_identity_id: student.identityId }).first();
    assert.equal(row.status, 'approved', 'approved at once');
    assert.equal(row.decided_by, 'binding-code');
    assert.ok((await db()('binding_codes').where({ id: stored.id }).first()).used_at, 'the code is used up');

    // Used once: a second parent gets a clear message.
    const second = await enter({ email: `second-${tag()}@example.test` });
    const page = await second.request(url('/binding/student'));
    const reused = await post(second, page, '/binding/student', form);
    assert.equal(reused.status, 400);
    assert.match(reused.body, new RegExp(html(zh('binding.student.errors.codeInvalid')).slice(0, 8)));
  });

  it('the binding code page shows the same code at every reload and visit; a new one only when asked, and the old one stops', async () => {
    const student = await newStudent();
    const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
    const cardUrl = url(`/binding/review/codes/${student.identityId}`);
    const codeOn = (page: Step) => /id="binding-code">([A-Z0-9-]{9})</.exec(page.body)?.[1];
    const liveCodes = async () =>
      (
        await db()('binding_codes')
          .where({ student_identity_id: student.identityId })
          .whereNull('used_at')
          .where('expires_at', '>', db().fn.now())
      ).length;

    // No code yet: the card page says so and offers to make one.
    const none = await teacher.request(cardUrl);
    assert.equal(none.status, 200);
    assert.equal(codeOn(none), undefined);
    assert.ok(none.body.includes(html(zh('binding.codes.noneLive', { name: student.name }))));
    assert.match(none.body, /id="make-code"/);
    assert.equal(await liveCodes(), 0, 'looking makes no code');

    const list = await teacher.request(url('/binding/review/codes'));
    const made = await post(teacher, list, `/binding/review/codes/${student.identityId}`, {});
    const first = codeOn(await teacher.request(made.location!));
    assert.ok(first);
    // Reloaded, visited again from the list, the list pressed again (an old tab, a double click): the same code.
    for (let i = 0; i < 3; i++)
      assert.equal(codeOn(await teacher.request(cardUrl)), first, 'a reload shows the same code');
    const listAgain = await teacher.request(url('/binding/review/codes'));
    assert.ok(listAgain.body.includes(`href="/binding/review/codes/${student.identityId}"`), 'the list links to it');
    assert.doesNotMatch(listAgain.body, new RegExp(`action="/binding/review/codes/${student.identityId}"`));
    const pressedAgain = await post(teacher, list, `/binding/review/codes/${student.identityId}`, {});
    assert.equal(pressedAgain.location, `${cardUrl}?notice=kept`);
    const kept = await teacher.request(pressedAgain.location!);
    assert.equal(codeOn(kept), first);
    assert.ok(kept.body.includes(html(zh('binding.codes.notice.kept'))));
    assert.equal(await liveCodes(), 1, 'one code, still the first');
    // The page says how to replace it, and that the old one then stops.
    assert.ok(kept.body.includes(html(zh('binding.codes.renewHint', { code: first }))));

    // "產生新的綁定碼": a new code, and the page says the old one no longer works.
    const renewed = await post(teacher, kept, `/binding/review/codes/${student.identityId}`, { replace: 'yes' });
    assert.equal(renewed.status, 303);
    assert.equal(renewed.location, `${cardUrl}?notice=replaced`);
    const replacedPage = await teacher.request(renewed.location!);
    const second = codeOn(replacedPage);
    assert.ok(second && second !== first, 'a new code');
    assert.ok(replacedPage.body.includes(html(zh('binding.codes.notice.replaced'))));
    assert.equal(codeOn(await teacher.request(cardUrl)), second, 'and from now on that one at every reload');
    assert.equal(await liveCodes(), 1, 'only the new code works');
    const audit = await db()('audit_events')
      .where({ action: 'binding.code_issued', subject: student.identityId })
      .orderBy('id', 'desc')
      .first();
    const detail = typeof audit.detail === 'string' ? JSON.parse(audit.detail) : audit.detail;
    assert.equal(detail.replaces?.length, 1, 'the audit names the code replaced');

    // A parent with the old code is refused; the new one works.
    const agent = await enter({ email: `renewed-${tag()}@example.test` });
    const step1 = await agent.request(url('/binding/student'));
    const form = { relationship: 'mother', level: 'junior', national_id: student.nationalId };
    const old = await post(agent, step1, '/binding/student', { ...form, binding_code: first });
    assert.equal(old.status, 400);
    assert.ok(old.body.includes(html(zh('binding.student.errors.codeInvalid'))));
    const fresh = await post(agent, step1, '/binding/student', { ...form, binding_code: second });
    assert.equal(fresh.status, 200);
    assert.equal(
      (await post(agent, fresh, '/binding/student', { ...form, binding_code: second, school: '353604' })).status,
      303,
    );
    await consent(agent);
    assert.equal((await sendParent(agent, newParentData())).location, url('/binding/status?notice=approved'));

    // Used: the card no longer shows it, says when it was used, and offers a code for another parent.
    const used = await teacher.request(cardUrl);
    assert.equal(codeOn(used), undefined);
    assert.ok(used.body.includes(html(zh('binding.codes.noneLive', { name: student.name }))));
    assert.match(used.body, new RegExp(html(zh('binding.codes.lastUsed', { date: 'X' })).split('X')[0]!));
    assert.match(used.body, /id="make-code"/);

    // English, too.
    const en = await teacher.request(`${cardUrl}?lang=en`, { headers: { 'accept-language': 'en' } });
    assert.ok(en.body.includes(html(translator('en')('binding.codes.noneLive', { name: student.name }))));
  });

  it("approves at once a parent the school's roster names, where the school turned that on", async () => {
    const student = await newStudent({ school: '353601', classCode: '302' });
    const parent = { ...newParentData(), name: '吳大明' };
    const env = { ...process.env, ...server.env, LOG_LEVEL: 'silent' };
    const file = path.join(server.dataDir, `guardians-${tag()}.csv`);
    fs.writeFileSync(
      file,
      `student_no,name,mobile,relationship\n${student.studentNo},吳大明,${parent.mobile},father\nS0000000,某人,0912,uncle\n`,
    );
    const bad = await runCli(env, 'binding', 'guardians', '--school', '353601', '--file', file);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /row 3: no student with number S0000000/);
    assert.equal(await db()('roster_guardians').where({ student_identity_id: student.identityId }).first(), undefined);
    fs.writeFileSync(
      file,
      `student_no,name,mobile,relationship\n${student.studentNo},吳大明,${parent.mobile},father\n`,
    );
    const good = await runCli(env, 'binding', 'guardians', '--school', '353601', '--file', file);
    assert.equal(good.status, 0, good.stderr);

    // The roster's mobile number counts only when the parent proved it: the code went to it.
    const applyAt = async (p: typeof parent, viaMobile = true) => {
      const agent = await enter(viaMobile ? { mobile: p.mobile } : { email: p.email });
      const page = await agent.request(url('/binding/student'));
      const form = {
        relationship: 'father',
        level: 'elementary',
        national_id: student.nationalId,
        birthdate: '2012-04-05',
      };
      await post(agent, page, '/binding/student', form);
      assert.equal((await post(agent, page, '/binding/student', { ...form, school: '353601' })).status, 303);
      await consent(agent);
      assert.equal((await sendParent(agent, p)).status, 303);
      return db()('binding_applications')
        .where({ contact: viaMobile ? p.mobile : p.email })
        .orderBy('created_at', 'desc')
        .first();
    };
    // Off (the default): a review, even though the roster matches.
    const before = await applyAt(parent);
    assert.equal(before.status, 'pending');
    await db()('binding_applications').where({ id: before.id }).update({ status: 'withdrawn' });

    const on = await runCli(env, 'binding', 'auto-approve', '--school', '353601', '--on');
    assert.equal(on.status, 0, on.stderr);
    try {
      const other = await applyAt({ ...newParentData(), name: '吳大明' }); // another mobile: no match
      assert.equal(other.status, 'pending');
      // The right name, mobile and relationship, but the code went to an email: the mobile is only typed.
      const typed = await applyAt({ ...parent, email: `typed-${tag()}@example.test` }, false);
      assert.equal(typed.status, 'pending');
      await db()('binding_applications').where({ id: typed.id }).update({ status: 'withdrawn' });
      const matched = await applyAt({ ...parent, email: `again-${tag()}@example.test` });
      assert.equal(matched.status, 'approved');
      assert.equal(matched.decided_by, 'roster-match');
    } finally {
      await runCli(env, 'binding', 'auto-approve', '--school', '353601', '--off');
    }
  });

  it("with BINDING_DEFAULT_PASSWORD the new parent's first password is the ID's last six, changed at the first sign-in", async () => {
    // The setting reaches the binding service as `defaultPassword` (src/domain/services.ts); a second server would
    // re-register the shared database's own clients under its own address, so the service is built here instead.
    const binding = new Binding({
      db: db(),
      keyring: server.storage.keyring,
      passwords: server.services.passwords,
      passwordLinks: server.services.passwordLinks,
      issuer: server.issuer,
      defaultPassword: true,
    });
    assert.equal(parseSettings({ BINDING_DEFAULT_PASSWORD: 'true' }).bindingDefaultPassword, true);
    assert.equal(parseSettings({}).bindingDefaultPassword, false, 'off by default');
    const student = await newStudent();
    const parent = newParentData();
    const draft = await binding.studentFor({ nationalId: student.nationalId });
    assert.ok(draft);
    const sent = await binding.submit({
      contact: { kind: 'email', value: parent.email },
      students: [{ ...draft, relationship: 'mother' }],
      parent: { nationalId: parent.nationalId, name: parent.name, email: parent.email },
      signature: null,
    });
    assert.ok(sent.ok);
    assert.deepEqual(await binding.approve(sent.ids[0]!, 'test'), { ok: true });
    const account = await db()('persons').where({ email: parent.email }).first();
    assert.equal(account.must_change_password, true);
    const signIn = await server.services.people.authenticate(parent.email, parent.nationalId.slice(-6));
    assert.equal(signIn.ok, true);
    const mail = await lastMessage(parent.email, 'binding_approved');
    assert.match(mail.text_body, /身分證字號的後六碼/);
    assert.doesNotMatch(mail.text_body, /password\/reset\?token=/);
  });

  it('only the homeroom teacher of the class (or the school) reviews: others get nothing', async () => {
    const other = await newStudent({ classCode: '702' });
    const { row } = await apply(newParentData(), other);
    const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
    const review = await teacher.request(url('/binding/review'));
    assert.doesNotMatch(review.body, new RegExp(row.id));
    const refused = await post(teacher, review, `/binding/review/${row.id}/approve`, {});
    assert.equal(refused.status, 404);
    assert.equal((await db()('binding_applications').where({ id: row.id }).first()).status, 'pending');
    // Someone who reviews nobody has no review page.
    const parentAgent = await signedInAgent(server.issuer, 'parent', 'Red-Kite-2026');
    assert.equal((await parentAgent.request(url('/binding/review'))).status, 404);
  });

  it('a code allows 5 tries; SMS at most twice an hour per number, then the page suggests email', async () => {
    const mobile = randomMobile();
    await enter({ mobile });
    const agent = new Agent();
    const page = await agent.request(url('/binding'));
    const second = await post(agent, page, '/binding', {
      kind: 'mobile',
      mobile,
      ...(await challengeFields(server.issuer)),
    });
    assert.equal(second.status, 303);
    const codePage = await agent.request(second.location!);
    const path = new URL(second.location!).pathname + new URL(second.location!).search;
    const code = /\b(\d{6})\b/.exec((await lastMessage(mobile, 'binding_code')).text_body)![1]!;
    const wrong = String((Number(code) + 1) % 1e6).padStart(6, '0');
    for (let i = 0; i < 4; i++) assert.equal((await post(agent, codePage, path, { code: wrong })).status, 400);
    const last = await post(agent, codePage, path, { code: wrong });
    assert.equal(last.status, 429);
    assert.equal((await post(agent, codePage, path, { code })).status, 400, 'the code is used up');

    const third = await post(agent, page, '/binding', {
      kind: 'mobile',
      mobile,
      ...(await challengeFields(server.issuer)),
    });
    assert.equal(third.status, 429);
    assert.match(third.body, /建議改用電子郵件信箱/);
    assert.match(third.body, new RegExp(`value="${mobile}"`), 'the number typed is kept');
  });

  it('operators list, approve and reject from the CLI', async () => {
    const { row } = await apply();
    const env = { ...process.env, ...server.env, LOG_LEVEL: 'silent' };
    const listed = await runCli(env, 'binding', 'list', '--school', '353604', '--status', 'pending');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(row.id));
    assert.match(listed.stdout, /吳○寶/);
    assert.doesNotMatch(listed.stdout, /[A-Z][12]\d{8}/, 'no national ID in clear');
    const bad = await runCli(env, 'binding', 'approve', '--id', 'nope');
    assert.equal(bad.status, 2, 'bad usage');
    assert.match(bad.stderr, /--id must be an application id/);
    const rejected = await runCli(env, 'binding', 'reject', '--id', row.id, '--reason', '資料不完整');
    assert.equal(rejected.status, 0, rejected.stderr);
    assert.equal((await db()('binding_applications').where({ id: row.id }).first()).status, 'rejected');
    const again = await runCli(env, 'binding', 'approve', '--id', row.id);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /decided already/);
  });

  it('an email held by anyone, a registration waiting for activation included, is refused at step 4 (the parent proved another)', async () => {
    // Someone registers with an address and has not yet opened the activation link.
    const owner = `kid-${tag()}@example.test`;
    const pending = await insertPerson(db(), {
      email: owner,
      name: '王小明',
      passwordHash: await hashPassword('Kid-Pass-2026', 4),
      status: 'pending',
    });
    // A stranger, verified with their own address, types it as the parent's email.
    const student = await newStudent();
    const agent = await enter({ email: `uncle-${tag()}@example.test` });
    await addStudent(agent, student);
    await consent(agent);
    const refused = await sendParent(agent, { ...newParentData(), email: owner });
    assert.equal(refused.status, 409);
    assert.match(refused.body, /此 E-mail 已有帳號，不得再次申請/);
    assert.match(refused.body, /id="email-error"/, 'said under the email field');
    assert.equal(
      await db()('binding_applications').where({ student_identity_id: student.identityId }).first(),
      undefined,
    );

    // A mobile number that is another account's is refused too (it would be the new account's, or silently dropped).
    const holder = await insertPerson(db(), {
      username: `mob-${tag()}`,
      name: '林先生',
      passwordHash: await hashPassword('Holder-Pass-2026', 4),
      mobile: randomMobile(),
    });
    const mobileRefused = await sendParent(agent, { ...newParentData(), mobile: holder.mobile! });
    assert.equal(mobileRefused.status, 409);
    assert.match(mobileRefused.body, /此手機號碼已有帳號/);
    assert.match(mobileRefused.body, /id="mobile-error"/);

    // Applied with a free address that someone starts to register with before the approval: the approval takes it
    // (pending-registration.test.ts).
    assert.ok(pending.id);
  });

  it('a child has one father and one mother: a second is refused at step 4, flagged to the reviewer and refused at approval; the review lists every parent the child has', async () => {
    // A father bound by the school's roster (no application of ours).
    const student = await newStudent();
    const father = await insertPerson(db(), {
      username: `dad-${tag()}`,
      name: '王建國',
      passwordHash: await hashPassword('Father-Pass-2026', 4),
    });
    await db()('guardian_links').insert({
      id: crypto.randomUUID(),
      parent_person_id: father.id,
      student_identity_id: student.identityId,
      relationship: 'father',
      approved_by: 'roster',
      approved_at: db().fn.now(),
    });
    const agent = await enter({ email: `second-${tag()}@example.test` });
    await addStudent(agent, student);
    await consent(agent);
    const refused = await sendParent(agent, newParentData());
    assert.equal(refused.status, 409);
    assert.match(refused.body, /已綁定過親子關係/);
    assert.equal(
      await db()('binding_applications').where({ student_identity_id: student.identityId }).first(),
      undefined,
    );
    // A grandfather may apply (guardians may be several); the reviewer sees the father the roster bound.
    const grandpa = await apply({ ...newParentData(), name: '王阿公' }, student).catch(() => undefined);
    assert.equal(grandpa, undefined, 'apply() adds as father: refused');
    const other = await enter({ email: `grandpa-${tag()}@example.test` });
    await addStudent(other, student, { relationship: 'grandfather' });
    await consent(other);
    const sent = await sendParent(other, { ...newParentData(), name: '王阿公' });
    assert.equal(sent.status, 303);
    const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
    const review = await teacher.request(url('/binding/review'));
    const row = await db()('binding_applications').where({ student_identity_id: student.identityId }).first();
    const card = review.body.slice(review.body.lastIndexOf('<li class="review-item">', review.body.indexOf(row.id)));
    assert.ok(card.includes(html(zh('binding.review.links'))), 'the parents the child has, on the card');
    assert.match(card.slice(0, card.indexOf('</li>', card.indexOf('student-links'))), /王建國/);

    // Two fathers applied before either was bound: the first approved, the second flagged and refused.
    const child = await newStudent();
    const a = await apply(undefined, child);
    const b = await apply(undefined, child);
    assert.deepEqual(await server.services.binding.approve(a.row.id, 'test'), { ok: true });
    const flagged = await teacher.request(url('/binding/review'));
    const bCard = flagged.body.slice(
      flagged.body.lastIndexOf('<li class="review-item">', flagged.body.indexOf(b.row.id)),
    );
    assert.match(bCard.slice(0, bCard.indexOf(`/binding/review/${b.row.id}/approve`)), /class="alert taken"/);
    // Not approvable: 不通過 is the primary action, 通過 secondary with the reason tied to it.
    const bButtons = bCard.slice(0, bCard.indexOf('</form>', bCard.indexOf(`/binding/review/${b.row.id}/reject`)));
    assert.match(
      bButtons,
      new RegExp(`<button class="secondary" id="card-${b.row.id}"[^>]*aria-describedby="taken-${b.row.id}"`),
    );
    assert.ok(bButtons.includes(`<button class="primary" type="submit">${zh('binding.review.reject')}</button>`));
    const refusedApproval = await post(teacher, flagged, `/binding/review/${b.row.id}/approve`, {});
    assert.equal(refusedApproval.status, 409);
    // A plain message of its own (no field to correct): an alert naming the student, said on that card too.
    assert.ok(!refusedApproval.body.includes(html(zh('mistakes.summary'))), 'not the list of fields to correct');
    assert.ok(
      refusedApproval.body.includes(
        `role="alert" tabindex="-1" data-mistakes="">${html(zh('binding.review.cannotApprove', { student: b.student.name, text: zh('binding.review.relationshipTaken') }))}`,
      ),
      'an alert, focused',
    );
    assert.ok(
      refusedApproval.body.includes(`id="cannot-${b.row.id}">${html(zh('binding.review.relationshipTaken'))}`),
      'said on that card',
    );
    assert.match(refusedApproval.body, /data-form-page="\/binding\/review"/, 'reload and Back ask for the review page');
    assert.ok(
      refusedApproval.body.includes(`value="${html(zh('binding.review.relationshipTakenReason'))}"`),
      'a reason to decline offered',
    );
    // Declining with no reason: 400, under that card's reason field.
    const noReason = await post(teacher, flagged, `/binding/review/${b.row.id}/reject`, { reason: '' });
    assert.equal(noReason.status, 400);
    assert.match(noReason.body, new RegExp(`<input id="reason-${b.row.id}"[^>]*aria-invalid="true"`));
    assert.ok(noReason.body.includes(`id="reason-${b.row.id}-error">${html(zh('binding.review.reasonRequired'))}`));
    assert.match(noReason.body, /data-form-page="\/binding\/review"/, 'reload and Back ask for the review page');
    assert.deepEqual(await server.services.binding.approve(b.row.id, 'test'), {
      ok: false,
      reason: 'relationship_taken',
    });
    assert.equal((await db()('binding_applications').where({ id: b.row.id }).first()).status, 'pending');
    const fathers = await db()('guardian_links')
      .where({ student_identity_id: child.identityId, relationship: 'father' })
      .whereNull('ended_at');
    assert.equal(fathers.length, 1, 'one father');
  });

  it('a relation another parent holds: the words name the choices the list has (祖父 … 其他監護人), in both languages', () => {
    for (const t of [zh, translator('en')]) {
      const choices = GUARDIANS.map((r) => t(`binding.relationship.${r}`));
      for (const key of ['binding.parent.errors.relationshipTaken', 'binding.review.relationshipTakenReason']) {
        const words = t(key, { student: '林小華' });
        assert.notEqual(words, key);
        for (const choice of choices) assert.ok(words.includes(choice), `${key} names ${choice}`);
        assert.ok(!/「監護人」|"Guardian"/.test(words), `${key}: no choice the list does not have`);
      }
    }
  });

  describe('the school-affairs system pushes guardian links', () => {
    const api = (path: string, body: unknown, secret = SECRET) =>
      fetch(url(path), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${SIS_CLIENT}:${secret}`).toString('base64')}`,
        },
        body: JSON.stringify(body),
      });

    it('approves a verified link at once: the parent gets an account, `children` and the link is listed', async () => {
      const student = await newStudent();
      const parent = newParentData();
      const res = await api('/api/sis/guardians', {
        student: { school_code: '353604', student_number: student.studentNo },
        parent: { national_id: parent.nationalId, name: parent.name, email: parent.email, mobile: parent.mobile },
        relationship: 'mother',
        verified: true,
      });
      assert.equal(res.status, 201);
      const body = (await res.json()) as { id: string; status: string };
      assert.equal(body.status, 'approved');
      const account = await db()('persons').where({ email: parent.email }).first();
      const children = await server.services.identities.withChildren(account.id);
      assert.deepEqual(
        children.children.map((c) => [c.sub, c.relationship]),
        [[student.id, 'mother']],
      );
      const links = await api('/api/sis/guardians/lookup', { student: { national_id: student.nationalId } });
      assert.equal(links.status, 200);
      const listed = (await links.json()) as { guardians: { status: string; parent: { national_id: string } }[] };
      assert.equal(listed.guardians.length, 1);
      assert.equal(listed.guardians[0]!.status, 'approved');
      assert.doesNotMatch(listed.guardians[0]!.parent.national_id, new RegExp(parent.nationalId), 'masked');
      // Pushed again: already bound, nothing changes.
      const again = await api('/api/sis/guardians', {
        student: { national_id: student.nationalId },
        parent: { national_id: parent.nationalId, name: parent.name },
        relationship: 'mother',
        verified: true,
      });
      assert.equal(again.status, 409);
      assert.equal(((await again.json()) as { error: string }).error, 'already_bound');
    });

    it("a push the school's roster approves at once says so, verified or not", async () => {
      // A parent with an account and a proven mobile number, whom the roster of a school that turned auto-approval
      // on names: the submission itself approves the link (before, a verified push then answered 409 and an
      // unverified one "pending", though both were approved).
      const env = { ...process.env, ...server.env, LOG_LEVEL: 'silent' };
      const parent = newParentData();
      await insertPerson(db(), {
        username: `par-${tag()}`,
        name: parent.name,
        email: parent.email,
        mobile: parent.mobile,
        passwordHash: await hashPassword('Parent-Pass-1', 4),
        nationalId: sealNationalId(server.storage.keyring, parent.nationalId),
      });
      const students = [await newStudent({ school: '353601', classCode: '302' })];
      students.push(await newStudent({ school: '353601', classCode: '302' }));
      const file = path.join(server.dataDir, `guardians-${tag()}.csv`);
      fs.writeFileSync(
        file,
        `student_no,name,mobile,relationship\n${students.map((s) => `${s.studentNo},${parent.name},${parent.mobile},father`).join('\n')}\n`,
      );
      assert.equal((await runCli(env, 'binding', 'guardians', '--school', '353601', '--file', file)).status, 0);
      assert.equal((await runCli(env, 'binding', 'auto-approve', '--school', '353601', '--on')).status, 0);
      try {
        for (const [student, verified] of [
          [students[0]!, true],
          [students[1]!, false],
        ] as const) {
          const res = await api('/api/sis/guardians', {
            student: { national_id: student.nationalId },
            parent: { national_id: parent.nationalId, name: parent.name },
            relationship: 'father',
            verified,
          });
          assert.equal(res.status, 201, `verified: ${verified}`);
          const { id, status } = (await res.json()) as { id: string; status: string };
          assert.equal(status, 'approved', `verified: ${verified}`);
          const row = await db()('binding_applications').where({ id }).first();
          assert.equal(row.status, 'approved');
          assert.equal(row.decided_by, 'roster-match');
        }
      } finally {
        await runCli(env, 'binding', 'auto-approve', '--school', '353601', '--off');
      }
    });

    it('an unverified link becomes an application for the homeroom teacher; bad pushes are refused with field errors', async () => {
      const student = await newStudent();
      const parent = newParentData();
      const res = await api('/api/sis/guardians', {
        student: { national_id: student.nationalId },
        parent: { national_id: parent.nationalId, name: parent.name, email: parent.email },
        relationship: 'grandmother',
      });
      assert.equal(res.status, 201);
      const { id, status } = (await res.json()) as { id: string; status: string };
      assert.equal(status, 'pending');
      const row = await db()('binding_applications').where({ id }).first();
      assert.equal(row.source, 'sis');
      const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
      assert.match((await teacher.request(url('/binding/review'))).body, new RegExp(id));

      const bad: [unknown, number, string][] = [
        [
          {
            student: {},
            parent: { national_id: parent.nationalId, name: 'x', email: parent.email },
            relationship: 'father',
          },
          400,
          'invalid_request',
        ],
        [
          {
            student: { national_id: 'A123456788' },
            parent: { national_id: parent.nationalId, name: 'x' },
            relationship: 'father',
          },
          400,
          'invalid_request',
        ],
        [
          {
            student: { national_id: student.nationalId },
            parent: { national_id: parent.nationalId, name: 'x' },
            relationship: 'uncle',
          },
          400,
          'invalid_request',
        ],
        [
          {
            student: { national_id: randomNationalId() },
            parent: { national_id: parent.nationalId, name: 'x', email: parent.email },
            relationship: 'father',
          },
          404,
          'unknown_student',
        ],
        [
          {
            student: { national_id: student.nationalId },
            parent: { national_id: randomNationalId(), name: 'x' },
            relationship: 'father',
          },
          400,
          'email_needed',
        ],
      ];
      for (const [body, status, error] of bad) {
        const answer = await api('/api/sis/guardians', body);
        assert.equal(answer.status, status, JSON.stringify(body));
        assert.equal(((await answer.json()) as { error: string }).error, error);
      }
      assert.equal((await api('/api/sis/guardians', {}, 'wrong-secret')).status, 401);
    });
  });

  describe('a national ID another account took is never trusted at approval', () => {
    const sisPush = (body: unknown) =>
      fetch(url('/api/sis/guardians'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${SIS_CLIENT}:${SECRET}`).toString('base64')}`,
        },
        body: JSON.stringify(body),
      });

    /** The self-registration wizard through to an active account, typing `nationalId` (nobody checks it). */
    async function selfRegister(nationalId: string, name: string) {
      const agent = new Agent();
      const form = registrationForm('attacker', { national_id: nationalId, name });
      const start = await agent.request(url('/register'));
      const step1 = await post(agent, start, '/register', { ...(await challengeFields(server.issuer)), ...form });
      assert.equal(step1.status, 303, 'step 1 passes');
      const confirm = await agent.request(step1.location!);
      const done = await post(agent, confirm, '/register/confirm', {});
      assert.equal(done.status, 303);
      const mail = await db()('outbox_messages')
        .where({ recipient: form.email, kind: 'registration_activation' })
        .orderBy('created_at', 'desc')
        .first();
      const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text_body)![1]!;
      const activated = await activateByLink(agent, link);
      assert.equal(activated.location, url('/register/activated'));
      const person = await db()('persons').where({ email: form.email }).first();
      assert.equal(person.status, 'active');
      return { ...person, password: form.password } as { id: string; email: string; password: string };
    }

    const linksOf = (studentIdentityId: string) =>
      db()('guardian_links').where({ student_identity_id: studentIdentityId }).whereNull('ended_at');

    it('an account registered with the applicant’s national ID after the application is refused at approval (409), links nothing, and is audited', async () => {
      const { row, parent, student } = await apply();
      assert.equal(row.parent_person_id, null, 'no account held the ID when it was sent');
      const attacker = await selfRegister(parent.nationalId, parent.name);
      const auditFrom = (await db()('audit_events').max('id as id').first())?.id ?? 0;

      const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
      const review = await teacher.request(url('/binding/review'));
      assert.ok(review.body.includes(html(zh('binding.review.identityConflictLater'))), 'the card says so beforehand');
      const refused = await post(teacher, review, `/binding/review/${row.id}/approve`, {});
      assert.equal(refused.status, 409);
      assert.ok(refused.body.includes(html(zh('binding.review.identityConflict'))), 'the reviewer is told why');
      assert.ok(!refused.body.includes(html(zh('mistakes.summary'))), 'not the list of fields to correct');
      assert.match(refused.body, /data-form-page="\/binding\/review"/, 'reload and Back ask for the review page');
      const card = review.body.slice(review.body.lastIndexOf('<li class="review-item">', review.body.indexOf(row.id)));
      assert.match(
        card,
        new RegExp(`<button class="secondary" id="card-${row.id}"[^>]*aria-describedby="conflict-${row.id}"`),
      );
      assert.ok(
        refused.body.includes(html(zh('binding.review.identityConflictReason'))),
        'a reason to decline is filled in',
      );
      assert.doesNotMatch(refused.body, new RegExp(parent.nationalId), 'never the national ID in full');

      // Nothing written: no link, no parent identity, no account made, the application still pending.
      assert.equal((await linksOf(student.identityId)).length, 0);
      assert.equal((await db()('identities').where({ person_id: attacker.id, role: 'parent' })).length, 0);
      assert.equal((await db()('binding_applications').where({ id: row.id }).first()).status, 'pending');
      const holders = await db()('persons').where({
        national_id_index: nationalIdIndex(server.storage.keyring, parent.nationalId)!,
      });
      assert.deepEqual(
        holders.map((h) => h.id),
        [attacker.id],
        'no second account',
      );
      assert.equal(await db()('persons').where({ email: parent.email }).first(), undefined);
      const audit = await db()('audit_events')
        .where('id', '>', auditFrom)
        .where({ action: 'binding.identity_conflict' });
      assert.equal(audit.length, 1, 'the conflict is audited');
      assert.equal(audit[0].subject, row.id);
      assert.doesNotMatch(JSON.stringify(audit[0]), new RegExp(parent.nationalId), 'no national ID in it');
      assert.equal(
        (await db()('audit_events').where('id', '>', auditFrom).where({ action: 'binding.approved' })).length,
        0,
      );
      // The operators' CLI refuses it too (exit 1, one line).
      const cli = await runCli(
        { ...process.env, ...server.env, LOG_LEVEL: 'silent' },
        'binding',
        'approve',
        '--id',
        row.id,
      );
      assert.equal(cli.status, 1);
      assert.equal((await linksOf(student.identityId)).length, 0);

      // The attacker's apps get no child.
      assert.deepEqual((await server.services.identities.withChildren(attacker.id)).children, []);

      // The school-affairs system pushing the same parent, verified: not linked to that account either; it waits.
      const other = await newStudent();
      const pushed = await sisPush({
        student: { national_id: other.nationalId },
        parent: { national_id: parent.nationalId, name: parent.name, email: `school-${tag()}@example.test` },
        relationship: 'mother',
        verified: true,
      });
      assert.equal(pushed.status, 201);
      const { id, status } = (await pushed.json()) as { id: string; status: string };
      assert.equal(status, 'pending');
      assert.equal((await linksOf(other.identityId)).length, 0);
      assert.equal((await db()('binding_applications').where({ id }).first()).parent_person_id, null);
      const again = await teacher.request(url('/binding/review'));
      assert.ok(again.body.includes(html(zh('binding.review.identityConflictUnconfirmed'))), 'shown on its card');
      assert.equal((await post(teacher, again, `/binding/review/${id}/approve`, {})).status, 409);
      assert.equal((await linksOf(other.identityId)).length, 0);
      // Without an address of the school's, the push cannot use that account's: it needs one.
      const noEmail = await sisPush({
        student: { national_id: other.nationalId },
        parent: { national_id: parent.nationalId, name: parent.name },
        relationship: 'father',
        verified: true,
      });
      assert.equal(noEmail.status, 400);
      assert.equal(((await noEmail.json()) as { error: string }).error, 'email_needed');
    });

    it('a self-registered account proved with its password at step 4 still links', async () => {
      const parent = newParentData();
      const own = await selfRegister(parent.nationalId, parent.name);
      const student = await newStudent();
      const agent = await enter({ email: own.email });
      await addStudent(agent, student);
      await consent(agent);
      const page = await agent.request(url('/binding/parent'));
      const sent = await post(agent, page, '/binding/parent', {
        action: 'submit',
        national_id: parent.nationalId,
        password: own.password,
        sign_name: parent.name,
        sign_tick: 'yes',
      });
      assert.equal(sent.status, 303, sent.body.slice(0, 300));
      const row = await db()('binding_applications').where({ student_identity_id: student.identityId }).first();
      assert.equal(row.parent_person_id, own.id, 'the proven account is recorded');
      const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
      const review = await teacher.request(url('/binding/review'));
      assert.equal((await post(teacher, review, `/binding/review/${row.id}/approve`, {})).status, 303);
      const [link] = await linksOf(student.identityId);
      assert.equal(link.parent_person_id, own.id);
    });

    it('the school-affairs push links a parent a school source confirmed; a roster identity whose slip does not name the ID confirms nothing', async () => {
      const holder = async (source: 'roster' | 'sis') => {
        const parent = newParentData();
        const person = await insertPerson(db(), {
          username: `par-${tag()}`,
          name: parent.name,
          email: parent.email,
          passwordHash: await hashPassword('Parent-Pass-1', 4),
          nationalId: sealNationalId(server.storage.keyring, parent.nationalId),
        });
        await addIdentity(db(), { personId: person.id, schoolCode: '353604', role: 'parent', source, actor: 'test' });
        return { parent, person };
      };
      // A roster identity with no slip whose roster row names this account's national ID (a slip of a row without
      // one, say, redeemed by whoever registered with the ID): the push waits for review, nothing linked.
      const bare = await holder('roster');
      const first = await newStudent();
      const waits = await sisPush({
        student: { national_id: first.nationalId },
        parent: { national_id: bare.parent.nationalId, name: bare.parent.name, email: `school-${tag()}@example.test` },
        relationship: 'father',
        verified: true,
      });
      assert.equal(waits.status, 201);
      assert.equal(((await waits.json()) as { status: string }).status, 'pending');
      assert.equal((await linksOf(first.identityId)).length, 0);
      // The school-affairs system's own identity confirms the account: linked at once.
      const confirmed = await holder('sis');
      const second = await newStudent();
      const res = await sisPush({
        student: { national_id: second.nationalId },
        parent: { national_id: confirmed.parent.nationalId, name: confirmed.parent.name },
        relationship: 'father',
        verified: true,
      });
      assert.equal(res.status, 201);
      assert.equal(((await res.json()) as { status: string }).status, 'approved');
      const [link] = await linksOf(second.identityId);
      assert.equal(link.parent_person_id, confirmed.person.id);
    });
  });

  describe('an ended identity keeps no rights', () => {
    it('a homeroom teacher whose identity ended reviews nothing of the old class and prints no codes', async () => {
      const { personId, email } = await personWith(server, [{ schoolCode: '353604', role: 'teacher' }], 'homeroom');
      const teacherIdentity = await db()('identities').where({ person_id: personId, role: 'teacher' }).first();
      const classCode = `9${crypto.randomInt(10, 99)}`;
      const student = await newStudent({ classCode });
      const { class_id } = await db()('identities').where({ id: student.identityId }).first();
      await db()('classes').where({ id: class_id }).update({ homeroom_identity_id: teacherIdentity.id });
      const { row } = await apply(newParentData(), student);

      const teacher = await signedInAgent(server.issuer, email, PERSON_PASSWORD);
      const review = await teacher.request(url('/binding/review'));
      assert.equal(review.status, 200);
      assert.ok(review.body.includes(row.id), 'the homeroom teacher sees the application');
      assert.equal((await teacher.request(url('/binding/review/codes'))).status, 200);

      // The school published a roster without them: ended, its status left 'active' (domain/schools/publishing.ts).
      await db()('identities')
        .where({ id: teacherIdentity.id })
        .update({ ended_at: new Date(Date.now() - 1000) });
      assert.equal((await teacher.request(url('/binding/review'))).status, 404);
      const approved = await post(teacher, review, `/binding/review/${row.id}/approve`, {});
      assert.equal(approved.status, 404);
      assert.equal((await db()('binding_applications').where({ id: row.id }).first()).status, 'pending');
      assert.equal((await teacher.request(url(`/binding/review/codes/${student.identityId}`))).status, 404);
      assert.deepEqual(await server.services.binding.homeroomStudents(personId), []);

      // One ending later (the end of the semester) still counts until then.
      await db()('identities')
        .where({ id: teacherIdentity.id })
        .update({ ended_at: new Date(Date.now() + 86_400_000) });
      assert.equal((await teacher.request(url('/binding/review'))).status, 200);
    });

    it('an identity that ended no longer opens the developer portal', async () => {
      const { personId, email } = await personWith(server, [{ schoolCode: '353604', role: 'teacher' }], 'dev');
      const open = async () => {
        const agent = new Agent();
        const page = await agent.follow(url('/developers'));
        const back = await submitLogin(agent, page, email, PERSON_PASSWORD, {}, url('/developers/callback'));
        return agent.follow(back.location!);
      };
      assert.equal((await open()).status, 200);
      await db()('identities')
        .where({ person_id: personId, role: 'teacher' })
        .update({ ended_at: new Date(Date.now() - 1000) });
      assert.equal((await open()).status, 403);
    });
  });
});
