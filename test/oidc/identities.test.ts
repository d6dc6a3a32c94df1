import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { addIdentity } from '../../src/domain/identities/add-identity.ts';
import { hashPassword } from '../../src/domain/people/passwords.ts';
import { findPersonByLogin, insertPerson } from '../../src/domain/people/persons.ts';
import { Agent, formAction, hiddenField, type Step } from '../helpers/agent.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, submitLogin } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';
import { taipeiToday } from '../helpers/taipei.ts';

const SECRET = 'identities-test-secret-0123456789abcd';
type Identity = {
  id: string;
  role: string;
  school?: { code: string; name: string };
  class?: { code: string; name: string };
  seat?: number;
};

/** Radio values on the identity menu, with the checked one. */
function menu(page: Step) {
  const options = [...page.body.matchAll(/<input type="radio" name="identity" value="([^"]+)"( checked)?/g)];
  return { ids: options.map((m) => m[1]!), checked: options.find((m) => m[2])?.[1] };
}

async function choose(agent: Agent, page: Step, identity: string) {
  return agent.submit(
    formAction(page.body, /\/identity$/, page.url),
    { identity, _csrf: hiddenField(page.body, '_csrf') },
    CALLBACK,
  );
}

async function consentIfAsked(agent: Agent, step: Step) {
  if (step.location?.startsWith(CALLBACK) || !step.body.includes('/confirm')) return step;
  return agent.submit(
    formAction(step.body, /\/confirm$/, step.url),
    { _csrf: hiddenField(step.body, '_csrf') },
    CALLBACK,
  );
}

describe(`identities: the menu, claims and consent (${storageMode})`, () => {
  let server: TestServer;
  let teacher: { id: string; identities: Identity[] };

  before(async () => {
    server = await startTestServer();
    const db = server.storage.db;
    await registerClient(
      server,
      { client_id: 'id-first', first_party: true, grant_types: ['authorization_code', 'refresh_token'] },
      SECRET,
    );
    await registerClient(server, { client_id: 'id-second', first_party: true }, SECRET);
    await registerClient(
      server,
      { client_id: 'id-third', grant_types: ['authorization_code', 'refresh_token'] },
      SECRET,
    );
    await registerClient(server, { client_id: 'id-teachers', first_party: true, allowed_roles: ['teacher'] }, SECRET);
    await registerClient(
      server,
      {
        client_id: 'id-staffroom',
        first_party: true,
        grant_types: ['authorization_code', 'refresh_token'],
        allowed_roles: ['teacher', 'school_admin'],
      },
      SECRET,
    );
    await registerClient(
      server,
      {
        client_id: 'id-teachers-offline',
        first_party: true,
        grant_types: ['authorization_code', 'refresh_token'],
        allowed_roles: ['teacher'],
      },
      SECRET,
    );
    await registerClient(
      server,
      { client_id: 'id-bureau', first_party: true, allowed_roles: ['bureau_admin'] },
      SECRET,
    );
    await registerClient(
      server,
      { client_id: 'id-idno', first_party: true, may_request_idno: true, scope: 'openid profile identity idno' },
      SECRET,
    );
    const person = (await findPersonByLogin(db, 'teacher'))!;
    const rows = await db('identities').where({ person_id: person.id }).orderBy('created_at');
    teacher = { id: person.id, identities: rows.map((r) => ({ id: r.id, role: r.role })) };
  });
  after(() => server.close());

  async function start(
    clientId: string,
    agent: Agent,
    extra: Record<string, string> = {},
    login = 'teacher',
    password = 'Blue-Chalk-2026',
  ) {
    const conf = await discover(server.issuer, clientId, SECRET);
    const p = await pkce();
    const url = authorizationUrl(conf, p, { scope: 'openid profile identity identities children', ...extra });
    let step = await agent.follow(String(url), CALLBACK);
    if (step.body.includes('name="password"')) step = await submitLogin(agent, step, login, password);
    return { conf, p, step };
  }

  async function finish(conf: oidc.Configuration, p: Awaited<ReturnType<typeof pkce>>, step: Step) {
    assert.ok(step.location?.startsWith(CALLBACK), `expected a redirect to the client, got ${step.status}`);
    return oidc.authorizationCodeGrant(conf, new URL(step.location!), {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
  }

  it('shows the menu to a person with two identities and gives the chosen one to the client', async () => {
    const agent = new Agent();
    const { conf, p, step } = await start('id-first', agent);
    assert.match(step.body, /選擇登入身分/);
    const { ids } = menu(step);
    assert.deepEqual(ids.sort(), teacher.identities.map((i) => i.id).sort());
    assert.match(step.body, /王小美/, 'the parent identity lists the child');
    const parent = teacher.identities.find((i) => i.role === 'parent')!;
    const tokens = await finish(conf, p, await choose(agent, step, parent.id));
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.sub, teacher.id, 'sub is the person, whatever the identity');
    const identity = info.identity as Identity;
    assert.equal(identity.id, parent.id);
    assert.equal(identity.role, 'parent');
    assert.equal(identity.school?.code, '353601');
    assert.equal((info.identities as Identity[]).length, 2);
    assert.deepEqual(
      (info.children as { name: string }[]).map((c) => c.name),
      ['王小美'],
    );

    // A second relying party in the same browser: no password, but the menu again.
    const second = await start('id-second', agent);
    assert.doesNotMatch(second.step.body, /name="password"/);
    assert.match(second.step.body, /選擇登入身分/);
    assert.equal(menu(second.step).checked, undefined, 'without a remembered choice nothing is preselected');
    const teacherIdentity = teacher.identities.find((i) => i.role === 'teacher')!;
    const t2 = await finish(second.conf, second.p, await choose(agent, second.step, teacherIdentity.id));
    const info2 = await oidc.fetchUserInfo(second.conf, t2.access_token, t2.claims()!.sub);
    assert.equal((info2.identity as Identity).role, 'teacher');
    assert.equal((info2.identity as Identity).school?.name, '臺北市立示範國民中學');

    // Back at the first client in the same session: the grant carries its identity, no menu.
    const again = await start('id-first', agent);
    const t3 = await finish(again.conf, again.p, again.step);
    assert.equal(
      ((await oidc.fetchUserInfo(again.conf, t3.access_token, t3.claims()!.sub)).identity as Identity).role,
      'parent',
    );

    // prompt=select_account: the menu again, the remembered choice preselected; switch to teacher.
    const sw = await start('id-first', agent, { prompt: 'select_account' });
    assert.equal(menu(sw.step).checked, parent.id);
    const t4 = await finish(sw.conf, sw.p, await choose(agent, sw.step, teacherIdentity.id));
    assert.equal(
      ((await oidc.fetchUserInfo(sw.conf, t4.access_token, t4.claims()!.sub)).identity as Identity).role,
      'teacher',
    );

    // identity_hint preselects.
    const hinted = await start('id-first', agent, { prompt: 'select_account', identity_hint: `parent|${parent.id}` });
    assert.equal(menu(hinted.step).checked, parent.id);
    const byRole = await start('id-first', agent, { prompt: 'select_account', identity_hint: 'teacher' });
    assert.equal(menu(byRole.step).checked, teacherIdentity.id);
  });

  it('gives the time the password was typed as auth_time, not the time the identity was chosen', async () => {
    const agent = new Agent();
    const before = Math.floor(Date.now() / 1000);
    const { conf, p, step } = await start('id-first', agent, { max_age: '3600' });
    const typed = Math.floor(Date.now() / 1000);
    assert.match(step.body, /選擇登入身分/);
    await new Promise((r) => setTimeout(r, 2100)); // the person reads the menu for a while
    const chosenAt = Math.floor(Date.now() / 1000);
    const tokens = await finish(conf, p, await choose(agent, step, teacher.identities[0]!.id));
    const authTime = tokens.claims()!.auth_time!;
    assert.ok(authTime >= before && authTime <= typed, `auth_time ${authTime} is the password's (${before}…${typed})`);
    assert.ok(authTime < chosenAt, 'not the choice');
  });

  it('releases a verified mobile number in E.164, as OpenID Connect asks', async () => {
    const agent = new Agent();
    const { conf, p, step } = await start('id-first', agent, { scope: 'openid phone' });
    const tokens = await finish(conf, p, step);
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub);
    const stored = await server.storage.db('persons').where({ id: teacher.id }).first('mobile', 'mobile_verified');
    assert.match(stored.mobile, /^09\d{8}$/, 'kept in the national form');
    assert.equal(info.phone_number, `+886${stored.mobile.slice(1)}`);
    assert.equal(info.phone_number_verified, stored.mobile_verified);
  });

  it('shows the consent page after the menu when a first-party app asks for it (prompt=consent)', async () => {
    const agent = new Agent();
    const { conf, p, step } = await start('id-first', agent, { prompt: 'consent' });
    assert.match(step.body, /選擇登入身分/);
    const parent = teacher.identities.find((i) => i.role === 'parent')!;
    const chosen = await choose(agent, step, parent.id);
    assert.ok(!chosen.location?.startsWith(CALLBACK), 'not straight back to the app');
    assert.match(chosen.body, /\/confirm"/, 'the consent page');
    const tokens = await finish(conf, p, await consentIfAsked(agent, chosen));
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub);
    assert.equal((info.identity as Identity).id, parent.id, 'the identity chosen before consent');
  });

  it('goes from the password straight to the menu; the choice finishes the sign-in, or the menu comes back later', async () => {
    const parent = teacher.identities.find((i) => i.role === 'parent')!;
    const signInPage = async (agent: Agent) => {
      const conf = await discover(server.issuer, 'id-first', SECRET);
      const p = await pkce();
      const url = authorizationUrl(conf, p, { scope: 'openid profile identity' });
      const page = await agent.follow(String(url), CALLBACK);
      const action = formAction(page.body, /\/login$/, page.url);
      const uid = /\/interaction\/([^/]+)\/login$/.exec(new URL(action).pathname)![1]!;
      const posted = await agent.request(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          login: 'teacher',
          password: 'Blue-Chalk-2026',
          _csrf: hiddenField(page.body, '_csrf'),
        }).toString(),
      });
      return { conf, p, uid, posted };
    };

    const agent = new Agent();
    const { conf, p, uid, posted } = await signInPage(agent);
    assert.equal(posted.status, 200, 'the menu is the answer to the password, no detour');
    assert.match(posted.body, /選擇登入身分/);
    assert.deepEqual(menu(posted).ids.sort(), teacher.identities.map((i) => i.id).sort());
    assert.match(posted.body, new RegExp(`data-form-page="/interaction/${uid}"`), 'its address for Back and reload');
    const menuPage = `${server.issuer}/interaction/${uid}`;
    const stranger = await new Agent().request(menuPage);
    assert.equal(stranger.status, 400, 'only the browser that signed in sees it');
    // Reloaded (or come back to), the menu's address draws the same menu.
    const page = await agent.request(menuPage);
    assert.equal(page.status, 200);
    assert.match(page.body, /選擇登入身分/);
    assert.deepEqual(menu(page).ids.sort(), menu(posted).ids.sort());
    const refused = await choose(agent, page, crypto.randomUUID());
    assert.equal(refused.status, 400);
    assert.match(refused.body, /請從清單中選擇一個身分/);
    assert.match(
      refused.body,
      new RegExp(`class="lang" href="/interaction/${uid}\\?lang=en"`),
      'to the menu in English',
    );
    const tokens = await finish(conf, p, await choose(agent, refused, parent.id));
    assert.equal(tokens.claims()!.sub, teacher.id);
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, teacher.id);
    assert.equal((info.identity as Identity).id, parent.id);
    // The grant made with the choice carries it: the next authorization in this browser goes through, no menu.
    const again = await start('id-first', agent);
    const t2 = await finish(again.conf, again.p, again.step);
    assert.equal(((await oidc.fetchUserInfo(conf, t2.access_token, teacher.id)).identity as Identity).id, parent.id);

    // Back to the authorization before choosing (the resume address): the menu comes from there instead.
    const other = new Agent();
    const second = await signInPage(other);
    const resumed = await other.follow(`${server.issuer}/auth/${second.uid}`, CALLBACK);
    assert.match(resumed.body, /選擇登入身分/);
    const t3 = await finish(second.conf, second.p, await choose(other, resumed, parent.id));
    assert.equal(((await oidc.fetchUserInfo(conf, t3.access_token, teacher.id)).identity as Identity).id, parent.id);
  });

  it('keeps the chosen identity across refresh and consent for a third-party client', async () => {
    const agent = new Agent();
    const { conf, p, step } = await start('id-third', agent, {
      scope: 'openid identity offline_access',
      prompt: 'consent',
    });
    const parent = teacher.identities.find((i) => i.role === 'parent')!;
    const afterChoice = await choose(agent, step, parent.id);
    assert.match(afterChoice.body, /想使用您的資料/);
    assert.match(afterChoice.body, /您這次的身分（家長 · 臺北市立示範國民小學）/, 'the chosen identity, in words');
    const tokens = await finish(conf, p, await consentIfAsked(agent, afterChoice));
    const refreshed = await oidc.refreshTokenGrant(conf, tokens.refresh_token!);
    const info = await oidc.fetchUserInfo(conf, refreshed.access_token, tokens.claims()!.sub);
    assert.equal((info.identity as Identity).id, parent.id);
  });

  it('skips the menu when the client accepts exactly one of the identities', async () => {
    const agent = new Agent();
    const { conf, p, step } = await start('id-teachers', agent);
    const tokens = await finish(conf, p, step);
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub);
    assert.equal((info.identity as Identity).role, 'teacher');
    const student = await start('id-first', new Agent(), {}, 'student', 'Green-Frog-2026');
    const t2 = await finish(student.conf, student.p, student.step);
    const i2 = (await oidc.fetchUserInfo(student.conf, t2.access_token, t2.claims()!.sub)).identity as Identity;
    assert.deepEqual([i2.role, i2.class?.name, i2.seat], ['student', '7年1班', 7]);
  });

  it('tells a person when the client accepts none of their identities', async () => {
    const agent = new Agent();
    const { step } = await start('id-bureau', agent);
    assert.equal(step.status, 403);
    assert.match(step.body, /不開放給您的身分使用/);
    const back = await agent.submit(
      formAction(step.body, /\/abort$/, step.url),
      { _csrf: hiddenField(step.body, '_csrf') },
      CALLBACK,
    );
    assert.equal(new URL(back.location!).searchParams.get('error'), 'access_denied');
    // Asked without a page (prompt=none), signed in: refused, not "choose an identity" (there is none to choose).
    const silent = await start('id-bureau', agent, { prompt: 'none' });
    const answer = new URL(silent.step.location!);
    assert.equal(answer.searchParams.get('error'), 'access_denied');
    assert.equal(answer.searchParams.get('state'), silent.p.state);
  });

  it("refuses a tampered choice: someone else's identity, or one the client does not accept", async () => {
    const db = server.storage.db;
    const person = await insertPerson(db, {
      username: `multi-${crypto.randomBytes(3).toString('hex')}`,
      name: '多重身分',
      passwordHash: await hashPassword('Multi-2026!', 4),
    });
    await addIdentity(db, {
      personId: person.id,
      schoolCode: '353604',
      role: 'teacher',
      source: 'roster',
      actor: 'test',
    });
    await addIdentity(db, {
      personId: person.id,
      schoolCode: '353604',
      role: 'parent',
      source: 'roster',
      actor: 'test',
    });
    const staff = await addIdentity(db, {
      personId: person.id,
      schoolCode: '353604',
      role: 'staff',
      source: 'roster',
      actor: 'test',
    });
    await registerClient(
      server,
      { client_id: 'id-tp', first_party: true, allowed_roles: ['teacher', 'parent'] },
      SECRET,
    );
    const agent = new Agent();
    const { step } = await start('id-tp', agent, {}, person.username!, 'Multi-2026!');
    assert.equal(menu(step).ids.length, 2);
    const studentIdentity = (await db('identities').where({ role: 'student' }).first()).id;
    for (const bad of [studentIdentity, staff, 'not-a-uuid', '']) {
      const res = await choose(agent, step, bad);
      assert.equal(res.status, 400, bad);
      assert.match(res.body, /請從清單中選擇一個身分/);
    }
    assert.equal(await db('identity_choices').where({ person_id: person.id }).first(), undefined, 'nothing recorded');
    assert.equal(await db('grant_identities').where({ person_id: person.id }).first(), undefined, 'no grant either');
    const audited = await db('audit_events').where({ subject: person.id, action: 'identity.chosen' });
    assert.equal(audited.length, 0, 'and no audit row');
  });

  it('neither offers, accepts nor releases an identity that ended with a past semester', async () => {
    const db = server.storage.db;
    const person = await insertPerson(db, {
      username: `ended-${crypto.randomBytes(3).toString('hex')}`,
      name: '學期結束',
      passwordHash: await hashPassword('Ended-2026!', 4),
    });
    const current = await addIdentity(db, {
      personId: person.id,
      schoolCode: '353604',
      role: 'teacher',
      source: 'roster',
      actor: 'test',
    });
    const other = await addIdentity(db, {
      personId: person.id,
      schoolCode: '353604',
      role: 'parent',
      source: 'roster',
      actor: 'test',
    });
    const ended = await addIdentity(db, {
      personId: person.id,
      schoolCode: '353604',
      role: 'staff',
      source: 'roster',
      actor: 'test',
    });
    await db('identities')
      .where({ id: ended })
      .update({ ended_at: new Date(Date.now() - 86_400_000) });
    const agent = new Agent();
    const { conf, p, step } = await start('id-first', agent, {}, person.username!, 'Ended-2026!');
    assert.deepEqual(menu(step).ids.sort(), [current, other].sort(), 'the ended identity is not on the menu');
    const refused = await choose(agent, step, ended);
    assert.equal(refused.status, 400);
    const tokens = await finish(conf, p, await choose(agent, step, current));
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub);
    assert.equal((info.identity as Identity).id, current);
    const listed = (info.identities as Identity[]).map((i) => i.id);
    assert.ok(!listed.includes(ended), 'the ended identity is not released');
    assert.equal(listed.length, 2);
  });

  it('never swaps an ended chosen identity for another one, and an app open to roles the person no longer holds gets no tokens', async () => {
    const db = server.storage.db;
    const person = await insertPerson(db, {
      username: `swap-${crypto.randomBytes(3).toString('hex')}`,
      name: '換身分',
      passwordHash: await hashPassword('Swap-Chalk-2026!', 4),
    });
    const teaching = await addIdentity(db, {
      personId: person.id,
      schoolCode: '353604',
      role: 'teacher',
      source: 'roster',
      actor: 'test',
    });
    const admin = await addIdentity(db, {
      personId: person.id,
      schoolCode: '353604',
      role: 'school_admin',
      source: 'roster',
      actor: 'test',
    });
    const offline = { scope: 'openid identity offline_access', prompt: 'consent' };
    // An app open to teachers and school admins: the person signs in as the teacher.
    const agent = new Agent();
    const { conf, p, step } = await start('id-staffroom', agent, offline, person.username!, 'Swap-Chalk-2026!');
    const tokens = await finish(conf, p, await consentIfAsked(agent, await choose(agent, step, teaching)));
    // An app open to teachers only, in another browser: no menu (one accepted), the teacher.
    const other = new Agent();
    const t = await start('id-teachers-offline', other, offline, person.username!, 'Swap-Chalk-2026!');
    const teacherOnly = await finish(t.conf, t.p, await consentIfAsked(other, t.step));
    assert.equal(
      ((await oidc.fetchUserInfo(t.conf, teacherOnly.access_token, teacherOnly.claims()!.sub)).identity as Identity).id,
      teaching,
    );

    // The teaching identity ends (the roster's new semester).
    await db('identities')
      .where({ id: teaching })
      .update({ ended_at: new Date(Date.now() - 86_400_000) });
    const refreshed = await oidc.refreshTokenGrant(conf, tokens.refresh_token!);
    const info = await oidc.fetchUserInfo(conf, refreshed.access_token, tokens.claims()!.sub);
    assert.equal(info.identity, undefined, 'not the school_admin identity the person never chose for this app');
    // Back at the app, the person chooses again, and sees what they choose.
    const again = await start('id-staffroom', agent, {}, person.username!, 'Swap-Chalk-2026!');
    assert.match(again.step.body, /選擇登入身分/);
    assert.deepEqual(menu(again.step).ids, [admin]);

    // The teachers-only app: its refresh token gives nothing more (invalid_grant), its access token no userinfo.
    await assert.rejects(
      oidc.refreshTokenGrant(t.conf, teacherOnly.refresh_token!),
      (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
    );
    await assert.rejects(oidc.fetchUserInfo(t.conf, teacherOnly.access_token, teacherOnly.claims()!.sub));
  });

  it("counts every sign-in in the client's sign-ins per day and records its session and grant", async () => {
    const db = server.storage.db;
    const today = async () =>
      Number(
        (await db('client_sign_in_days').where({ client_id: 'id-second' }).andWhere('day', taipeiToday()).first())
          ?.count ?? 0,
      );
    await server.signIns.flush(); // what earlier tests counted
    const before = await today();
    const agent = new Agent();
    const first = await start('id-second', agent);
    await finish(first.conf, first.p, await choose(agent, first.step, teacher.identities[0]!.id));
    // The same browser again: single sign-on, the grant already carries the identity.
    const again = await start('id-second', agent);
    await finish(again.conf, again.p, again.step);
    // The activity is written after the answer, without holding the request up (the count within a second).
    for (let i = 0; i < 150 && (await today()) < before + 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await today(), before + 2);
    const grants = await db('person_grants').where({ person_id: teacher.id, client_id: 'id-second' });
    assert.ok(grants.length >= 1, 'the grant is recorded');
    assert.ok(await db('person_sessions').where({ person_id: teacher.id }).first(), 'the session is recorded');
  });

  it('releases the national ID only to an approved client, after explicit consent', async () => {
    const agent = new Agent();
    const { conf, p, step } = await start('id-idno', agent, { scope: 'openid profile identity idno' });
    const parent = teacher.identities.find((i) => i.role === 'parent')!;
    const consent = await choose(agent, step, parent.id);
    assert.match(consent.body, /身分證字號/, 'even a first-party client asks before releasing the ID number');
    const tokens = await finish(conf, p, await consentIfAsked(agent, consent));
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.idno, 'A123456789');

    const other = await discover(server.issuer, 'id-first', SECRET);
    const denied = await new Agent().request(String(authorizationUrl(other, await pkce(), { scope: 'openid idno' })));
    assert.equal(new URL(denied.location!).searchParams.get('error'), 'invalid_scope');
  });

  it('signs in with the mobile number or the email as well as the username', async () => {
    for (const login of ['0912345678', '0912-345-678', '+886912345678', 'TEACHER@demo.campus-sso.test']) {
      const { step } = await start('id-teachers', new Agent(), {}, login);
      assert.ok(step.location?.startsWith(CALLBACK), login);
    }
  });
});
