// The bureau console and the school back office ask for the password and the second factor again once the sign-in
// they opened with is older than their own session (an hour): max_age, and the ID token's auth_time checked (security
// review, MEDIUM: with "remember me" the second factor was asked once per 14-day provider session, so a browser
// whose console cookie was gone opened /admin again with neither). Within the hour nothing is asked twice.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { ADMIN_SESSION_SECONDS } from '../../../src/flows/admin/session.ts';
import { OFFICE_SESSION_SECONDS } from '../../../src/flows/school/session.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith, textOf } from '../../helpers/account.ts';
import { signInAdmin } from '../../helpers/admin.ts';
import { Agent, formAction, hiddenField } from '../../helpers/agent.ts';
import { submitLogin } from '../../helpers/rp.ts';
import { signInOffice } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';
import { ageSignIns } from '../../helpers/sign-in-age.ts';

const zh = translator('zh-TW');
const SCHOOL = `9${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;

describe(`administrators' pages: a sign-in no older than their session (${storageMode})`, () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, { code: SCHOOL, name: '測試國民中學', level: 'junior' });
  });
  after(() => server.close());

  const cases = [
    {
      pages: '/admin',
      seconds: ADMIN_SESSION_SECONDS,
      who: () => personWith(server, [{ role: 'bureau_admin' as const }], 'bureau'),
      signIn: (agent: Agent, email: string, totp: { secret?: string }) =>
        signInAdmin(base, agent, email, '/admin', totp),
      landed: '/admin',
    },
    {
      pages: '/school',
      seconds: OFFICE_SESSION_SECONDS,
      who: () => personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' as const }], 'office'),
      signIn: (agent: Agent, email: string, totp: { secret?: string }) =>
        signInOffice(base, agent, email, '/school', totp),
      landed: `/school/${SCHOOL}`,
    },
  ];

  for (const c of cases) {
    it(`${c.pages}: within the hour its cookie gone opens it again; after it, the password and the code`, async () => {
      const admin = await c.who();
      const agent = new Agent();
      const totp: { secret?: string } = {};
      const home = await c.signIn(agent, admin.email, totp);
      assert.equal(home.status, 200, 'signed in with the password and the authenticator');
      const cookie = `${c.pages.slice(1)}_session`;
      assert.ok(agent.cookies.has(cookie));

      // Within the hour: the pages' cookie gone, the provider session opens them again without asking.
      agent.cookies.delete(cookie);
      const within = await agent.follow(`${base}${c.pages}`);
      assert.equal(within.status, 200);
      assert.ok(new URL(within.url).pathname.startsWith(c.landed), `back at the pages (${within.url})`);

      // An hour and more later (the provider session kept): our sign-in page, not the pages.
      await ageSignIns(server, admin.personId, c.seconds + 60);
      agent.cookies.delete(cookie);
      const later = await agent.follow(`${base}${c.pages}`);
      assert.match(later.url, /\/interaction\/[\w-]+$/, `our sign-in page, not the pages (${later.url})`);
      assert.match(later.body, /name="password"/, 'the password is asked');
      assert.equal(textOf(later.body, 'sign-in-again'), zh('login.again.password'), 'it says why');
      assert.match(later.body, new RegExp(`id="login"[^>]*value="${admin.email}"`), 'the account name filled in');

      // The password alone does not open them: the code is asked again (the earlier second factor does not count).
      const callback = `${base}${c.pages}/callback`;
      const code = await submitLogin(agent, later, admin.email, PERSON_PASSWORD, {}, callback);
      assert.match(code.url, /\/second-factor$/, `the second factor is asked (${code.url})`);
      assert.doesNotMatch(code.body, /id="totp-secret"/, 'the one set up, not a new one');
      // The next time step's code (the last one was used at the first sign-in, and a code is good once).
      const next = await generate({ secret: totp.secret!, epoch: (Math.floor(Date.now() / 30_000) + 1) * 30 });
      const back = await agent.submit(
        formAction(code.body, /\/second-factor$/, code.url),
        { _csrf: hiddenField(code.body, '_csrf'), code: next },
        callback,
      );
      assert.ok(back.location?.startsWith(callback), `back to the pages (${back.status} ${back.url})`);
      const opened = await agent.follow(back.location!);
      assert.equal(opened.status, 200);
      assert.ok(new URL(opened.url).pathname.startsWith(c.landed), `the pages open (${opened.url})`);
    });
  }

  it('a later sign-in with the password alone (the account pages asking again) drops the second factor: /admin asks the code', async () => {
    const admin = await cases[0]!.who();
    const agent = new Agent();
    await signInAdmin(base, agent, admin.email, '/admin', {});
    // The account pages ask for the sign-in again (prompt=login): the password, no second factor.
    const again = await agent.follow(`${base}/account/sign-in?return_to=%2Faccount&fresh=1`);
    assert.match(again.url, /\/interaction\/[\w-]+$/);
    const back = await submitLogin(agent, again, admin.email, PERSON_PASSWORD, {}, `${base}/account/callback`);
    assert.equal((await agent.follow(back.location!)).status, 200, 'the account pages');
    agent.cookies.delete('admin_session');
    const opened = await agent.follow(`${base}/admin`);
    assert.match(opened.url, /\/second-factor$/, `the code is asked again (${opened.url})`);
  });
});
