// 同步資料 over HTTP (issue 14, item 5): publishing a school's imported roster — credentials for everyone without an
// account, the identity straight to an account that has the national ID (and a mail), printed per class as a PDF;
// publishing again changes nothing; a student and a parent then registering with their slips (the parent linked to
// the child); someone leaving the roster: the identity ends with the semester, an unused slip is withdrawn; the sync
// log and the audit log; another school's administrator sees nothing.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { ROSTER_CHECK } from '../../../src/platform/limits.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { pdfText } from '../../helpers/pdf.ts';
import {
  CLASS_HEADERS,
  importRoster,
  PARENT_HEADERS,
  STAFF_HEADERS,
  STUDENT_HEADERS,
  setSemester,
  signInOffice,
  xlsx,
} from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const FORM = 'application/x-www-form-urlencoded';
const code = () => `7${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const SCHOOL = code();
const OTHER = code() === SCHOOL ? code() : code();

/**
 * A school source confirmed the account (the demo school's school-affairs system gave it an identity): publishing
 * gives a row's identity straight to such an account; to one only its holder vouches for, a slip (unconfirmed-holder).
 */
const confirmBySchool = (server: TestServer, personId: string) =>
  server.storage.db.transaction((trx) =>
    addIdentity(trx, { personId, schoolCode: '353604', role: 'parent', source: 'sis', actor: 'test' }),
  );

describe(`publishing the roster (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let agent: Agent;
  const ids = {
    wang: randomNationalId(),
    lin: randomNationalId(),
    hua: randomNationalId(),
    mei: randomNationalId(),
    bo: randomNationalId(),
    dad: randomNationalId(),
  };
  /** A teacher on the roster who already has an account with that national ID. */
  let linTeacher: { personId: string; email: string };

  const classes = () =>
    xlsx({
      班級: [CLASS_HEADERS, ['701', '忠班', 7, 'T001'], ['702', '孝班', 7, 'T002']],
      教師: [
        STAFF_HEADERS,
        ['T001', '王大明', ids.wang, '教師', '導師', ''],
        ['T002', '林小芳', ids.lin, '教師', '導師', ''],
      ],
    });
  const students = (without: string[] = []) =>
    xlsx({
      學生: [
        STUDENT_HEADERS,
        ['1130001', '王小華', ids.hua, '701', 1, '102/05/12', '女'],
        ['1130002', '林小美', ids.mei, '701', 2, '102/01/31', '女'],
        ['1130003', '陳小博', ids.bo, '702', 1, '102/09/01', '男'],
      ].filter((r) => !without.includes(String(r[0]))),
      家長: [
        PARENT_HEADERS,
        ['1130001', '王爸爸', '父親', '0912345678', ids.dad],
        ['1130002', '林媽媽', '母親', '0922333444', ''],
      ].filter((r) => !without.includes(String(r[0]))),
    });

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    const db = server.storage.db;
    await upsertSchool(db, { code: SCHOOL, name: `私立發布測試高職${SCHOOL}`, level: 'vocational', kind: 'private' });
    await upsertSchool(db, { code: OTHER, name: `私立另一高職${OTHER}`, level: 'vocational', kind: 'private' });
    const admin = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'publish');
    linTeacher = await personWith(server, [], 'lin-teacher');
    const sealed = sealNationalId(server.storage.keyring, ids.lin);
    await db('persons')
      .where({ id: linTeacher.personId })
      .update({ name: '林小芳', national_id_sealed: sealed.sealed, national_id_index: sealed.index });
    await confirmBySchool(server, linTeacher.personId);
    agent = new Agent();
    await signInOffice(base, agent, admin.email);
    await setSemester(server, SCHOOL, admin.personId);
    await importRoster(base, agent, SCHOOL, 'classes-teachers', await classes());
    await importRoster(base, agent, SCHOOL, 'students-parents', await students());
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      await server.services.throttle.reset(ROSTER_CHECK.address, ip);
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;
  /** The count rows of a table on the page: { credentials: 6, … }. */
  const counts = (body: string, id: 'plan' | 'result') => {
    const table = new RegExp(`<table id="${id}-counts">([\\s\\S]*?)</table>`).exec(body)?.[1] ?? '';
    return Object.fromEntries(
      [...table.matchAll(/<tr data-count="(\w+)"><th scope="row">[^<]*<\/th><td>(\d+)<\/td><\/tr>/g)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
  };
  const publish = async (): Promise<Step> => {
    const page = await agent.request(`${base}/school/${SCHOOL}/publish`);
    assert.equal(page.status, 200);
    const answer = await agent.request(`${base}/school/${SCHOOL}/publish`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') }).toString(),
    });
    // Post/Redirect/Get: the result is shown on the page the answer sends the browser to.
    assert.equal(answer.status, 303);
    assert.match(answer.location!, new RegExp(`/school/${SCHOOL}/publish\\?result=[\\w-]+$`));
    return agent.request(answer.location!);
  };
  const credentials = () => db()('roster_credentials').where({ school_code: SCHOOL }).orderBy('account');
  const pdf = async (group: string) => {
    const res = await fetch(`${base}/school/${SCHOOL}/publish/${group}/credentials.pdf`, {
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      bytes: new Uint8Array(await res.arrayBuffer()),
    };
  };

  /** Registers a new account with a slip at /register/roster; the person's id. */
  async function registerWith(kind: string, account: string, password: string, name: string): Promise<string> {
    const person = new Agent();
    const page = await person.request(`${base}/register/roster`);
    const form: Record<string, string> = {
      _csrf: hiddenField(page.body, '_csrf'),
      school: SCHOOL,
      kind,
      account,
      password,
    };
    if (page.body.includes('<altcha-widget')) Object.assign(form, await challengeFields(base));
    const ok = await person.request(`${base}/register/roster`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams(form).toString(),
    });
    assert.equal(ok.status, 303, `the slip ${account} is accepted`);
    const wizard = await person.request(`${base}/register/roster/new`);
    assert.equal(wizard.status, 200);
    const email = `slip-${crypto.randomBytes(4).toString('hex')}@example.org`;
    const done = await person.request(`${base}/register/roster/new`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({
        _csrf: hiddenField(wizard.body, '_csrf'),
        email,
        name,
        national_id: randomNationalId(),
        password: PERSON_PASSWORD,
        password_confirm: PERSON_PASSWORD,
        phone: '',
        gender: '',
      }).toString(),
    });
    assert.equal(done.status, 303, `registered with ${account}`);
    return (await db()('persons').where({ email }).first()).id;
  }

  it('shows what publishing would do, then publishes: slips for everyone, the identity straight to an account', async () => {
    const page = await agent.request(`${base}/school/${SCHOOL}/publish`);
    assert.equal(page.status, 200);
    assert.deepEqual(counts(page.body, 'plan'), { credentials: 6, addedToAccounts: 1 });
    assert.equal((await credentials()).length, 0, 'the preview writes nothing');

    const done = await publish();
    assert.equal(done.status, 200);
    assert.deepEqual(counts(done.body, 'result'), { credentials: 6, addedToAccounts: 1 });
    // Reloading the result publishes nothing again: the same result, one publish in the audit log.
    const reloaded = await agent.request(done.url);
    assert.deepEqual(counts(reloaded.body, 'result'), { credentials: 6, addedToAccounts: 1 });
    const publishes = await db()('audit_events').where({ subject: SCHOOL, action: 'school.published' });
    assert.equal(publishes.length, 1, 'published once');
    // Another administrator given the address sees the plain page, not this one's result.
    const plain = await agent.request(`${base}/school/${SCHOOL}/publish?result=not-a-real-token-0123456789`);
    assert.ok(!plain.body.includes('id="publish-result"'));
    assert.ok(done.body.includes(`id="plan-nothing"`), 'then nothing is left to do');
    const rows = await credentials();
    assert.deepEqual(
      rows.map((r) => [r.account, r.role, r.name, r.class_code, r.seat, r.relationship, !!r.claimed_by_person_id]),
      [
        ['p1130001-1', 'parent', '王爸爸', '701', null, 'father', false],
        ['p1130002-1', 'parent', '林媽媽', '701', null, 'mother', false],
        ['s1130001', 'student', '王小華', '701', 1, null, false],
        ['s1130002', 'student', '林小美', '701', 2, null, false],
        ['s1130003', 'student', '陳小博', '702', 1, null, false],
        ['tt001', 'teacher', '王大明', null, null, null, false],
        ['tt002', 'teacher', '林小芳', null, null, null, true],
      ],
    );
    assert.ok(
      rows.every((r) => r.password_hash === null),
      'published passwords are sealed, not hashed',
    );
    const lin = await db()('identities').where({ person_id: linTeacher.personId, school_code: SCHOOL }).first();
    assert.equal(lin.role, 'teacher');
    assert.equal(lin.source, 'roster');
    const mail = await db()('outbox_messages').where({ recipient: linTeacher.email, kind: 'school_identity_added' });
    assert.equal(mail.length, 1);
    assert.ok(mail[0].text_body.includes(`私立發布測試高職${SCHOOL}`));
    const log = await server.services.schoolOffice.syncLog.search(SCHOOL, { action: 'school.publish' });
    assert.deepEqual(
      log.entries.map((e) => [e.action, e.code, e.message]),
      [['school.publish', 200, 'published']],
    );
    const audit = await db()('audit_events').where({ subject: SCHOOL, action: 'school.published' }).first();
    assert.equal(audit.detail.credentials, 6);
  });

  it('publishing again changes nothing', async () => {
    const before = await credentials();
    const identities = await db()('identities').where({ school_code: SCHOOL }).count({ n: '*' });
    const again = await publish();
    assert.equal(again.status, 200);
    assert.ok(again.body.includes('id="result-nothing"'));
    const after = await credentials();
    assert.deepEqual(
      after.map((r) => [r.id, r.password_sealed, r.updated_at]),
      before.map((r) => [r.id, r.password_sealed, r.updated_at]),
    );
    assert.deepEqual(await db()('identities').where({ school_code: SCHOOL }).count({ n: '*' }), identities);
    const log = await server.services.schoolOffice.syncLog.search(SCHOOL, { action: 'school.publish' });
    assert.equal(log.entries[0]?.message, 'unchanged');
  });

  it('prints a class’s slips as a PDF with their passwords, audited; another school’s administrator gets 404', async () => {
    const page = await agent.request(`${base}/school/${SCHOOL}/publish`);
    assert.ok(page.body.includes(`/school/${SCHOOL}/publish/701/credentials.pdf`));
    assert.ok(page.body.includes(`/school/${SCHOOL}/publish/staff/credentials.pdf`));
    const file = await pdf('701');
    assert.equal(file.status, 200);
    assert.equal(file.type, 'application/pdf');
    const text = (await pdfText(file.bytes)).replace(/\s+/g, '');
    const student = (await credentials()).find((r) => r.account === 's1130001');
    const password = server.storage.keyring.open('roster-password', student.password_sealed);
    assert.ok(text.includes('s1130001') && text.includes(password), 'the account and its password are printed');
    assert.ok(text.includes('王小華') && text.includes('王爸爸'), 'students, then their parents');
    assert.ok(!text.includes('陳小博'), 'only this class');
    const staff = (await pdfText((await pdf('staff')).bytes)).replace(/\s+/g, '');
    assert.ok(staff.includes('tt002') && staff.includes(zh('school.publish.pdf.used').replace(/\s+/g, '')));
    assert.equal((await pdf('799')).status, 404);
    assert.equal((await pdf('<x>')).status, 404);
    const printed = await db()('audit_events').where({ subject: SCHOOL, action: 'school.credentials_printed' });
    assert.deepEqual(printed.map((a) => a.detail.group).sort(), ['701', 'staff']);

    const outsider = await personWith(server, [{ schoolCode: OTHER, role: 'school_admin' }], 'outsider');
    const other = new Agent();
    await signInOffice(base, other, outsider.email);
    assert.equal((await other.request(`${base}/school/${SCHOOL}/publish`)).status, 404);
    const theirs = await fetch(`${base}/school/${SCHOOL}/publish/701/credentials.pdf`, {
      headers: { cookie: [...other.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(theirs.status, 404);
  });

  it('a student and then a parent register with their slips: the identity from the roster, the parent linked', async () => {
    const rows = await credentials();
    const open = (account: string) =>
      server.storage.keyring.open('roster-password', rows.find((r) => r.account === account).password_sealed);
    const student = await registerWith('student', 's1130001', open('s1130001'), '王小華');
    const identity = await db()('identities').where({ person_id: student, school_code: SCHOOL }).first();
    assert.equal(identity.role, 'student');
    const attributes = typeof identity.attributes === 'string' ? JSON.parse(identity.attributes) : identity.attributes;
    assert.deepEqual([attributes.class, attributes.seat, attributes.student_no], ['701', 1, '1130001']);
    const klass = await db()('classes').where({ id: identity.class_id }).first();
    assert.equal(klass.name, '忠班', 'the class has the name the school gave it');

    const parent = await registerWith('parent', 'p1130001-1', open('p1130001-1'), '王爸爸');
    const link = await db()('guardian_links').where({ parent_person_id: parent }).first();
    assert.equal(link.student_identity_id, identity.id);
    assert.equal(link.relationship, 'father');
    assert.ok(link.approved_at);
    // A used slip prints without its password, and cannot be used again.
    const text = (await pdfText((await pdf('701')).bytes)).replace(/\s+/g, '');
    assert.ok(!text.includes(open('s1130001')));
    const again = await agent.request(`${base}/register/roster`);
    assert.equal(again.status, 200);
  });

  it('someone who left: the identity ends at the semester’s end, an unused slip is withdrawn, and comes back', async () => {
    await importRoster(base, agent, SCHOOL, 'students-parents', await students(['1130001', '1130003']));
    const done = await publish();
    // The student and the parent who registered with their slips end; the other student's unused slip is withdrawn.
    assert.deepEqual(counts(done.body, 'result'), { ended: 2, withdrawn: 1 });
    const student = (await credentials()).find((r) => r.account === 's1130001');
    const identity = await db()('identities').where({ id: student.identity_id }).first();
    assert.equal(
      new Date(identity.ended_at).toISOString(),
      '2027-01-20T15:59:59.000Z',
      'the end of 116/01/20 in Taipei',
    );
    assert.ok(!(await credentials()).some((r) => r.account === 's1130003'), 'the unused slip is gone');

    await importRoster(base, agent, SCHOOL, 'students-parents', await students());
    const back = await publish();
    assert.deepEqual(counts(back.body, 'result'), { credentials: 1, restored: 2 });
    assert.equal((await db()('identities').where({ id: student.identity_id }).first()).ended_at, null);
  });
});
