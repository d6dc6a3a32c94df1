// A registration still waiting for its activation link holds its email address for nobody (README, Registration):
// a binding application that names the address as the new parent's login is approved by the reviewer all the same,
// and the address is the parent's. The waiting registration can then neither be activated with it (its link says the
// address has an account), nor sign in with it, nor reset the parent's password by mail. Against the real server
// and storage: the parent's code and four steps, the real /register wizard, the teacher's review page.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { BINDING } from '../../../src/platform/limits.ts';
import { signedInAgent, signInToAccount } from '../../helpers/account.ts';
import { Agent, activateByLink, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registrationForm } from '../../helpers/registration.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
const tag = () => crypto.randomBytes(4).toString('hex');
const randomMobile = () => `09${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`;

describe(`binding approval and a waiting registration of the parent's address (${storageMode})`, () => {
  let server: TestServer;
  const db = () => server.storage.db;
  const url = (path: string) => `${server.issuer}${path}`;
  const resetCounters = () =>
    Promise.all(
      LOOPBACK.flatMap((a) => [
        server.services.throttle.reset(BINDING.codesPerAddress, a),
        server.services.throttle.reset(BINDING.lookupsPerAddress, a),
        server.services.throttle.reset(BINDING.passwordPerAddress, a),
      ]),
    );

  before(async () => {
    server = await startTestServer();
    await resetCounters();
  });
  after(async () => {
    await resetCounters();
    await server.close();
  });

  async function newStudent() {
    const nationalId = randomNationalId();
    const person = await insertPerson(db(), {
      username: `stu-${tag()}`,
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

  const post = (agent: Agent, page: Step, action: string, fields: Record<string, string>) =>
    agent.request(url(action), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
    });

  const lastMessage = (recipient: string, kind: string) =>
    db()('outbox_messages').where({ recipient, kind }).orderBy('created_at', 'desc').first();

  /** The parent's whole application, proved by a code to `contact`; `parent` is what step 4 is given. */
  async function apply(
    contact: { kind: 'email' | 'mobile'; value: string },
    parent: { nationalId: string; name: string; email: string; mobile: string },
  ) {
    const student = await newStudent();
    const agent = new Agent();
    const start = await agent.request(url('/binding'));
    const sent = await post(agent, start, '/binding', {
      kind: contact.kind,
      email: contact.kind === 'email' ? contact.value : '',
      mobile: contact.kind === 'mobile' ? contact.value : '',
      ...(await challengeFields(server.issuer)),
    });
    assert.equal(sent.status, 303);
    const codePage = await agent.request(sent.location!);
    const code = /\b(\d{6})\b/.exec((await lastMessage(contact.value, 'binding_code')).text_body)![1]!;
    const target = new URL(sent.location!);
    assert.equal((await post(agent, codePage, target.pathname + target.search, { code })).status, 303);
    const form = { relationship: 'mother', level: 'junior', national_id: student.nationalId, birthdate: '2012-04-05' };
    const step1 = await agent.request(url('/binding/student'));
    const found = await post(agent, step1, '/binding/student', form);
    assert.equal((await post(agent, found, '/binding/student', { ...form, school: '353604' })).status, 303);
    const consent = await agent.request(url('/binding/consent'));
    assert.equal((await post(agent, consent, '/binding/consent', { agree: 'yes' })).status, 303);
    const step4 = await agent.request(url('/binding/parent'));
    const done = await post(agent, step4, '/binding/parent', {
      action: 'submit',
      national_id: parent.nationalId,
      name: parent.name,
      email: parent.email,
      mobile: parent.mobile,
      sign_name: parent.name,
      sign_tick: 'yes',
    });
    return { done, student };
  }

  /** Someone registers with `email` (and the parent's mobile as the contact phone) and does not open the link yet. */
  async function registerWaiting(email: string, phone: string) {
    const agent = new Agent();
    const form = registrationForm('waiting', { email, phone, name: '王大華' });
    const start = await agent.request(url('/register'));
    const step1 = await post(agent, start, '/register', { ...(await challengeFields(server.issuer)), ...form });
    assert.equal(step1.status, 303, 'step 1 passes');
    const confirm = await agent.request(step1.location!);
    assert.equal((await post(agent, confirm, '/register/confirm', {})).status, 303);
    const mail = await lastMessage(email, 'registration_activation');
    const link = /(http\S+\/register\/activate\?token=[\w-]+)/.exec(mail.text_body)![1]!;
    const row = await db()('persons').whereRaw('lower(email) = ?', [email]).where({ status: 'pending' }).first();
    assert.ok(row, 'a registration waits for its link');
    return { agent, link, password: form.password, id: row.id as string };
  }

  async function approveAsTeacher(id: string) {
    const teacher = await signedInAgent(server.issuer, 'teacher', 'Blue-Chalk-2026');
    const review = await teacher.request(url('/binding/review'));
    assert.equal(review.status, 200);
    assert.ok(review.body.includes(`/binding/review/${id}/approve`), 'the application is on the review page');
    return post(teacher, review, `/binding/review/${id}/approve`, {});
  }

  /**
   * The registrant tries what they could with the address: the link, signing in, a reset mail. A reset mail goes to
   * an address the parent proved (their own mailbox: `proved`), never to one only typed.
   */
  async function registrantGetsNothing(
    waiting: Awaited<ReturnType<typeof registerWaiting>>,
    email: string,
    proved: boolean,
  ) {
    const activated = await activateByLink(waiting.agent, waiting.link);
    assert.equal(activated.status, 400, 'the link no longer activates');
    assert.ok(activated.body.includes(html(zh('registration.activate.taken'))), 'it says the address has an account');
    assert.equal((await db()('persons').where({ id: waiting.id }).first())?.status ?? 'gone', 'pending');
    await assert.rejects(
      signInToAccount(server.issuer, new Agent(), email, waiting.password),
      /sign-in did not reach the callback/,
      "the registrant's password does not open the parent's account",
    );
    const forgot = await waiting.agent.request(url('/password/forgot'));
    const asked = await post(waiting.agent, forgot, '/password/forgot', {
      target: email,
      ...(await challengeFields(server.issuer)),
    });
    assert.equal(asked.status, 303);
    await server.services.background.idle();
    const reset = await lastMessage(email, 'password_reset');
    if (proved) assert.ok(reset, 'a reset goes to the address the parent proved: their own mailbox');
    else assert.equal(reset, undefined, 'no reset mail to an address the parent only typed');
  }

  it('the parent proved the address with the code: approved, the account is theirs (verified); the waiting registration gets nothing of it', async () => {
    const email = `mum-${tag()}@example.test`;
    const parent = { nationalId: randomNationalId(), name: '林美玲', email, mobile: randomMobile() };
    const { done, student } = await apply({ kind: 'email', value: email }, parent);
    assert.equal(done.status, 303, done.body.slice(0, 500));
    const application = await db()('binding_applications').where({ student_identity_id: student.identityId }).first();
    // After the application was sent, someone starts a registration with the parent's address (and mobile).
    const waiting = await registerWaiting(email, parent.mobile);

    const approved = await approveAsTeacher(application.id);
    assert.equal(approved.status, 303, /<main>([\s\S]*)<\/main>/.exec(approved.body)?.[1]?.slice(0, 1500));
    assert.equal((await db()('binding_applications').where({ id: application.id }).first()).status, 'approved');
    const account = await db()('persons').whereRaw('lower(email) = ?', [email]).whereNot({ status: 'pending' });
    assert.equal(account.length, 1, 'one account holds the address');
    assert.equal(account[0].status, 'active');
    assert.equal(account[0].email_verified, true, 'proved by the code');
    assert.equal(account[0].name, parent.name);
    assert.equal(account[0].mobile, null, 'the mobile was typed, not proved');
    const link = await db()('guardian_links').where({ application_id: application.id }).first();
    assert.equal(link.parent_person_id, account[0].id);
    // The parent is told, with the link to choose a password, at the address they proved.
    const mail = await lastMessage(email, 'binding_approved');
    assert.match(mail.text_body, /\/password\/reset\?token=/);

    await registrantGetsNothing(waiting, email, true);
  });

  it('a waiting registration made before the application does not stop a parent who proves the address at step 4', async () => {
    const email = `dad-${tag()}@example.test`;
    const waiting = await registerWaiting(email, '02-27535316');
    const parent = { nationalId: randomNationalId(), name: '陳志明', email, mobile: '' };
    const { done, student } = await apply({ kind: 'email', value: email }, parent);
    assert.equal(done.status, 303, /<main>([\s\S]*)<\/main>/.exec(done.body)?.[1]?.slice(0, 1500));
    const application = await db()('binding_applications').where({ student_identity_id: student.identityId }).first();
    assert.equal((await approveAsTeacher(application.id)).status, 303);
    assert.equal((await db()('binding_applications').where({ id: application.id }).first()).status, 'approved');
    await registrantGetsNothing(waiting, email, true);
  });

  it('the address was typed, the mobile proved: approved all the same; the address is the account’s but unverified, so a reset never goes to it', async () => {
    const email = `gran-${tag()}@example.test`;
    const mobile = randomMobile();
    const parent = { nationalId: randomNationalId(), name: '張秀英', email, mobile };
    const { done, student } = await apply({ kind: 'mobile', value: mobile }, parent);
    assert.equal(done.status, 303, done.body.slice(0, 500));
    const application = await db()('binding_applications').where({ student_identity_id: student.identityId }).first();
    const waiting = await registerWaiting(email, mobile);

    assert.equal((await approveAsTeacher(application.id)).status, 303);
    assert.equal((await db()('binding_applications').where({ id: application.id }).first()).status, 'approved');
    const [account] = await db()('persons').whereRaw('lower(email) = ?', [email]).whereNot({ status: 'pending' });
    assert.equal(account.email_verified, false, 'typed, never proved');
    assert.equal(account.mobile, mobile, 'the proved mobile is the account’s login');
    assert.equal(account.mobile_verified, true);
    assert.ok(await lastMessage(mobile, 'binding_approved'), 'told by text, where the code went');

    await registrantGetsNothing(waiting, email, false);
  });

  it('a waiting registration made before the application of an address the parent did not prove is still refused at step 4', async () => {
    const email = `uncle-${tag()}@example.test`;
    await registerWaiting(email, '02-27535316');
    const mobile = randomMobile();
    const parent = { nationalId: randomNationalId(), name: '黃建國', email, mobile };
    const { done, student } = await apply({ kind: 'mobile', value: mobile }, parent);
    assert.equal(done.status, 409);
    assert.ok(done.body.includes(html(zh('binding.parent.errors.emailPending'))));
    assert.match(done.body, /id="email-error"/);
    assert.equal(
      await db()('binding_applications').where({ student_identity_id: student.identityId }).first(),
      undefined,
    );
  });
});
