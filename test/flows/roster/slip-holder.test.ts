// A roster slip (認證帳號) whose roster row names a national ID is that person's: it is added only to an account that
// holds that national ID, or holds none (which keeps holding none). Else whoever registered with someone else's national ID
// (/register stores it unchecked) would redeem a real slip of their own — their child's parent slip — and be taken for
// the confirmed holder of that ID (an identity of source `roster`: people/confirmed-holder.ts), and the next roster
// naming the victim would give the victim's identity and child to them. Refused: 409, said in both languages, nothing
// written but the audit (no national ID in it). A slip's `roster` identity vouches for an account's national ID only
// when the slip's roster row names it (a row without one, or an account registered at /register/roster/new with another
// ID, is not taken for the holder).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nationalIdIndex } from '../../../src/domain/people/national-id-store.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, signInToAccount } from '../../helpers/account.ts';
import { Agent, hiddenField, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { REGISTRATION_PASSWORD, registrationForm } from '../../helpers/registration.ts';
import { apiSchool, newSchoolCode, pageSaid } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const FORM = 'application/x-www-form-urlencoded';
const zh = translator('zh-TW');
const en = translator('en');
/** As pug escapes text (the messages' curly quotes are left as they are). */
const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe(`a roster slip goes only to the holder of its row's national ID (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer();
    base = server.issuer;
  });
  after(async () => {
    await server?.close();
  });
  const db = () => server.storage.db;
  const index = (id: string) => nationalIdIndex(server.storage.keyring, id);

  /** Registers through the real /register (step 1, step 2, the mailed link) with the national ID and name given. */
  async function registerAs(label: string, kind: string, name: string, nationalId: string) {
    const agent = new Agent();
    const page = await agent.request(`${base}/register`);
    const form = registrationForm(label, { kind, name, national_id: nationalId });
    const step1 = await agent.request(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({
        _csrf: hiddenField(page.body, '_csrf'),
        ...(await challengeFields(base)),
        ...form,
      }).toString(),
    });
    assert.equal(step1.status, 303, pageSaid(step1.body));
    const confirm = await agent.request(step1.location!);
    const done = await agent.request(`${base}/register/confirm`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(confirm.body, '_csrf') }).toString(),
    });
    assert.equal(done.status, 303);
    const mail = await db()('outbox_messages')
      .where({ recipient: form.email.toLowerCase(), kind: 'registration_activation' })
      .first();
    const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text_body)![1]!;
    const act = await agent.request(link);
    await agent.request(`${base}/register/activate`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      // The password chosen at registration, for a link page that asks for it.
      body: new URLSearchParams({
        _csrf: hiddenField(act.body, '_csrf'),
        token: hiddenField(act.body, 'token'),
        password: form.password,
      }),
    });
    const person = await db()('persons').where({ email: form.email.toLowerCase() }).first('id', 'status');
    assert.equal(person.status, 'active', 'the registration is activated');
    return { id: person.id as string, email: form.email.toLowerCase(), password: REGISTRATION_PASSWORD };
  }

  /** An active account with no national ID (as an operator made it). */
  async function plainAccount(label: string) {
    const email = `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`;
    const id = await server.services.enrolment.createActive({
      person: {
        email,
        name: '林家長',
        passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
        emailVerified: true,
      },
      audit: { action: 'person.created' },
    });
    return { id, email, password: PERSON_PASSWORD };
  }

  /** A school of its own whose roster (one class, one student, the student's parents) is published. */
  async function publishedSchool(
    student: { name: string; nationalId: string },
    parents: { name: string; relationship: string; mobile: string; nationalId: string | null }[],
  ) {
    const code = newSchoolCode('6');
    const school = await apiSchool(server, code, `私立測試高職${code}`);
    let r = await school.call('roster/classes-teachers', 'PUT', {
      classes: [{ code: '101', name: '一年一班', grade: 10, homeroom_staff_no: 'T1' }],
      staff: [{ staff_no: 'T1', name: '李老師', national_id: randomNationalId(), kind: 'teacher', title: '導師' }],
    });
    assert.equal(r.status, 200, await r.text());
    r = await school.call('roster/students-parents', 'PUT', {
      students: [
        {
          student_no: 'S1',
          name: student.name,
          national_id: student.nationalId,
          class_code: '101',
          seat: 1,
          birthdate: '2010-05-12',
          gender: 'female',
        },
      ],
      parents: parents.map((p) => ({
        student_no: 'S1',
        name: p.name,
        relationship: p.relationship,
        mobile: p.mobile,
        national_id: p.nationalId,
      })),
    });
    assert.equal(r.status, 200, await r.text());
    const counts = await school.publish();
    return { code, school, counts };
  }

  /** The slip publishing printed for a roster row (its account and password), as the class's PDF has it. */
  async function slipOf(school: string, name: string) {
    const slips = await server.services.schoolOffice.publisher.slips(school, '101');
    const slip = slips.find((s) => s.name === name);
    assert.ok(slip?.password, `${name} has a slip with a password`);
    return slip as { account: string; password: string; role: string };
  }

  /** The slip checked at /register/roster by this browser: its ticket, for the pages after. */
  async function checkSlip(agent: Agent, code: string, slip: { account: string; password: string; role: string }) {
    const pick = await agent.request(`${base}/register/roster`);
    const picked = await agent.request(`${base}/register/roster`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({
        _csrf: hiddenField(pick.body, '_csrf'),
        school: code,
        kind: slip.role,
        account: slip.account,
        password: slip.password,
        ...(pick.body.includes('<altcha-widget') ? await challengeFields(base) : {}),
      }).toString(),
    });
    assert.equal(picked.status, 303, pageSaid(picked.body));
    assert.equal(picked.location, `${base}/register/roster/choose`);
  }

  /** 將身分加入我的帳號 with the slip, signed in as the account: the answer to 加入身分. */
  async function addToAccount(
    code: string,
    slip: { account: string; password: string; role: string },
    who: { email: string; password: string },
    lang?: 'en',
  ): Promise<Step> {
    const agent = new Agent();
    await checkSlip(agent, code, slip);
    const page = await signInToAccount(base, agent, who.email, who.password, '/account/roster-identity');
    assert.equal(page.status, 200, page.body.slice(0, 300));
    if (lang) await agent.request(`${base}/account/roster-identity?lang=${lang}`);
    return agent.request(`${base}/account/roster-identity`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') }).toString(),
    });
  }

  const identitiesAt = (personId: string, school: string) =>
    db()('identities').where({ person_id: personId, school_code: school }).pluck('role');
  const linksOf = (personId: string) => db()('guardian_links').where({ parent_person_id: personId }).select('id');
  const credential = (school: string, account: string) =>
    db()('roster_credentials').where({ school_code: school, account }).first();

  it('someone registered with another’s national ID redeems their own slip: refused, and the victim’s roster is not theirs', async () => {
    const ids = { victim: randomNationalId(), own: randomNationalId(), child: randomNationalId() };
    // Registered with the victim's national ID and name (their own email).
    const attacker = await registerAs('slip-attacker', 'parent', '王爸爸', ids.victim);
    // The attacker's own child is at a school whose roster names the attacker as her mother, with her real ID.
    const own = await publishedSchool({ name: '陳小美', nationalId: ids.child }, [
      { name: '陳媽媽', relationship: 'mother', mobile: '0933-111-222', nationalId: ids.own },
    ]);
    const slip = await slipOf(own.code, '陳媽媽');
    const refused = await addToAccount(own.code, slip, attacker);
    assert.equal(refused.status, 409, `refused, not ${refused.status} ${refused.location ?? ''}`);
    assert.ok(refused.body.includes(escaped(zh('roster.errors.otherPerson'))), 'the person is told why, in zh-TW');
    assert.match(refused.body, /<title>錯誤：/);
    assert.ok(refused.body.includes('href="/account"'), 'a way on: back to the account');
    // Nothing written: no identity, the slip unclaimed, the account's national ID as it was.
    assert.deepEqual(await identitiesAt(attacker.id, own.code), []);
    const stored = await credential(own.code, slip.account);
    assert.equal(stored.claimed_by_person_id, null);
    assert.equal(stored.identity_id, null);
    assert.equal(
      (await db()('persons').where({ id: attacker.id }).first('national_id_index')).national_id_index,
      index(ids.victim),
    );
    // Audited without a national ID.
    const audits = await db()('audit_events').where({ action: 'roster_credential.refused', subject: attacker.id });
    assert.equal(audits.length, 1);
    const said = JSON.stringify(audits);
    for (const id of Object.values(ids)) assert.ok(!said.includes(id) && !said.includes(index(id)!));

    // In English too, with the same slip (still unused).
    const enRefused = await addToAccount(own.code, slip, attacker, 'en');
    assert.equal(enRefused.status, 409);
    assert.ok(enRefused.body.includes(escaped(en('roster.errors.otherPerson'))), 'said in English');

    // The next roster naming the victim (the real father of another child): not given to that account.
    const victims = await publishedSchool({ name: '王小華', nationalId: randomNationalId() }, [
      { name: '王爸爸', relationship: 'father', mobile: '0911-222-333', nationalId: ids.victim },
    ]);
    assert.equal(victims.counts.addedToAccounts, undefined, JSON.stringify(victims.counts));
    assert.equal(victims.counts.unconfirmed, 1, JSON.stringify(victims.counts));
    assert.deepEqual(await identitiesAt(attacker.id, victims.code), [], 'the victim’s identity is not theirs');
    assert.deepEqual(await linksOf(attacker.id), [], 'nor the victim’s child');
  });

  it('a slip whose row names no national ID is added, but does not make the account the holder of the one it typed', async () => {
    const ids = { victim: randomNationalId(), child: randomNationalId() };
    const attacker = await registerAs('slip-attacker-noid', 'parent', '周爸爸', ids.victim);
    // The school's roster has the attacker as a parent without a national ID: nothing to compare, so it is added.
    const own = await publishedSchool({ name: '吳小妹', nationalId: ids.child }, [
      { name: '吳媽媽', relationship: 'mother', mobile: '0966-111-222', nationalId: null },
    ]);
    const added = await addToAccount(own.code, await slipOf(own.code, '吳媽媽'), attacker);
    assert.equal(added.status, 303, pageSaid(added.body));
    assert.deepEqual(await identitiesAt(attacker.id, own.code), ['parent']);
    // That identity says nothing of whose the account's national ID is: the victim's roster is not given to it.
    const victims = await publishedSchool({ name: '周小華', nationalId: randomNationalId() }, [
      { name: '周爸爸', relationship: 'father', mobile: '0911-222-999', nationalId: ids.victim },
    ]);
    assert.equal(victims.counts.addedToAccounts, undefined, JSON.stringify(victims.counts));
    assert.equal(victims.counts.unconfirmed, 1, JSON.stringify(victims.counts));
    assert.deepEqual(await identitiesAt(attacker.id, victims.code), []);
    assert.deepEqual(await linksOf(attacker.id), []);
  });

  it('the holder of the row’s national ID adds the slip, and is then the confirmed holder', async () => {
    const ids = { parent: randomNationalId(), child: randomNationalId() };
    const parent = await registerAs('slip-parent', 'parent', '張媽媽', ids.parent);
    const first = await publishedSchool({ name: '張小明', nationalId: ids.child }, [
      { name: '張媽媽', relationship: 'mother', mobile: '0922-333-444', nationalId: ids.parent },
    ]);
    // Registered through /register, so not confirmed: publishing printed her a slip.
    assert.equal(first.counts.unconfirmed, 1, JSON.stringify(first.counts));
    const added = await addToAccount(first.code, await slipOf(first.code, '張媽媽'), parent);
    assert.equal(added.status, 303, pageSaid(added.body));
    assert.equal(added.location, `${base}/account/identities`);
    assert.deepEqual(await identitiesAt(parent.id, first.code), ['parent']);
    // The school's slip confirmed her: the next school naming her gives her the identity straight away.
    const second = await publishedSchool({ name: '張小華', nationalId: randomNationalId() }, [
      { name: '張媽媽', relationship: 'mother', mobile: '0922-333-555', nationalId: ids.parent },
    ]);
    assert.equal(second.counts.addedToAccounts, 1, JSON.stringify(second.counts));
    assert.deepEqual(await identitiesAt(parent.id, second.code), ['parent']);
  });

  it('an account with no national ID adds the slip, and still holds none', async () => {
    const ids = { parent: randomNationalId(), child: randomNationalId() };
    const school = await publishedSchool({ name: '林小弟', nationalId: ids.child }, [
      { name: '林家長', relationship: 'father', mobile: '0955-666-777', nationalId: ids.parent },
    ]);
    const plain = await plainAccount('slip-plain');
    const added = await addToAccount(school.code, await slipOf(school.code, '林家長'), plain);
    assert.equal(added.status, 303, pageSaid(added.body));
    assert.equal(added.location, `${base}/account/identities`);
    assert.deepEqual(await identitiesAt(plain.id, school.code), ['parent']);
    assert.equal(
      (await db()('persons').where({ id: plain.id }).first('national_id_index')).national_id_index,
      null,
      'the slip proves the slip, not whose the national ID is',
    );
  });

  it('/register/roster/new with another’s national ID and one’s own slip: the victim’s roster is not theirs', async () => {
    const ids = { victim: randomNationalId(), own: randomNationalId() };
    const school = await publishedSchool({ name: '黃同學', nationalId: ids.own }, []);
    const slip = await slipOf(school.code, '黃同學');
    const agent = new Agent();
    await checkSlip(agent, school.code, slip);
    const form = await agent.request(`${base}/register/roster/new`);
    assert.equal(form.status, 200);
    const email = `slip-student-${Date.now()}@example.org`;
    const done = await agent.request(`${base}/register/roster/new`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({
        _csrf: hiddenField(form.body, '_csrf'),
        email,
        name: '黃同學',
        national_id: ids.victim,
        password: PERSON_PASSWORD,
        password_confirm: PERSON_PASSWORD,
        phone: '',
        gender: '',
      }).toString(),
    });
    assert.equal(done.status, 303, pageSaid(done.body));
    const mail = await db()('outbox_messages').where({ recipient: email, kind: 'registration_activation' }).first();
    const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text_body)![1]!;
    const act = await agent.request(link);
    await agent.request(`${base}/register/activate`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({
        _csrf: hiddenField(act.body, '_csrf'),
        token: hiddenField(act.body, 'token'),
        password: PERSON_PASSWORD,
      }),
    });
    const person = await db()('persons').where({ email }).first('id', 'status', 'national_id_index');
    assert.equal(person.status, 'active');
    assert.equal(person.national_id_index, index(ids.victim), 'the account holds the ID it typed');
    assert.deepEqual(await identitiesAt(person.id, school.code), ['student']);
    // Its roster identity names another national ID: the victim's row is not given to it.
    const victims = await publishedSchool({ name: '黃同學', nationalId: ids.victim }, []);
    assert.equal(victims.counts.addedToAccounts, undefined, JSON.stringify(victims.counts));
    assert.equal(victims.counts.unconfirmed, 1, JSON.stringify(victims.counts));
    assert.deepEqual(await identitiesAt(person.id, victims.code), []);
  });
});
