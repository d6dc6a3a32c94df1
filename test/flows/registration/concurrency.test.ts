// Registration's step 2 sent many times at once (the integrity audit's races): one browser's submissions make one
// account, one identity, one activation mail and one audit entry, and every answer leads to the last page; a submission
// that fails keeps the draft, so the person corrects it and sends it again; a registration from an upstream account sent
// from two browsers at once links the upstream account once and answers the other "linked to another account".
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { activateAccount } from '../../../src/domain/enrolment/activation.ts';
import { issueActivationToken } from '../../../src/domain/enrolment/activation-tokens.ts';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { insertPerson } from '../../../src/domain/people/persons.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { REGISTRATION } from '../../../src/platform/limits.ts';
import { isUniqueViolation } from '../../../src/platform/storage/pg-errors.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { REGISTRATION_PASSWORD, REGISTRATION_SCHOOL, registrationForm } from '../../helpers/registration.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SCHOOL = REGISTRATION_SCHOOL;
const PASSWORD = REGISTRATION_PASSWORD;
const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
const tag = () => crypto.randomBytes(4).toString('hex');

describe(`registration's step 2 sent at the same moment (${storageMode})`, () => {
  let server: TestServer;
  const db = () => server.storage.db;
  const url = (path: string) => `${server.issuer}${path}`;
  const resetLimits = () =>
    Promise.all(
      LOOPBACK.flatMap((a) => Object.values(REGISTRATION).map((limit) => server.services.throttle.reset(limit, a))),
    );

  before(async () => {
    server = await startTestServer();
    await resetLimits();
  });
  after(async () => {
    if (server) await resetLimits();
    await server?.close();
  });

  const form = (overrides: Record<string, string> = {}) => registrationForm(`race-${tag()}`, overrides);

  const post = (agent: Agent, path: string, fields: Record<string, string>) =>
    agent.request(url(path), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  /** Step 1 passed; returns step 2's page. */
  async function step2(agent: Agent, fields: Record<string, string>): Promise<Step> {
    const page = await agent.request(url('/register'));
    const res = await post(agent, '/register', {
      _csrf: hiddenField(page.body, '_csrf'),
      ...(await challengeFields(server.issuer)),
      ...fields,
    });
    assert.equal(res.status, 303, 'step 1 passes');
    return agent.request(url('/register/confirm'));
  }

  const sendAtOnce = (agent: Agent, page: Step, n: number) =>
    Promise.all(
      Array.from({ length: n }, () => post(agent, '/register/confirm', { _csrf: hiddenField(page.body, '_csrf') })),
    );

  it('twenty submissions at once: one account, one identity, one mail, one audit entry; every answer ends on the last page', async () => {
    const agent = new Agent();
    const fields = form();
    const email = fields.email.toLowerCase();
    const page = await step2(agent, fields);
    const answers = await sendAtOnce(agent, page, 20);
    for (const a of answers) assert.deepEqual([a.status, a.location], [303, url('/register/done')]);
    const persons = await db()('persons').whereRaw('lower(email) = ?', [email]).pluck('id');
    assert.equal(persons.length, 1, 'one account');
    assert.equal((await db()('identities').whereIn('person_id', persons)).length, 1, 'one identity');
    assert.equal(
      (await db()('outbox_messages').where({ recipient: email, kind: 'registration_activation' })).length,
      1,
      'one activation mail',
    );
    assert.equal(
      (await db()('audit_events').whereIn('subject', persons).where({ action: 'person.registered' })).length,
      1,
      'one audit entry',
    );
    // Whichever answer the browser shows, the last page says where the mail went.
    const done = await agent.follow(answers.at(-1)!.location!);
    assert.equal(done.status, 200);
    assert.ok(done.body.includes(html(zh('registration.step3.sentTo', { email }))));
    // Sent again later (Back, then the button): the last page again, nothing more made.
    const again = await post(agent, '/register/confirm', { _csrf: hiddenField(page.body, '_csrf') });
    assert.equal(again.location, url('/register/done'));
    assert.equal((await db()('persons').whereRaw('lower(email) = ?', [email])).length, 1);
  });

  it('a registration that fails keeps the draft: every answer leads back to the form, which registers once corrected', async () => {
    const agent = new Agent();
    const fields = form();
    const page = await step2(agent, fields);
    // The address is taken by an account between step 1 and step 2.
    await insertPerson(db(), { email: fields.email, emailVerified: true, name: '別人', passwordHash: 'x' });
    const answers = await sendAtOnce(agent, page, 5);
    const refused = answers.filter((a) => a.status !== 303);
    assert.equal(refused.length, 1, 'one submission was refused, with the form');
    assert.match(refused[0]!.body, /id="email-error"/);
    for (const a of answers.filter((x) => x.status === 303)) {
      // Sent while the first was being registered: answered with its outcome, the form again.
      assert.equal(a.location, url('/register'));
      const followed = await agent.follow(a.location!);
      assert.equal(followed.url, url('/register'), `${a.location} → ${followed.url}`);
      assert.equal(/<input id="name"[^>]*? value="([^"]*)"/.exec(followed.body)?.[1], fields.name);
    }
    assert.equal(
      (await db()('persons').whereRaw('lower(email) = ?', [fields.email]).whereNot({ name: '別人' })).length,
      0,
    );
    // The draft is there: corrected, it goes through (the password kept, the national ID too).
    const corrected = { ...fields, email: `reg-race-${tag()}@example.org` };
    const again = await step2(agent, corrected);
    const sent = await sendAtOnce(agent, again, 3);
    for (const a of sent) assert.deepEqual([a.status, a.location], [303, url('/register/done')]);
    assert.equal((await db()('persons').whereRaw('lower(email) = ?', [corrected.email])).length, 1);
  });

  it('one upstream account, registered from two browsers at once: linked once, the other told it is taken (no error)', async () => {
    const federated = {
      provider: `race-up-${tag()}`,
      subject: `sub-${tag()}`,
      emailVerified: false,
      providerName: '競賽 OpenID',
    };
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        server.services.enrolment.register({
          schoolCode: SCHOOL,
          kind: 'teacher',
          email: `reg-fed-${tag()}@example.org`,
          name: '陳愛麗',
          nationalId: randomNationalId(),
          password: PASSWORD,
          locale: 'zh-TW',
          federated: { ...federated, email: undefined },
        }),
      ),
    );
    assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
    assert.equal(results.filter((r) => !r.ok && 'linkTaken' in r).length, 4, JSON.stringify(results));
    const links = await db()('federated_links').where({ provider: federated.provider, subject: federated.subject });
    assert.equal(links.length, 1);
  });

  it('activating a registration while another account takes its address: one holds it, the other is told, never a 500', async () => {
    let activated = 0;
    let changed = 0;
    const passwordHash = await hashPassword(REGISTRATION_PASSWORD, 4);
    const { passwords, throttle } = server.services;
    for (let round = 0; round < 12; round++) {
      const address = `contested-${tag()}@example.org`;
      const pending = await insertPerson(db(), {
        email: address,
        name: '等待中',
        passwordHash,
        status: 'pending',
      });
      const token = await issueActivationToken(db(), pending.id);
      const other = await insertPerson(db(), { email: `taker-${tag()}@example.org`, name: '別人', passwordHash: 'x' });
      const [activation, change] = await Promise.allSettled([
        activateAccount(db(), { issuer: server.issuer, passwords, throttle }, token, REGISTRATION_PASSWORD),
        server.services.people.setContact(other.id, 'email', address),
      ]);
      assert.equal(
        activation.status,
        'fulfilled',
        `round ${round}: ${String((activation as PromiseRejectedResult).reason)}`,
      );
      const outcome = (activation as PromiseFulfilledResult<{ ok: boolean; reason?: string }>).value;
      if (change.status === 'rejected') assert.ok(isUniqueViolation(change.reason), String(change.reason));
      // Exactly one holds the address: the activated registration, or the account that took it (then 'taken').
      const holders = await db()('persons').where({ email: address }).whereNot({ status: 'pending' });
      assert.equal(holders.length, 1, `round ${round}`);
      if (outcome.ok) {
        assert.equal(change.status, 'rejected');
        activated++;
      } else {
        assert.equal(outcome.reason, 'taken');
        assert.equal(holders[0].id, other.id);
        changed++;
      }
    }
    assert.equal(activated + changed, 12);
  });
});
