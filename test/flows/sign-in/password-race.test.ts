// A password sign-in racing a password change (reset, change, forced change), in every order the two can meet: the
// old password never comes back through a rehash, and no session signed in with it outlives the change
// (People.checkPassword, persons.ts saveNewPassword, findAccount, PersonAccess.sessionAlive). Each order is made
// deterministic: the sign-in is held at a step (its People method wrapped) or the domain steps are called in order.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcrypt';
import { hashPassword } from '../../../src/domain/people/passwords.ts';
import { findPersonById, insertPerson, type Person, saveNewPassword } from '../../../src/domain/people/persons.ts';
import type { People } from '../../../src/domain/people/service.ts';
import { signedInBefore } from '../../../src/oidc/internals.ts';
import { signInToAccount } from '../../helpers/account.ts';
import { Agent, formAction, hiddenField, type Step } from '../../helpers/agent.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const OLD = 'Old-Kettle-1987';
const NEW = 'New-Lantern-2031';
const seconds = (d: Date | null) => Math.floor(new Date(d!).getTime() / 1000);

describe(`a password sign-in racing a password change (${storageMode})`, () => {
  let server: TestServer;
  let people: People;
  before(async () => {
    server = await startTestServer();
    people = server.services.people;
  });
  after(async () => {
    await server.close();
  });

  /** A person of one's own with OLD, hashed at `cost` (another than BCRYPT_COST's 4: rehashed at sign-in). */
  async function person(cost = 4): Promise<Person> {
    const email = `race-${crypto.randomBytes(4).toString('hex')}@example.test`;
    return insertPerson(server.storage.db, {
      email,
      emailVerified: true,
      name: '測試',
      passwordHash: await hashPassword(OLD, cost),
    });
  }

  const stored = async (id: string) => (await findPersonById(server.storage.db, id))!;

  /** The reset flow's change: the new password, then the sign-out everywhere it queued, run by the same request. */
  async function reset(p: Person, password = NEW) {
    const signOut = await people.setPassword(p, password, {
      audit: { actor: p.id, action: 'password.reset', subject: p.id, detail: { via: 'email' } },
      signOut: { reason: 'password_reset' },
    });
    await server.services.personAccess.endPending(signOut);
    return signOut;
  }

  async function works(id: string, password: string) {
    return bcrypt.compare(password, (await stored(id)).password_hash!);
  }

  describe('the rehash of an old hash at sign-in', () => {
    it('rehashes a hash of another cost at a sign-in', async () => {
      const p = await person(5);
      const result = await people.checkPassword(p, OLD);
      assert.equal(result.ok, true);
      const now = await stored(p.id);
      assert.equal(bcrypt.getRounds(now.password_hash!), 4);
      assert.ok(await bcrypt.compare(OLD, now.password_hash!));
      assert.equal(String(now.password_changed_at), String(p.password_changed_at), 'a rehash is not a change');
    });

    it('leaves a password saved after the sign-in read the row: the old one does not come back', async () => {
      const p = await person(5);
      const read = await stored(p.id); // the sign-in's read
      assert.ok(await people.passwords.verify(OLD, read.password_hash!)); // … its compare
      await reset(p); // the change commits
      assert.equal(await people.rehash(read, OLD), false, 'the rehash step changes nothing');
      assert.ok(await works(p.id, NEW), 'the new password still works');
      assert.equal(await works(p.id, OLD), false, 'the old one does not');
    });

    it('refuses the whole sign-in that read the row before the change, and rehashes nothing', async () => {
      const p = await person(5);
      const read = await stored(p.id);
      await reset(p);
      const result = await people.checkPassword(read, OLD);
      assert.deepEqual(result, { ok: false, reason: 'bad_credentials', personId: p.id });
      assert.ok(await works(p.id, NEW));
      assert.equal(await works(p.id, OLD), false);
    });
  });

  describe('the sign-in time against the change time', () => {
    it('a sign-in whose check came before the change is older than it; one after it is not', async () => {
      const p = await person();
      const before = await people.checkPassword(p, OLD);
      assert.ok(before.ok);
      const { before: changedAt } = await reset(p);
      assert.equal(seconds(changedAt), seconds((await stored(p.id)).password_changed_at), 'the cut-off is the row’s');
      assert.ok(before.signedInAt < seconds(changedAt), 'in an earlier second than the change');
      assert.ok(signedInBefore({ loginTs: before.signedInAt }, changedAt), 'ended at its next use');
      const afterwards = await people.checkPassword(await stored(p.id), NEW);
      assert.ok(afterwards.ok);
      assert.equal(signedInBefore({ loginTs: afterwards.signedInAt }, changedAt), false, 'the new password’s stays');
    });

    it('a check made while a change holds the row waits for it and is refused', async () => {
      const p = await person();
      const read = await stored(p.id);
      const hash = await people.passwords.hash(NEW);
      const trx = await server.storage.db.transaction();
      let changedAt: Date;
      try {
        changedAt = await saveNewPassword(trx, p.id, hash); // held, not committed
        let settled = false;
        const check = people.checkPassword(read, OLD).finally(() => {
          settled = true;
        });
        await sleep(300);
        assert.equal(settled, false, 'the check waits for the change');
        await trx.commit();
        assert.deepEqual(await check, { ok: false, reason: 'bad_credentials', personId: p.id });
      } catch (err) {
        await trx.rollback();
        throw err;
      }
      assert.ok(seconds(changedAt) > seconds(p.password_changed_at ?? new Date(0)));
    });

    it('two changes in a row move the version on by a second or more', async () => {
      const p = await person();
      const first = (await reset(p)).before;
      const second = (await reset(await stored(p.id), 'Another-Lantern-2032')).before;
      assert.ok(seconds(second) > seconds(first));
    });
  });

  describe('over HTTP, the sign-in held at a step while the password is reset', () => {
    /** The sign-in page of the account portal, and a post of its form that does not follow the answer. */
    async function loginPage(agent: Agent) {
      const page = await agent.follow(`${server.issuer}/account/sign-in`);
      assert.match(page.body, /action="[^"]*\/login"/);
      return page;
    }
    const post = (agent: Agent, page: Step, login: string, password: string) =>
      agent.request(formAction(page.body, /\/login$/, page.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), login, password }).toString(),
      });

    /** Runs `during` while the next sign-in is held `where` (before or after its password check). */
    async function holding<T>(
      where: 'beforeCheck' | 'afterCheck',
      sign: () => Promise<T>,
      during: () => Promise<void>,
    ) {
      const original = people.checkPassword;
      let reached!: () => void;
      const atStep = new Promise<void>((r) => {
        reached = r;
      });
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      people.checkPassword = async function (this: People, ...args) {
        if (where === 'beforeCheck') {
          reached();
          await gate;
        }
        const result = await original.apply(this, args);
        if (where === 'afterCheck') {
          reached();
          await gate;
        }
        return result;
      };
      try {
        const signing = sign();
        await atStep;
        await during();
        release();
        return await signing;
      } finally {
        people.checkPassword = original;
      }
    }

    /** The person's sign-ins in the audit log, oldest first. */
    async function signIns(personId: string) {
      const rows: { action: string; detail: { reason?: string } }[] = await server.storage
        .db('audit_events')
        .where({ subject: personId })
        .whereLike('action', 'sign_in.%')
        .orderBy('id');
      return rows.map((r) => `${r.action}${r.detail.reason ? ` ${r.detail.reason}` : ''}`);
    }

    /** Where the browser ends up: the portal (200 at /account) or a sign-in page. */
    async function lands(agent: Agent, step: Step) {
      const end = step.location ? await agent.follow(step.location) : step;
      return { end, portal: (await agent.request(`${server.issuer}/account`)).status === 200 };
    }

    it('read before the reset, checked after it: refused as a wrong password', async () => {
      const p = await person();
      const agent = new Agent();
      const page = await loginPage(agent);
      const answer = await holding(
        'beforeCheck',
        () => post(agent, page, p.email!, OLD),
        () => reset(p).then(() => {}),
      );
      assert.equal(answer.status, 401);
      assert.equal((await lands(agent, answer)).portal, false);
      assert.deepEqual(await signIns(p.id), ['sign_in.failure bad_credentials'], 'audited as a wrong password');
    });

    it('checked before the reset, finished after it: the session is ended at the authorization', async () => {
      const p = await person();
      const agent = new Agent();
      const page = await loginPage(agent);
      const answer = await holding(
        'afterCheck',
        () => post(agent, page, p.email!, OLD),
        () => reset(p).then(() => {}),
      );
      assert.equal(answer.status, 303, 'the sign-in itself went through');
      assert.deepEqual(await signIns(p.id), ['sign_in.success'], 'audited once, with the check');
      const { end, portal } = await lands(agent, answer);
      assert.match(end.body, /action="[^"]*\/login"/, 'the sign-in page again');
      assert.equal(portal, false);
    });

    it('signed in to the portal before the reset but missed by its sign-out: ended at the next page', async () => {
      const p = await person();
      const agent = new Agent();
      assert.equal((await signInToAccount(server.issuer, agent, p.email!, OLD)).status, 200);
      // As if the device were recorded only after the sign-out looked for the person's sessions.
      await server.storage.db('person_sessions').where({ person_id: p.id }).delete();
      await reset(p);
      const next = await agent.request(`${server.issuer}/account`);
      assert.equal(next.status, 302);
      assert.match(next.location!, /\/account\/sign-in/);
    });

    it('keeps a sign-in with the new password right after the reset, and the old password fails', async () => {
      const p = await person();
      await reset(p);
      const fresh = new Agent();
      assert.equal((await signInToAccount(server.issuer, fresh, p.email!, NEW)).status, 200);
      assert.equal((await fresh.request(`${server.issuer}/account`)).status, 200);
      const stale = new Agent();
      const answer = await post(stale, await loginPage(stale), p.email!, OLD);
      assert.equal(answer.status, 401);
    });
  });
});
