// Publishing a school's roster never gives a row's identity (nor a parent's child) to an account only its own holder
// vouches for: /register stores a typed national ID unchecked, so anyone can register with a father's (or a homeroom
// teacher's) national ID and name. Such a row gets a slip instead, as if no account held the ID — the clerk is told at
// the import's check (the preview, the roster API's answer) and on the publish page, and the refusal is audited without
// the national ID — and the real person who gets the slip from the school registers with it: the national ID leaves
// the other account. An account a school source confirmed (an identity a binding approval, the SIS, the roster or the
// bureau gave it) is still given the identity straight away, as before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nationalIdIndex, sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD } from '../../helpers/account.ts';
import { Agent, hiddenField, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registrationForm } from '../../helpers/registration.ts';
import {
  apiSchool,
  CLASS_HEADERS,
  newSchoolCode,
  PARENT_HEADERS,
  pageSaid,
  STAFF_HEADERS,
  STUDENT_HEADERS,
  signInOffice,
  xlsx,
} from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const FORM = 'application/x-www-form-urlencoded';
const zh = translator('zh-TW');

describe(`roster publishing and a self-declared national ID (${storageMode})`, () => {
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

  /** Registers through the real /register (step 1, step 2, the mailed link) with someone's national ID and name. */
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
      body: new URLSearchParams({
        _csrf: hiddenField(act.body, '_csrf'),
        token: hiddenField(act.body, 'token'),
        password: form.password,
      }),
    });
    const person = await db()('persons').where({ email: form.email.toLowerCase() }).first('id', 'status');
    assert.equal(person.status, 'active', 'the registration is activated');
    return person as { id: string };
  }

  const identitiesAt = (personId: string, school: string) =>
    db()('identities').where({ person_id: personId, school_code: school }).pluck('role');
  const linksOf = (personId: string) => db()('guardian_links').where({ parent_person_id: personId }).select('id');
  const heldBy = async (nationalId: string) =>
    (
      await db()('persons')
        .where({ national_id_index: nationalIdIndex(server.storage.keyring, nationalId) })
        .whereNot({ status: 'pending' })
        .first('id')
    )?.id as string | undefined;

  /** The slip publishing printed for a roster row (its account and password), as the class's PDF has it. */
  async function slipOf(school: string, group: string, name: string) {
    const slips = await server.services.schoolOffice.publisher.slips(school, group);
    const slip = slips.find((s) => s.name === name);
    assert.ok(slip?.password, `${name} has a slip with a password`);
    return slip as { account: string; password: string; role: string };
  }

  it('the roster API: the self-registered accounts get nothing, the real father registers with his slip', async () => {
    const CODE = newSchoolCode('6');
    const school = await apiSchool(server, CODE, `私立測試高職${CODE}`);
    const ids = { father: randomNationalId(), child: randomNationalId(), teacher: randomNationalId() };
    // Someone registers with the father's national ID and name (their own email), another with the homeroom
    // teacher's; the child has an account of their own.
    const attacker = await registerAs('attacker', 'parent', '王爸爸', ids.father);
    const teacherImpostor = await registerAs('impostor', 'teacher', '李老師', ids.teacher);
    const child = await registerAs('child', 'student', '王小華', ids.child);

    let r = await school.call('roster/classes-teachers', 'PUT', {
      classes: [{ code: '101', name: '一年一班', grade: 10, homeroom_staff_no: 'T1' }],
      staff: [
        { staff_no: 'T1', name: '李老師', national_id: ids.teacher, kind: 'teacher', title: '導師', email: null },
      ],
    });
    const ct = await r.json();
    assert.equal(r.status, 200, JSON.stringify(ct));
    r = await school.call('roster/students-parents', 'PUT', {
      students: [
        {
          student_no: 'S1',
          name: '王小華',
          national_id: ids.child,
          class_code: '101',
          seat: 1,
          birthdate: '2010-05-12',
          gender: 'female',
        },
      ],
      parents: [
        { student_no: 'S1', name: '王爸爸', relationship: 'father', mobile: '0911-222-333', national_id: ids.father },
      ],
    });
    const sp = await r.json();
    assert.equal(r.status, 200, JSON.stringify(sp));

    const counts = await school.publish();
    for (const p of [attacker, teacherImpostor, child]) assert.deepEqual(await identitiesAt(p.id, CODE), []);
    assert.deepEqual(await linksOf(attacker.id), [], 'the attacker is not linked to the child');
    assert.equal(counts.addedToAccounts, undefined, JSON.stringify(counts));
    assert.equal(counts.guardianLinks, undefined, JSON.stringify(counts));
    // The school's system was told at the upload: the rows publishing would not give to those accounts.
    assert.equal(ct.unconfirmed, 1, "the answer counts the teacher's row");
    assert.equal(sp.unconfirmed, 2, "the answer counts the child's and the father's rows");
    assert.equal(counts.unconfirmed, 3, JSON.stringify(counts));
    assert.equal(counts.credentials, 3, 'each row gets a slip');
    // Audited per row: the role and the roster's number, never a national ID.
    const audits = await db()('audit_events').where({ action: 'school.roster_unconfirmed_holder', subject: CODE });
    assert.equal(audits.length, 3);
    const said = JSON.stringify(audits);
    for (const id of Object.values(ids)) assert.ok(!said.includes(id), 'no national ID in the audit');

    // The father gets his slip from the homeroom teacher and registers with it, with his own national ID: the ID
    // leaves the account that had only its holder's word for it.
    const slip = await slipOf(CODE, '101', '王爸爸');
    const agent = new Agent();
    const pick = await agent.request(`${base}/register/roster`);
    const picked = await agent.request(`${base}/register/roster`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({
        _csrf: hiddenField(pick.body, '_csrf'),
        school: CODE,
        kind: 'parent',
        account: slip.account,
        password: slip.password,
        ...(pick.body.includes('<altcha-widget') ? await challengeFields(base) : {}),
      }).toString(),
    });
    assert.equal(picked.status, 303, pageSaid(picked.body));
    const form = await agent.request(`${base}/register/roster/new`);
    assert.equal(form.status, 200);
    const email = `real-father-${Date.now()}@example.org`;
    const fields = {
      email,
      name: '王爸爸',
      national_id: ids.father,
      password: PERSON_PASSWORD,
      password_confirm: PERSON_PASSWORD,
      phone: '',
      gender: '',
    };
    const done: Step = await agent.request(`${base}/register/roster/new`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(form.body, '_csrf'), ...fields }).toString(),
    });
    assert.equal(done.status, 303, pageSaid(done.body));
    assert.equal(done.location, `${base}/register/done`);
    const real = await db()('persons').where({ email }).first('id', 'national_id_index');
    assert.equal(real.national_id_index, nationalIdIndex(server.storage.keyring, ids.father));
    assert.equal(
      (await db()('persons').where({ id: attacker.id }).first('national_id_index')).national_id_index,
      null,
      'the ID left the self-registered account',
    );
    assert.deepEqual(await identitiesAt(real.id, CODE), ['parent']);
    const released = await db()('audit_events').where({ action: 'person.national_id_released', subject: attacker.id });
    assert.equal(released.length, 1);
    assert.ok(!JSON.stringify(released).includes(ids.father));
    // The teacher's ID is still the impostor's (no slip used for it yet): publishing again gives it nothing either.
    assert.equal(await heldBy(ids.teacher), teacherImpostor.id);
    await school.publish();
    assert.deepEqual(await identitiesAt(teacherImpostor.id, CODE), []);
  });

  it('an account a school source confirmed is still given the identity and the child', async () => {
    const CODE = newSchoolCode('6');
    const school = await apiSchool(server, CODE, `私立測試高職${CODE}`);
    const other = newSchoolCode('6');
    await apiSchool(server, other, `私立測試高職${other}`);
    const ids = { father: randomNationalId(), child: randomNationalId() };
    // The father's account as a binding approval at another school made it (an identity of source `binding`).
    const father = await server.services.enrolment.createActive({
      person: {
        email: `bound-father-${Date.now()}@example.org`,
        name: '陳爸爸',
        passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
        emailVerified: true,
        nationalId: sealNationalId(server.storage.keyring, ids.father),
      },
      audit: { action: 'person.created' },
      identities: [{ schoolCode: other, role: 'parent', source: 'binding' }],
    });
    assert.equal(await heldBy(ids.father), father, 'the account holds the national ID');
    let r = await school.call('roster/classes-teachers', 'PUT', {
      classes: [{ code: '101', name: '一年一班', grade: 10, homeroom_staff_no: 'T1' }],
      staff: [{ staff_no: 'T1', name: '李老師', national_id: randomNationalId(), kind: 'teacher', title: '導師' }],
    });
    assert.equal(r.status, 200);
    r = await school.call('roster/students-parents', 'PUT', {
      students: [
        {
          student_no: 'S1',
          name: '陳小華',
          national_id: ids.child,
          class_code: '101',
          seat: 1,
          birthdate: '2010-05-12',
          gender: 'female',
        },
      ],
      parents: [
        { student_no: 'S1', name: '陳爸爸', relationship: 'father', mobile: '0911-222-444', national_id: ids.father },
      ],
    });
    const sp = await r.json();
    assert.equal(r.status, 200, JSON.stringify(sp));
    assert.equal(sp.unconfirmed, 0);
    const counts = await school.publish();
    assert.equal(counts.addedToAccounts, 1, JSON.stringify(counts));
    assert.equal(counts.unconfirmed, undefined, JSON.stringify(counts));
    assert.deepEqual(await identitiesAt(father, CODE), ['parent']);
  });

  it('the back office: the import preview and the publish page name the rows; publishing gives slips', async () => {
    const CODE = newSchoolCode('6');
    await apiSchool(server, CODE, `私立測試高職${CODE}`);
    const admin = await server.services.enrolment.createActive({
      person: {
        email: `office-${Date.now()}@example.org`,
        name: '教務處',
        passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
        emailVerified: true,
      },
      audit: { action: 'person.created' },
      identities: [{ schoolCode: CODE, role: 'school_admin', source: 'bureau' }],
    });
    const office = new Agent();
    const login = (await db()('persons').where({ id: admin }).first('email')).email as string;
    await signInOffice(base, office, login);
    const ids = { father: randomNationalId(), child: randomNationalId(), teacher: randomNationalId() };
    const attacker = await registerAs('attacker-office', 'parent', '張媽媽', ids.father);

    async function upload(kind: string, file: Buffer): Promise<Step> {
      const page = await office.request(`${base}/school/${CODE}/import`);
      const form = new FormData();
      form.set('_csrf', hiddenField(page.body, '_csrf'));
      form.set('kind', kind);
      form.set('file', new Blob([new Uint8Array(file)]), `${kind}.xlsx`);
      const preview = await office.follow(`${base}/school/${CODE}/import`, undefined, { method: 'POST', body: form });
      assert.equal(preview.status, 200, pageSaid(preview.body));
      return preview;
    }
    async function commit(preview: Step) {
      const done = await office.request(`${base}/school/${CODE}/import/commit`, {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: new URLSearchParams({
          _csrf: hiddenField(preview.body, '_csrf'),
          token: hiddenField(preview.body, 'token'),
        }),
      });
      assert.equal(done.status, 303);
    }
    await commit(
      await upload(
        'classes-teachers',
        await xlsx({
          班級: [CLASS_HEADERS, ['101', '一年一班', 7, 'T1']],
          教師: [STAFF_HEADERS, ['T1', '林老師', ids.teacher, '教師', '導師', '']],
        }),
      ),
    );
    const preview = await upload(
      'students-parents',
      await xlsx({
        學生: [STUDENT_HEADERS, ['S1', '張小明', ids.child, '101', 1, '2013-09-02', '男']],
        家長: [PARENT_HEADERS, ['S1', '張媽媽', '母親', '0922333444', ids.father]],
      }),
    );
    assert.match(preview.body, /id="import-unconfirmed"/, 'the clerk is told at the check');
    assert.ok(preview.body.includes(zh('school.import.unconfirmedIntro', { count: 1 })));
    assert.ok(preview.body.includes(zh('school.publish.heldRow.parent', { number: 'S1', name: '張媽媽' })));
    await commit(preview);

    const page = await office.request(`${base}/school/${CODE}/publish`);
    assert.equal(page.status, 200);
    assert.match(page.body, /id="publish-unconfirmed"/);
    const published = await office.request(`${base}/school/${CODE}/publish`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') }),
    });
    assert.equal(published.status, 303, pageSaid(published.body));
    assert.deepEqual(await identitiesAt(attacker.id, CODE), []);
    assert.deepEqual(await linksOf(attacker.id), []);
    await slipOf(CODE, '101', '張媽媽');
  });
});
