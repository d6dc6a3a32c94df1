// The administrators' review needs a second factor (a security review's finding): a school's administrator or the
// bureau's, signed in to the account pages with the password only, is sent to the sign-in with a second factor —
// the review page and every decision (approve, decline, end a binding), nothing decided — and reviews after it. A
// homeroom teacher who is also an administrator still reviews their own class with the password, the rest after it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith, signedInAgent } from '../../helpers/account.ts';
import { type Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { passSetupProof } from '../../helpers/second-factor.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';
import { reviewWithSecondFactor } from './review-sign-in.ts';

const SCHOOL = '353604';
const tag = () => crypto.randomBytes(4).toString('hex');
const zh = translator('zh-TW');

describe(`the administrators' binding review needs a second factor (${storageMode})`, () => {
  let server: TestServer;
  const db = () => server.storage.db;
  const url = (path: string) => `${server.issuer}${path}`;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  async function newStudent(classCode = `8${crypto.randomInt(10, 99)}`) {
    const person = await insertPerson(db(), {
      username: `stu-${tag()}`,
      name: '吳三寶',
      passwordHash: await hashPassword('Student-Pass-1', 4),
      nationalId: sealNationalId(server.storage.keyring, randomNationalId()),
    });
    const identityId = await addIdentity(db(), {
      personId: person.id,
      schoolCode: SCHOOL,
      role: 'student',
      classCode,
      attributes: { student_no: `S${crypto.randomInt(1e6, 1e7)}` },
      source: 'roster',
      actor: 'test',
    });
    return { identityId };
  }

  /** A pending application of a new parent for the student. */
  async function applyFor(student: { identityId: string }): Promise<string> {
    const email = `review-parent-${tag()}@example.test`;
    const result = await server.services.binding.submit({
      contact: { kind: 'email', value: email },
      students: [
        {
          identityId: student.identityId,
          relationship: 'mother',
          maskedName: '吳○寶',
          school: { code: SCHOOL, name: '' },
        },
      ],
      parent: { nationalId: randomNationalId(), name: '林美華', email },
      signature: null,
    });
    assert.ok(result.ok, JSON.stringify(result));
    return result.ids[0]!;
  }

  const statusOf = async (id: string) => (await db()('binding_applications').where({ id }).first()).status as string;

  function post(agent: Agent, csrfFrom: Step, action: string, fields: Record<string, string> = {}): Promise<Step> {
    return agent.request(url(action), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: hiddenField(csrfFrom.body, '_csrf'), ...fields }).toString(),
    });
  }

  const toSignIn = (step: Step, what: string) => {
    assert.equal(step.status, 303, `${what}: sent to sign in (${step.status})`);
    const to = new URL(step.location!);
    assert.equal(to.pathname, '/binding/review/sign-in', `${what}: to the sign-in with a second factor`);
    assert.equal(to.searchParams.get('return_to'), '/binding/review');
  };

  for (const role of ['school_admin', 'bureau_admin'] as const) {
    it(`a ${role} signed in with the password only reviews nothing and decides nothing; after the second factor, all`, async () => {
      const pending = await applyFor(await newStudent());
      const approved = await applyFor(await newStudent());
      assert.ok((await server.services.binding.approve(approved, 'test')).ok);
      const admin = await personWith(
        server,
        [role === 'school_admin' ? { schoolCode: SCHOOL, role } : { role }],
        role.replace('_', '-'),
      );
      const agent = await signedInAgent(server.issuer, admin.email, PERSON_PASSWORD);
      // A page of the account pages, for its CSRF token (the review page is not drawn).
      const account = await agent.request(url('/account'));
      assert.equal(account.status, 200);

      const review = await agent.request(url('/binding/review'));
      toSignIn(review, 'the review page');
      assert.doesNotMatch(review.body, /\/approve"/, 'no approve form');
      toSignIn(await post(agent, account, `/binding/review/${pending}/approve`), 'approve');
      toSignIn(await post(agent, account, `/binding/review/${pending}/reject`, { reason: '資料不符' }), 'decline');
      toSignIn(await post(agent, account, `/binding/review/${approved}/revoke`, { reason: '監護權變更' }), 'end');
      assert.equal(await statusOf(pending), 'pending', 'nothing approved nor declined');
      assert.equal(await statusOf(approved), 'approved', 'nothing ended');
      // An application nobody may decide is still not found (the sign-in is offered only for what it would open).
      assert.equal((await post(agent, account, `/binding/review/${crypto.randomUUID()}/approve`)).status, 404);

      // The second factor (the password is not asked again: the browser is signed in), then back at the review.
      const page = await reviewWithSecondFactor(server.issuer, agent);
      assert.equal(page.status, 200);
      assert.equal(new URL(page.url).pathname, '/binding/review');
      assert.ok(page.body.includes(`/binding/review/${pending}/approve`), 'the approve form is there');
      assert.ok(page.body.includes(`/binding/review/${approved}/revoke`), 'the end form is there');
      assert.doesNotMatch(page.body, /id="review-second-factor"/, 'nothing more to sign in to');
      const yes = await post(agent, page, `/binding/review/${pending}/approve`);
      assert.equal(yes.status, 303);
      assert.equal(yes.location, url(`/binding/review?notice=approved&app=${pending}`));
      assert.equal(await statusOf(pending), 'approved');
      const ended = await post(agent, page, `/binding/review/${approved}/revoke`, { reason: '監護權變更' });
      assert.equal(ended.location, url(`/binding/review?notice=revoked&app=${approved}`));
      assert.equal(await statusOf(approved), 'revoked');
      const another = await applyFor(await newStudent());
      const no = await post(agent, page, `/binding/review/${another}/reject`, { reason: '資料不符' });
      assert.equal(no.location, url(`/binding/review?notice=rejected&app=${another}`));
      assert.equal(await statusOf(another), 'rejected');

      // The review's session is this browser's: another browser of the same person, password only, is still refused.
      const other = await signedInAgent(server.issuer, admin.email, PERSON_PASSWORD);
      toSignIn(await other.request(url('/binding/review')), 'another browser');
      // Signed out of the account pages (the provider session ended): the review's session ends with it.
      const profile = await agent.request(url('/account'));
      await post(agent, profile, '/account/sign-out');
      const again = await signedInAgent(server.issuer, admin.email, PERSON_PASSWORD);
      for (const [name, value] of agent.cookies) if (name.startsWith('binding_review')) again.cookies.set(name, value);
      toSignIn(await again.request(url('/binding/review')), 'an old review cookie after signing out');
    });
  }

  it('a homeroom teacher who is also the school’s administrator reviews the class with the password, the rest after the second factor', async () => {
    const classCode = `7${crypto.randomInt(10, 99)}`;
    const mine = await newStudent(classCode);
    const { personId, email } = await personWith(
      server,
      [
        { schoolCode: SCHOOL, role: 'teacher' },
        { schoolCode: SCHOOL, role: 'school_admin' },
      ],
      'homeroom-admin',
    );
    const teacherIdentity = await db()('identities').where({ person_id: personId, role: 'teacher' }).first();
    const { class_id } = await db()('identities').where({ id: mine.identityId }).first();
    await db()('classes').where({ id: class_id }).update({ homeroom_identity_id: teacherIdentity.id });
    const ofMyClass = await applyFor(mine);
    const ofTheSchool = await applyFor(await newStudent());

    const agent = await signedInAgent(server.issuer, email, PERSON_PASSWORD);
    const review = await agent.request(url('/binding/review'));
    assert.equal(review.status, 200, 'the class, with the password');
    assert.ok(review.body.includes(`/binding/review/${ofMyClass}/approve`), 'the class’s application');
    assert.ok(!review.body.includes(ofTheSchool), 'not the rest of the school’s');
    assert.match(review.body, /id="review-second-factor"/);
    assert.ok(review.body.includes(html(zh('binding.review.secondFactorTitle'))));
    assert.ok(review.body.includes('href="/binding/review/sign-in"'), 'the way to the second factor');
    toSignIn(await post(agent, review, `/binding/review/${ofTheSchool}/approve`), 'the school’s application');
    assert.equal(await statusOf(ofTheSchool), 'pending');
    const mineApproved = await post(agent, review, `/binding/review/${ofMyClass}/approve`);
    assert.equal(mineApproved.location, url(`/binding/review?notice=approved&app=${ofMyClass}`));

    const all = await reviewWithSecondFactor(server.issuer, agent);
    assert.ok(all.body.includes(`/binding/review/${ofTheSchool}/approve`), 'the school’s, after the second factor');
    assert.doesNotMatch(all.body, /id="review-second-factor"/);
    assert.equal((await post(agent, all, `/binding/review/${ofTheSchool}/approve`)).status, 303);
    assert.equal(await statusOf(ofTheSchool), 'approved');
  });

  it('the sign-in refuses a person who administers nothing, and a callback without its sign-in', async () => {
    const { email } = await personWith(server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'not-admin');
    const teacher = await signedInAgent(server.issuer, email, PERSON_PASSWORD);
    const callback = url('/binding/review/callback');
    const asked = await teacher.follow(url('/binding/review/sign-in'), callback);
    assert.match(asked.url, /\/second-factor$/);
    const page = await passSetupProof(server.issuer, teacher, asked, callback);
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(page.body)?.[1]?.replaceAll(' ', '');
    assert.ok(secret);
    const step = await teacher.submit(
      page.url,
      { _csrf: hiddenField(page.body, '_csrf'), code: await generate({ secret }) },
      callback,
    );
    const answer = await teacher.follow(step.location!);
    assert.equal(answer.status, 403);
    assert.ok(answer.body.includes(html(zh('binding.reviewSignIn.notAdmin'))));
    assert.ok(answer.body.includes('href="/account"'), 'a way on');
    assert.equal((await teacher.request(url('/binding/review'))).status, 404, 'no review for them');

    const stray = await teacher.request(`${callback}?code=x&state=y`);
    assert.equal(stray.status, 400);
    assert.ok(stray.body.includes(html(zh('binding.reviewSignIn.expired'))));
    assert.ok(stray.body.includes('href="/binding/review/sign-in"'), 'sign in again');
  });
});
