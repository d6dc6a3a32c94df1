// Publishing the roster (04 同步資料) against what else is going on (an integrity audit's findings): a registration
// still waiting for its email that typed a student's national ID holds nothing, so the student gets a slip; a locked
// account still gets its identity, without a mail; a slip whose claimant is gone gets a password again (or the identity,
// when an account now holds the national ID); credentials the school's system uploaded (PUT …/roster-credentials) are
// left as they are, and an upload never replaces a published slip (409 credential_published), even sent while
// publishing.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { ROSTER_CHECK } from '../../../src/platform/limits.ts';
import { personWith } from '../../helpers/account.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { apiSchool, newSchoolCode } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const tag = () => crypto.randomBytes(4).toString('hex');
const newCode = () => newSchoolCode('6');
const SCHOOL = newCode();

/**
 * A school source confirmed the account (the demo school's school-affairs system gave it an identity): publishing
 * gives a row's identity straight to such an account; to one only its holder vouches for, a slip (unconfirmed-holder).
 */
const confirmBySchool = (server: TestServer, personId: string) =>
  server.storage.db.transaction((trx) =>
    addIdentity(trx, { personId, schoolCode: '353604', role: 'parent', source: 'sis', actor: 'test' }),
  );

describe(`publishing the roster against registrations, accounts and uploads (${storageMode})`, () => {
  let server: TestServer;
  const ids = {
    lockedTeacher: randomNationalId(),
    teacher: randomNationalId(),
    /** Typed by a registration still waiting for its email; no account has it. */
    victim: randomNationalId(),
    /** An active account's, and also typed by a waiting registration made later. */
    both: randomNationalId(),
    /** An account's that is removed after publishing. */
    gone: randomNationalId(),
  };
  const people: Record<string, { id: string; email: string }> = {};
  /** The roster's students; tests add more. */
  const students = [
    {
      student_no: '1130001',
      name: '王小華',
      national_id: ids.victim,
      class_code: '701',
      seat: 1,
      birthdate: '2013-05-12',
    },
    {
      student_no: '1130002',
      name: '林小美',
      national_id: ids.both,
      class_code: '701',
      seat: 2,
      birthdate: '2013-01-31',
    },
    {
      student_no: '1130003',
      name: '陳小博',
      national_id: ids.gone,
      class_code: '701',
      seat: 3,
      birthdate: '2013-09-01',
    },
  ];
  const parents = [{ student_no: '1130001', name: '王爸爸', relationship: 'father', mobile: '0912-345-678' }];

  const db = () => server.storage.db;
  let call: Awaited<ReturnType<typeof apiSchool>>['call'];
  let publish: Awaited<ReturnType<typeof apiSchool>>['publish'];
  const sendStudents = async () => {
    const res = await call('roster/students-parents', 'PUT', { students, parents });
    assert.equal(res.status, 200, await res.text());
  };
  const upload = (rows: Record<string, unknown>[]) => call('roster-credentials', 'PUT', rows);
  const credential = (account: string) => db()('roster_credentials').where({ school_code: SCHOOL, account }).first();
  const identitiesOf = (personId: string) =>
    db()('identities').where({ person_id: personId, school_code: SCHOOL }).select('role', 'source', 'status');
  const mailsTo = (email: string) =>
    db()('outbox_messages').where({ recipient: email, kind: 'school_identity_added' }).select('id');
  /** An account (active unless said) holding the national ID, under the roster's name for it. */
  const accountWith = async (label: string, nationalId: string, name: string) => {
    const person = await personWith(server, [], label);
    const sealed = sealNationalId(server.storage.keyring, nationalId);
    await db()('persons')
      .where({ id: person.personId })
      .update({ name, national_id_sealed: sealed.sealed, national_id_index: sealed.index });
    await confirmBySchool(server, person.personId);
    return { id: person.personId, email: person.email };
  };
  /** A registration still waiting for its email, with this national ID. */
  const waiting = async (label: string, nationalId: string) => {
    const email = `${label}-${tag()}@example.org`;
    const row = await insertPerson(db(), {
      email,
      name: '路人甲',
      passwordHash: 'x',
      status: 'pending',
      nationalId: sealNationalId(server.storage.keyring, nationalId),
    });
    return { id: row.id, email };
  };

  before(async () => {
    server = await startTestServer();
    ({ call, publish } = await apiSchool(server, SCHOOL, `私立發布稽核高職${SCHOOL}`));
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '198.51.100.7'])
      await server.services.throttle.reset(ROSTER_CHECK.address, ip);

    people.victimRegistration = await waiting('squat', ids.victim);
    people.both = await accountWith('both', ids.both, '林小美');
    people.bothRegistration = await waiting('squat2', ids.both);
    people.gone = await accountWith('gone', ids.gone, '陳小博');
    people.locked = await accountWith('locked', ids.lockedTeacher, '王大明');
    await db()('persons').where({ id: people.locked.id }).update({ status: 'locked' });

    const classes = await call('roster/classes-teachers', 'PUT', {
      classes: [{ code: '701', name: '忠班', grade: 7, homeroom_staff_no: 'T001' }],
      staff: [
        {
          staff_no: 'T001',
          name: '王大明',
          national_id: ids.lockedTeacher,
          kind: 'teacher',
          title: '導師',
          email: null,
        },
        { staff_no: 'T002', name: '林小芳', national_id: ids.teacher, kind: 'teacher', title: '教師', email: null },
      ],
    });
    assert.equal(classes.status, 200, await classes.text());
    await sendStudents();
  });
  after(async () => {
    await server?.close();
  });

  it('a registration waiting for its email holds nothing: the student gets a slip, the account the identity', async () => {
    assert.deepEqual(await publish(true), { credentials: 3, addedToAccounts: 3 }, 'the plan');
    assert.deepEqual(await publish(), { credentials: 3, addedToAccounts: 3 });

    // The national ID only a waiting registration typed: a slip to print, the registration nothing.
    const victim = await credential('s1130001');
    assert.equal(victim.claimed_by_person_id, null);
    assert.ok(victim.password_sealed, 'the slip has a password to print');
    assert.deepEqual(await identitiesOf(people.victimRegistration!.id), []);
    assert.deepEqual(await mailsTo(people.victimRegistration!.email), []);

    // The account that holds the national ID gets it, never the registration that typed it too.
    const both = await credential('s1130002');
    assert.equal(both.claimed_by_person_id, people.both!.id);
    assert.deepEqual(await identitiesOf(people.both!.id), [{ role: 'student', source: 'roster', status: 'active' }]);
    assert.deepEqual(await identitiesOf(people.bothRegistration!.id), []);
    assert.equal((await mailsTo(people.both!.email)).length, 1);

    // A locked account is still the one that holds the national ID: the identity, no mail (it cannot sign in).
    const locked = await credential('tt001');
    assert.equal(locked.claimed_by_person_id, people.locked!.id);
    assert.deepEqual(await identitiesOf(people.locked!.id), [{ role: 'teacher', source: 'roster', status: 'active' }]);
    assert.deepEqual(await mailsTo(people.locked!.email), []);

    assert.deepEqual(await publish(), {}, 'publishing again changes nothing');
  });

  it('a slip whose claimant is gone gets a password at the next publish, or the identity of the ID’s account now', async () => {
    // Both accounts are removed (their identities with them); another account now holds the teacher's national ID.
    await db()('persons').whereIn('id', [people.gone!.id, people.locked!.id]).delete();
    for (const account of ['s1130003', 'tt001']) {
      const dead = await credential(account);
      assert.deepEqual(
        [dead.claimed_by_person_id, dead.identity_id, dead.password_sealed, dead.password_hash],
        [null, null, null, null],
        `${account}: no claimant, no identity, no password`,
      );
    }
    // Under another name than the roster's first: not the row's person (a mistyped national ID?): the row waits, with
    // neither the identity nor a password.
    const newcomer = await accountWith('newcomer', ids.lockedTeacher, '李四');
    assert.deepEqual(await publish(), { credentials: 1, held: 1 });
    const waitingSlip = await credential('tt001');
    assert.deepEqual(
      [waitingSlip.claimed_by_person_id, waitingSlip.identity_id, waitingSlip.password_sealed],
      [null, null, null],
    );
    assert.deepEqual(await identitiesOf(newcomer.id), []);
    await db()('persons').where({ id: newcomer.id }).update({ name: '王 大明' });

    assert.deepEqual(await publish(), { addedToAccounts: 1 });
    const student = await credential('s1130003');
    assert.equal(student.claimed_by_person_id, null);
    assert.ok(student.password_sealed);
    const slips = await server.services.schoolOffice.publisher.slips(SCHOOL, '701');
    const password = slips.find((s) => s.account === 's1130003')?.password;
    assert.ok(password, 'printed with its password again');
    const verified = await server.services.enrolment.verifyCredential({
      address: '198.51.100.7',
      schoolCode: SCHOOL,
      role: 'student',
      account: 's1130003',
      password,
    });
    assert.equal(verified.ok, true, 'and the slip works');

    const teacher = await credential('tt001');
    assert.equal(teacher.claimed_by_person_id, newcomer.id);
    assert.deepEqual(await identitiesOf(newcomer.id), [{ role: 'teacher', source: 'roster', status: 'active' }]);
    assert.equal((await mailsTo(newcomer.email)).length, 1);

    assert.deepEqual(await publish(), {}, 'publishing again changes nothing');
  });

  it('credentials the school’s system uploaded stay its own: publishing answers 200 and names its slips around them', async () => {
    const hash = await server.services.passwords.hash('abcd1234');
    const put = await upload([
      { role: 'student', account: 's1130004', password_hash: hash, name: 'API 學生', class_code: '701' },
      { role: 'teacher', account: 'x-teacher-1', password: 'abcd1234', name: '外聘老師' },
    ]);
    assert.equal(put.status, 200, await put.text());
    const uploaded = await db()('roster_credentials')
      .where({ school_code: SCHOOL })
      .whereIn('account', ['s1130004', 'x-teacher-1'])
      .orderBy('account');
    assert.ok(uploaded.every((r) => r.roster_key === null));

    assert.deepEqual(await publish(true), {}, 'the plan, with nothing to do');
    assert.deepEqual(await publish(), {});
    students.push({
      student_no: '1130004',
      name: '張小明',
      national_id: randomNationalId(),
      class_code: '701',
      seat: 4,
      birthdate: '2013-03-03',
    });
    await sendStudents();
    assert.deepEqual(await publish(), { credentials: 1 });
    const slip = await credential('s1130004-2');
    assert.equal(slip.roster_key, 'student:1130004', 'publishing’s slip takes the next free account name');
    assert.deepEqual(
      await db()('roster_credentials')
        .where({ school_code: SCHOOL })
        .whereIn('account', ['s1130004', 'x-teacher-1'])
        .orderBy('account'),
      uploaded,
      'the uploaded credentials are left as they were',
    );
    const printed = await server.services.schoolOffice.publisher.slips(SCHOOL, '701');
    assert.deepEqual(
      printed.filter((s) => s.studentNo === '1130004' || s.account === 's1130004').map((s) => s.account),
      ['s1130004-2'],
      'only the published slip is printed',
    );
    assert.deepEqual(await publish(), {}, 'publishing again changes nothing');
  });

  it('an upload never replaces a published slip: 409 credential_published naming the rows, nothing written', async () => {
    const before = await credential('s1130001');
    const res = await upload([
      { role: 'teacher', account: `x-${tag()}`, password: 'abcd1234', name: '外聘老師' },
      { role: 'student', account: 's1130001', password: 'abcd1234', name: '冒名' },
    ]);
    assert.equal(res.status, 409);
    const body = await res.json();
    assert.equal(body.error, 'credential_published');
    assert.deepEqual(
      body.errors.map((e: { index: number; field: string }) => [e.index, e.field]),
      [[1, 'account']],
    );
    assert.match(body.errors[0].message, /s1130001/);
    assert.deepEqual(await credential('s1130001'), before, 'the published slip is as it was');
    assert.equal(
      (await db()('roster_credentials').where({ school_code: SCHOOL }).where('account', 'like', 'x-%')).length,
      1,
      'the other row is not written either (only x-teacher-1 of before)',
    );

    const doc = await (await fetch(`${server.issuer}/api/openapi.json`)).json();
    const put = Object.entries(doc.paths as Record<string, { put?: { responses: Record<string, unknown> } }>).find(
      ([path]) => path.endsWith('/roster-credentials'),
    )?.[1].put;
    assert.ok(put?.responses['409'], 'the reference declares the 409');
    assert.ok(JSON.stringify(put.responses['409']).includes('credential_published'));

    // The sync log tells the school in its own words.
    let entry: { code: number; message: string } | undefined;
    for (let i = 0; i < 50 && !entry; i++) {
      entry = (
        await server.services.schoolOffice.syncLog.search(SCHOOL, { action: 'roster.credentials_put' })
      ).entries.find((e) => e.code === 409);
      if (!entry) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(entry?.message, 'credential_published');
    assert.notEqual(zh(`school.syncLog.messages.${entry.message}`), `school.syncLog.messages.${entry.message}`);
  });

  it('an upload sent while publishing: 200 or 409, never 500, and a published slip is never replaced', async () => {
    for (let round = 0; round < 6; round++) {
      const no = String(1130010 + round);
      students.push({
        student_no: no,
        name: `學生${round}`,
        national_id: randomNationalId(),
        class_code: '701',
        seat: 10 + round,
        birthdate: '2013-03-03',
      });
      await sendStudents();
      const [published, uploaded] = await Promise.all([
        call('roster/publish', 'POST'),
        new Promise((r) => setTimeout(r, round * 8)).then(() =>
          upload([{ role: 'student', account: `s${no}`, password: 'abcd1234', name: 'API 學生' }]),
        ),
      ]);
      assert.equal(published.status, 200, await published.text());
      assert.ok([200, 409].includes(uploaded.status), `the upload: ${uploaded.status} ${await uploaded.text()}`);
      const rows = await db()('roster_credentials')
        .where({ school_code: SCHOOL })
        .where((q) => q.where({ roster_key: `student:${no}` }).orWhere({ account: `s${no}` }))
        .orderBy('account');
      const slip = rows.find((r) => r.roster_key === `student:${no}`);
      assert.ok(slip?.password_sealed && !slip.password_hash, 'the published slip has its printed password');
      assert.equal(slip.name, `學生${round}`);
      if (uploaded.status === 200) {
        // The upload came first: its credential stays, the slip took the next name.
        assert.deepEqual(
          rows.map((r) => [r.account, r.roster_key, !!r.password_hash]),
          [
            [`s${no}`, null, true],
            [`s${no}-2`, `student:${no}`, false],
          ],
        );
      } else
        assert.deepEqual(
          rows.map((r) => r.account),
          [`s${no}`],
        );
    }
  });
});
