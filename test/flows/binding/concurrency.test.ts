// Binding decisions at the same moment (the integrity audit's races): a parent's children approved at once give one
// account and one parent identity at the school, never "email taken"; the school-affairs system's verified pushes for
// a parent's children at once are all approved, and a push that is refused leaves no application behind; the same
// push repeated at once is approved once and then answered "already bound".
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { DraftStudent } from '../../../src/domain/binding/service.ts';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { nationalIdIndex, sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { PERSON_PASSWORD, personWith, signedInAgent } from '../../helpers/account.ts';
import { type Agent, hiddenField, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registerClient } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';
import { reviewWithSecondFactor } from './review-sign-in.ts';

const SCHOOL = '353604';
const SIS_CLIENT = `binding-race-sis-${crypto.randomBytes(3).toString('hex')}`;
const SECRET = 'binding-race-secret-0123456789abcdef';
const tag = () => crypto.randomBytes(4).toString('hex');

describe(`binding decisions at the same moment (${storageMode})`, () => {
  let server: TestServer;
  let reviewer: Agent;
  const db = () => server.storage.db;
  const url = (path: string) => `${server.issuer}${path}`;

  before(async () => {
    server = await startTestServer();
    await registerClient(
      server,
      { client_id: SIS_CLIENT, redirect_uris: ['https://sis.example.test/cb'], permissions: ['sis'] },
      SECRET,
    );
    const admin = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'race-reviewer');
    reviewer = await signedInAgent(server.issuer, admin.email, PERSON_PASSWORD);
    // A school's administrator reviews after a sign-in with a second factor.
    await reviewWithSecondFactor(server.issuer, reviewer);
  });
  after(async () => {
    await server?.close();
  });

  async function newStudent() {
    const nationalId = randomNationalId();
    const person = await insertPerson(db(), {
      username: `stu-${tag()}`,
      name: '吳三寶',
      passwordHash: await hashPassword('Student-Pass-1', 4),
      nationalId: sealNationalId(server.storage.keyring, nationalId),
    });
    const identityId = await addIdentity(db(), {
      personId: person.id,
      schoolCode: SCHOOL,
      role: 'student',
      classCode: '701',
      attributes: { student_no: `S${crypto.randomInt(1e6, 1e7)}` },
      source: 'roster',
      actor: 'test',
    });
    return { id: person.id, nationalId, identityId };
  }

  const draft = (s: { identityId: string }): DraftStudent => ({
    identityId: s.identityId,
    relationship: 'mother',
    maskedName: '吳○寶',
    school: { code: SCHOOL, name: '示範國中' },
  });

  /** An application of a new parent (`personId` undefined) or of an existing account, sent as step 4 sends it. */
  async function applyFor(
    student: { identityId: string },
    parent: { nationalId: string; email: string; personId?: string },
  ): Promise<string> {
    const result = await server.services.binding.submit({
      contact: { kind: 'email', value: parent.email },
      students: [draft(student)],
      parent: parent.personId
        ? { nationalId: parent.nationalId, personId: parent.personId }
        : { nationalId: parent.nationalId, name: '林美華', email: parent.email },
      signature: null,
    });
    assert.ok(result.ok, JSON.stringify(result));
    return result.ids[0]!;
  }

  async function approveAtOnce(ids: string[]): Promise<Step[]> {
    const page = await reviewer.request(url('/binding/review'));
    assert.equal(page.status, 200);
    const csrf = hiddenField(page.body, '_csrf');
    return Promise.all(
      ids.map((id) =>
        reviewer.request(url(`/binding/review/${id}/approve`), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: csrf }).toString(),
        }),
      ),
    );
  }

  const accountsOf = (nationalId: string) =>
    db()('persons')
      .where({ national_id_index: nationalIdIndex(server.storage.keyring, nationalId)! })
      .pluck('id');
  const parentIdentities = (personId: string) =>
    db()('identities').where({ person_id: personId, role: 'parent', school_code: SCHOOL, status: 'active' });
  const statuses = async (nationalId: string) =>
    (
      await db()('binding_applications')
        .where({ parent_national_id_index: nationalIdIndex(server.storage.keyring, nationalId)! })
        .pluck('status')
    ).sort();

  it('two children of a parent with an account, approved at once: one parent identity at the school, both linked', async () => {
    const nationalId = randomNationalId();
    const parent = await insertPerson(db(), {
      username: `par-${tag()}`,
      email: `race-parent-${tag()}@example.test`,
      emailVerified: true,
      name: '林美華',
      passwordHash: await hashPassword('Parent-Pass-2026', 4),
      nationalId: sealNationalId(server.storage.keyring, nationalId),
    });
    for (let round = 0; round < 3; round++) {
      const students = [await newStudent(), await newStudent()];
      const ids = await Promise.all(
        students.map((s) => applyFor(s, { nationalId, email: parent.email!, personId: parent.id })),
      );
      const answers = await approveAtOnce(ids);
      for (const a of answers) assert.match(a.location ?? '', /notice=approved/, `round ${round}: ${a.location}`);
      assert.equal((await parentIdentities(parent.id)).length, 1, `round ${round}: one parent identity at the school`);
      const links = await db()('guardian_links')
        .where({ parent_person_id: parent.id })
        .whereIn(
          'student_identity_id',
          students.map((s) => s.identityId),
        )
        .whereNull('ended_at');
      assert.equal(links.length, 2, `round ${round}: both children linked`);
    }
  });

  it('a parent identity ending with the semester goes on with a child approved now; one ended gets a new one', async () => {
    const nationalId = randomNationalId();
    const parent = await insertPerson(db(), {
      username: `par-${tag()}`,
      email: `ending-parent-${tag()}@example.test`,
      emailVerified: true,
      name: '林美華',
      passwordHash: await hashPassword('Parent-Pass-2026', 4),
      nationalId: sealNationalId(server.storage.keyring, nationalId),
    });
    const ending = await addIdentity(db(), {
      personId: parent.id,
      schoolCode: SCHOOL,
      role: 'parent',
      source: 'roster',
      actor: 'test',
    });
    await db()('identities')
      .where({ id: ending })
      .update({ ended_at: db().raw("now() + interval '30 days'") });
    const approve = async () => {
      const [answer] = await approveAtOnce([
        await applyFor(await newStudent(), { nationalId, email: parent.email!, personId: parent.id }),
      ]);
      assert.match(answer!.location ?? '', /notice=approved/);
    };
    await approve();
    assert.deepEqual(
      (await parentIdentities(parent.id)).map((i) => [i.id, i.ended_at]),
      [[ending, null]],
      'the same identity, no longer ending',
    );

    await db()('identities')
      .where({ id: ending })
      .update({ ended_at: db().raw("now() - interval '1 day'") });
    await approve();
    const current = (await parentIdentities(parent.id)).filter((i) => i.ended_at === null);
    assert.equal(current.length, 1, 'a parent identity again');
    assert.notEqual(current[0].id, ending);
  });

  it('two children of a new parent, approved at once: one account, both approved, one identity, one welcome link', async () => {
    for (let round = 0; round < 3; round++) {
      const nationalId = randomNationalId();
      const email = `race-new-${tag()}@example.test`;
      const students = [await newStudent(), await newStudent()];
      const ids = await Promise.all(students.map((s) => applyFor(s, { nationalId, email })));
      const answers = await approveAtOnce(ids);
      for (const a of answers) assert.match(a.location ?? '', /notice=approved/, `round ${round}: ${a.location}`);
      const accounts = await accountsOf(nationalId);
      assert.equal(accounts.length, 1, `round ${round}: one account`);
      assert.deepEqual(await statuses(nationalId), ['approved', 'approved'], `round ${round}: none left pending`);
      assert.equal((await parentIdentities(accounts[0]!)).length, 1, `round ${round}: one parent identity`);
      const mails: { text_body: string }[] = await db()('outbox_messages')
        .where({ recipient: email, kind: 'binding_approved' })
        .select('text_body');
      assert.equal(mails.length, 2, 'each approval told');
      assert.equal(mails.filter((m) => m.text_body.includes('/password/reset?token=')).length, 1, 'one welcome link');
    }
  });

  it('one application approved ten times at once: approved once, one link, one mail; the rest told it is decided', async () => {
    const student = await newStudent();
    const nationalId = randomNationalId();
    const email = `race-same-${tag()}@example.test`;
    const id = await applyFor(student, { nationalId, email });
    const answers = await approveAtOnce(Array.from({ length: 10 }, () => id));
    // One approved (303 to the notice), the rest told on the page that it is decided already (409).
    const answered = answers
      .map((a) => (a.location ? new URL(a.location).searchParams.get('notice') : a.status))
      .sort();
    assert.deepEqual(answered, [...Array.from({ length: 9 }, () => 409), 'approved']);
    assert.equal((await accountsOf(nationalId)).length, 1);
    assert.equal((await db()('guardian_links').where({ application_id: id })).length, 1);
    assert.equal((await db()('outbox_messages').where({ recipient: email, kind: 'binding_approved' })).length, 1);
  });

  describe('verified pushes from the school-affairs system', () => {
    const push = async (body: unknown) => {
      const res = await fetch(url('/api/sis/guardians'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${SIS_CLIENT}:${SECRET}`).toString('base64')}`,
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { status?: string; error?: string } };
    };
    const pushFor = (student: { nationalId: string }, parent: Record<string, string>) =>
      push({ student: { national_id: student.nationalId }, parent, relationship: 'mother', verified: true });

    it("a new parent's two children pushed at once: both approved (201), one account, one parent identity, nothing pending", async () => {
      for (let round = 0; round < 3; round++) {
        const parent = { national_id: randomNationalId(), name: '林美華', email: `race-push-${tag()}@example.test` };
        const students = [await newStudent(), await newStudent()];
        const answers = await Promise.all(students.map((s) => pushFor(s, parent)));
        for (const a of answers) assert.deepEqual([a.status, a.body.status], [201, 'approved'], JSON.stringify(a));
        const accounts = await accountsOf(parent.national_id);
        assert.equal(accounts.length, 1, `round ${round}: one account`);
        assert.equal((await parentIdentities(accounts[0]!)).length, 1, `round ${round}: one parent identity`);
        assert.deepEqual(await statuses(parent.national_id), ['approved', 'approved'], `round ${round}`);
      }
    });

    it('the same push five times at once: approved once; the others are told it is bound already, nothing pending', async () => {
      const parent = { national_id: randomNationalId(), name: '林美華', email: `race-again-${tag()}@example.test` };
      const student = await newStudent();
      const answers = await Promise.all(Array.from({ length: 5 }, () => pushFor(student, parent)));
      const outcome = answers.map((a) => `${a.status} ${a.body.status ?? a.body.error}`).sort();
      assert.deepEqual(outcome, ['201 approved', ...Array.from({ length: 4 }, () => '409 already_bound')]);
      assert.deepEqual(await statuses(parent.national_id), ['approved']);
      // Pushed again later: the same answer.
      const later = await pushFor(student, parent);
      assert.deepEqual([later.status, later.body.error], [409, 'already_bound']);
    });

    it('a verified push refused at its approval leaves no application behind', async () => {
      // The new parent's address belongs to an account by the time the approval runs (taken between the school's
      // check and the push's approval): the answer is 409 email_taken, and no pending application waits for a review
      // the API already refused.
      const taken = `race-taken-${tag()}@example.test`;
      const student = await newStudent();
      const parent = { national_id: randomNationalId(), name: '林美華', email: taken };
      const other = await newStudent();
      const holder = { national_id: randomNationalId(), name: '王大明', email: taken };
      // Two different new parents with one address, pushed at once: one gets the account, the other is refused.
      const answers = await Promise.all([pushFor(student, parent), pushFor(other, holder)]);
      const outcome = answers.map((a) => `${a.status} ${a.body.status ?? a.body.error}`).sort();
      assert.equal(outcome[0], '201 approved', JSON.stringify(outcome));
      assert.match(outcome[1]!, /^409 (email_taken|email_applied)$/, JSON.stringify(outcome));
      const [won, lost] = answers[0]!.status === 201 ? [parent, holder] : [holder, parent];
      assert.deepEqual(await statuses(won.national_id), ['approved']);
      assert.deepEqual(await statuses(lost.national_id), [], 'the refused push left nothing');
      assert.deepEqual(await accountsOf(lost.national_id), []);
    });
  });
});
