// One parent, two children at one school: the parent has one parent identity there however it arrives — claiming both
// children's slips one after the other, or publishing to an account that holds the parent's national ID — and keeps it
// when one child leaves the roster while the other stays. An identity that ended is history: back on the roster or
// pushed by the school-affairs system, the person has one current identity of the role again. A second current identity
// of a role at a school is refused (the unique index of migration 0031), also when two are added at the same moment.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addIdentity, IdentityExists } from '../../../src/domain/identities/add-identity.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { personWith } from '../../helpers/account.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { apiSchool, newSchoolCode } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const SCHOOL = newSchoolCode('5');

/**
 * A school source confirmed the account (the demo school's school-affairs system gave it an identity): publishing
 * gives a row's identity straight to such an account; to one only its holder vouches for, a slip (unconfirmed-holder).
 */
const confirmBySchool = (server: TestServer, personId: string) =>
  server.storage.db.transaction((trx) =>
    addIdentity(trx, { personId, schoolCode: '353604', role: 'parent', source: 'sis', actor: 'test' }),
  );

describe(`a parent of two children at one school (${storageMode})`, () => {
  let server: TestServer;
  const ids = { a: randomNationalId(), b: randomNationalId(), c: randomNationalId(), d: randomNationalId() };
  /** 陳媽媽 (no account yet) has children A and B; 李爸爸 (an account with his national ID) has C and D. */
  const chenMother = { nationalId: randomNationalId(), mobile: '0911-222-333' };
  const leeFather = { nationalId: randomNationalId(), mobile: '0933-444-555' };
  const student = (no: string, name: string, nationalId: string, seat: number) => ({
    student_no: no,
    name,
    national_id: nationalId,
    class_code: '801',
    seat,
    birthdate: '2012-04-01',
  });
  const allStudents = [
    student('1120001', '陳小安', ids.a, 1),
    student('1120002', '陳小北', ids.b, 2),
    student('1120003', '李小西', ids.c, 3),
    student('1120004', '李小東', ids.d, 4),
  ];
  const parentOf = (no: string) =>
    no < '1120003'
      ? { student_no: no, name: '陳媽媽', relationship: 'mother', mobile: chenMother.mobile }
      : {
          student_no: no,
          name: '李爸爸',
          relationship: 'father',
          mobile: leeFather.mobile,
          national_id: leeFather.nationalId,
        };
  let lee: { id: string };
  let chen: { id: string };

  const db = () => server.storage.db;
  let call: Awaited<ReturnType<typeof apiSchool>>['call'];
  let publish: Awaited<ReturnType<typeof apiSchool>>['publish'];
  /** Sends the roster without the students named, then publishes it; the counts that are not zero. */
  const publishWithout = async (...without: string[]) => {
    const students = allStudents.filter((s) => !without.includes(s.student_no));
    const sent = await call('roster/students-parents', 'PUT', {
      students,
      parents: students.map((s) => parentOf(s.student_no)),
    });
    assert.equal(sent.status, 200, await sent.text());
    return publish();
  };
  const slip = (studentNo: string, role: 'student' | 'parent') =>
    db()('roster_credentials')
      .where({ school_code: SCHOOL, role, student_no: studentNo })
      .whereNotNull('roster_key')
      .first();
  const parentIdentities = (personId: string) =>
    db()('identities')
      .where({ person_id: personId, school_code: SCHOOL, role: 'parent' })
      .orderBy('created_at')
      .select('id', 'status', 'ended_at');
  const linkedChildren = async (personId: string) =>
    (
      await db()('guardian_links as g')
        .join('roster_credentials as r', 'r.identity_id', 'g.student_identity_id')
        .where({ 'g.parent_person_id': personId, 'r.school_code': SCHOOL })
        .orderBy('r.student_no')
        .select('r.student_no')
    ).map((r) => r.student_no);

  before(async () => {
    server = await startTestServer();
    ({ call, publish } = await apiSchool(server, SCHOOL, `私立同家長高職${SCHOOL}`));
    const classes = await call('roster/classes-teachers', 'PUT', {
      classes: [{ code: '801', name: '仁班', grade: 8, homeroom_staff_no: 'T801' }],
      staff: [
        {
          staff_no: 'T801',
          name: '張老師',
          national_id: randomNationalId(),
          kind: 'teacher',
          title: '導師',
          email: null,
        },
      ],
    });
    assert.equal(classes.status, 200, await classes.text());
    const leeAccount = await personWith(server, [], 'lee-father');
    const sealed = sealNationalId(server.storage.keyring, leeFather.nationalId);
    await db()('persons')
      .where({ id: leeAccount.personId })
      .update({ name: '李爸爸', national_id_sealed: sealed.sealed, national_id_index: sealed.index });
    await confirmBySchool(server, leeAccount.personId);
    lee = { id: leeAccount.personId };
    chen = { id: (await personWith(server, [], 'chen-mother')).personId };
  });
  after(async () => {
    await server?.close();
  });

  it('publishing to the account with the parent’s national ID adds one parent identity for both children', async () => {
    const counts = await publishWithout();
    assert.equal(counts.addedToAccounts, 1, JSON.stringify(counts));
    assert.equal(counts.alreadyThere, 1, JSON.stringify(counts));
    const [identity, ...more] = await parentIdentities(lee.id);
    assert.deepEqual(more, []);
    assert.equal((await slip('1120003', 'parent')).identity_id, identity.id);
    assert.equal((await slip('1120004', 'parent')).identity_id, identity.id);
  });

  it('claiming both children’s slips gives one parent identity, linked to both children', async () => {
    // The children claim their own slips first (their identities are what the parent is linked to).
    for (const no of ['1120001', '1120002']) {
      const child = await personWith(server, [], `child-${no}`);
      assert.equal(
        await server.services.enrolment.claimCredential((await slip(no, 'student')).id, child.personId),
        true,
      );
    }
    for (const no of ['1120001', '1120002'])
      assert.equal(await server.services.enrolment.claimCredential((await slip(no, 'parent')).id, chen.id), true);
    const [identity, ...more] = await parentIdentities(chen.id);
    assert.deepEqual(more, [], 'not a second parent identity at the school');
    assert.equal(identity.status, 'active');
    assert.equal((await slip('1120001', 'parent')).identity_id, identity.id);
    assert.equal((await slip('1120002', 'parent')).identity_id, identity.id);
    assert.deepEqual(await linkedChildren(chen.id), ['1120001', '1120002']);
    const active = await server.services.identities.active(chen.id);
    assert.equal(active.filter((i) => i.role === 'parent').length, 1, 'one 家長 on the identity menu');
  });

  it('one child leaving ends that child’s identity, not the parent’s: the other child is still there', async () => {
    // 陳小安 (her slip claimed) and 李小西 (his slip never used: withdrawn) leave; their brother and sister stay.
    const counts = await publishWithout('1120001', '1120003');
    assert.deepEqual(counts, { ended: 1, withdrawn: 1 }, 'the child who left, not the parents');
    for (const parent of [chen.id, lee.id]) {
      const [identity, ...more] = await parentIdentities(parent);
      assert.deepEqual(more, []);
      assert.equal(identity.ended_at, null, 'the parent identity does not end');
    }
    const left = await db()('identities')
      .where({ id: (await slip('1120001', 'student')).identity_id })
      .first();
    assert.ok(left.ended_at, 'the child who left ends with the semester');

    // Both children of a parent gone: the parent identity ends too.
    const gone = await publishWithout('1120001', '1120002', '1120003');
    assert.equal(gone.ended, 2, `the second child and the parent: ${JSON.stringify(gone)}`);
    assert.ok((await parentIdentities(chen.id))[0].ended_at);
    assert.equal((await parentIdentities(lee.id))[0].ended_at, null, 'the other parent still has a child there');

    // Back on the roster: the same identity again, not a new one.
    const back = await publishWithout();
    assert.deepEqual(back, { credentials: 1, restored: 3 }, 'the two children and their mother; a new slip for 李小西');
    const [identity, ...more] = await parentIdentities(chen.id);
    assert.deepEqual(more, []);
    assert.equal(identity.ended_at, null);
  });

  it('back on the roster with another identity of the role there by now: that one stays, the old one stays ended', async () => {
    assert.deepEqual(await publishWithout('1120002'), { ended: 1 });
    const { claimed_by_person_id: child, identity_id: old } = await slip('1120002', 'student');
    const now = await addIdentity(db(), {
      personId: child,
      schoolCode: SCHOOL,
      role: 'student',
      source: 'bureau',
      actor: 'test',
    });
    assert.deepEqual(await publishWithout(), {}, 'nothing restored, and no error');
    const current = await db()('identities')
      .where({ person_id: child, school_code: SCHOOL, role: 'student' })
      .whereNull('ended_at')
      .select('id');
    assert.deepEqual(
      current.map((r) => r.id),
      [now],
    );
    assert.ok((await db()('identities').where({ id: old }).first()).ended_at);
  });

  it('a school-affairs push for a person whose identity there ended before adds it again; one ending is kept', async () => {
    const nationalId = randomNationalId();
    const person = await personWith(server, [{ schoolCode: SCHOOL, role: 'student' }], 'pushed-again');
    const sealed = sealNationalId(server.storage.keyring, nationalId);
    await db()('persons')
      .where({ id: person.personId })
      .update({ national_id_sealed: sealed.sealed, national_id_index: sealed.index });
    const [old] = await db()('identities').where({ person_id: person.personId, school_code: SCHOOL }).pluck('id');
    const push = () =>
      server.services.enrolment.addPushedIdentity(person.personId, 'sis', {
        role: 'student',
        school_code: SCHOOL,
        class: '801',
        national_id: nationalId,
      });
    await db()('identities')
      .where({ id: old })
      .update({ ended_at: db().raw("now() + interval '30 days'") });
    assert.equal(await push(), 'exists');
    assert.equal((await db()('identities').where({ id: old }).first()).ended_at, null, 'no longer ending');

    await db()('identities')
      .where({ id: old })
      .update({ ended_at: db().raw("now() - interval '1 day'") });
    assert.equal(await push(), 'added', 'the school has the student again');
    const current = await db()('identities')
      .where({ person_id: person.personId, school_code: SCHOOL })
      .whereNull('ended_at')
      .pluck('id');
    assert.equal(current.length, 1);
    assert.notEqual(current[0], old);
  });

  it('a second identity of the same role at the school is refused, also two at the same moment', async () => {
    const person = await personWith(server, [], 'twice');
    const add = () =>
      addIdentity(db(), {
        personId: person.personId,
        schoolCode: SCHOOL,
        role: 'teacher',
        source: 'bureau',
        actor: 'test',
      });
    const results = await Promise.allSettled([add(), add(), add()]);
    const made = results.filter((r) => r.status === 'fulfilled');
    assert.equal(made.length, 1, 'one is made');
    for (const r of results)
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof IdentityExists, String(r.reason));
        assert.equal(r.reason.identityId, (made[0] as PromiseFulfilledResult<string>).value);
      }
    const rows = await db()('identities').where({ person_id: person.personId, school_code: SCHOOL });
    assert.equal(rows.length, 1);
    // Another role at the same school is another identity.
    await addIdentity(db(), {
      personId: person.personId,
      schoolCode: SCHOOL,
      role: 'staff',
      source: 'bureau',
      actor: 'test',
    });
  });
});
