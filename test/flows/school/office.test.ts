// The school back office over HTTP (issue 14, items 1–2): signing in through our own provider with a second factor,
// a school administrator's own school only, the bureau's every school, someone else not at all; the semester settings
// with their checks (ROC dates, start before end, the semester's part of the year, no overlap), saved as the school's
// current semester and audited.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registerClient } from '../../helpers/rp.ts';
import { signInOffice } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const FORM = 'application/x-www-form-urlencoded';
// Schools of this file's own: in the shared database of the PostgreSQL + Redis run, other files use the demo schools.
const codeOf = () => `9${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const SCHOOL = codeOf();
const OTHER = codeOf();

describe(`the school back office (${storageMode})`, () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, { code: SCHOOL, name: '測試國民中學', level: 'junior' });
    await upsertSchool(server.storage.db, { code: OTHER, name: '測試國民小學', level: 'elementary' });
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;

  const newPerson = (identities: { schoolCode?: string; role: 'school_admin' | 'bureau_admin' | 'teacher' }[]) =>
    personWith(server, identities, 'office');

  const signIn = (agent: Agent, email: string, path = '/school') => signInOffice(base, agent, email, path);

  const post = (agent: Agent, path: string, page: Step, fields: Record<string, string>) =>
    agent.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), ...fields }).toString(),
    });

  const fieldError = (body: string, id: string) => new RegExp(`id="${id}-error">([^<]*)<`).exec(body)?.[1];

  it('needs a sign-in with a second factor; a school administrator lands on their school', async () => {
    const anonymous = await new Agent().request(`${base}/school/${SCHOOL}/semester`);
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.location, `${base}/school/sign-in?return_to=%2Fschool%2F${SCHOOL}%2Fsemester`);

    const { personId, email } = await newPerson([{ schoolCode: SCHOOL, role: 'school_admin' }]);
    const agent = new Agent();
    const home = await signIn(agent, email);
    assert.equal(home.url, `${base}/school/${SCHOOL}`, 'one school: straight to it');
    assert.equal(home.status, 200);
    assert.ok(home.body.includes(html(zh('school.home.noCurrent'))) || home.body.includes('id="current-semester"'));
    assert.ok(home.body.includes(`href="/school/${SCHOOL}/semester"`));
    const audit = await db()('audit_events').where({ subject: personId, action: 'school.office_signed_in' });
    assert.equal(audit.length, 1);
    const totp = await db()('person_totp').where({ person_id: personId }).first();
    assert.ok(totp, 'the second factor is kept');

    // Signing out leaves the computer signed out: the next person at it meets the password, not the school's pages.
    const out = await post(agent, '/school/sign-out', home, {});
    assert.equal(out.status, 303);
    assert.equal(new URL(out.location!, base).pathname, '/session/end/success');
    assert.match((await agent.request(new URL(out.location!, base).href)).body, new RegExp(zh('logout.done')));
    const next = await agent.follow(`${base}/school/${SCHOOL}`);
    assert.match(next.url, /\/interaction\/[\w-]+$/, 'the sign-in page');
    assert.match(next.body, /name="password"/);
    const ended = await db()('audit_events').where({ subject: personId, action: 'session.signed_out' }).first();
    assert.equal(ended.detail.via, 'school');
  });

  it('sets the semester: every check with its message and the values kept, then saved as the current one', async () => {
    const { personId, email } = await newPerson([{ schoolCode: SCHOOL, role: 'school_admin' }]);
    const agent = new Agent();
    await signIn(agent, email);
    const path = `/school/${SCHOOL}/semester`;
    const page = await agent.request(`${base}${path}`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(html(zh('school.semester.title'))));

    const empty = await post(agent, path, page, { academic_year: '', semester: '', starts_on: '', ends_on: '' });
    assert.equal(empty.status, 400);
    assert.equal(fieldError(empty.body, 'academic_year'), html(zh('school.semester.errors.yearRequired')));
    assert.equal(fieldError(empty.body, 'semester'), html(zh('school.semester.errors.semesterRequired')));
    assert.equal(fieldError(empty.body, 'starts_on'), html(zh('school.semester.errors.dateRequired')));

    const badDate = await post(agent, path, page, {
      academic_year: '104',
      semester: '1',
      starts_on: '104/02/30',
      ends_on: '2016/01/30',
    });
    assert.equal(badDate.status, 400);
    assert.equal(fieldError(badDate.body, 'starts_on'), html(zh('school.semester.errors.dateInvalid')));
    assert.equal(fieldError(badDate.body, 'ends_on'), html(zh('school.semester.errors.dateInvalid')));
    assert.match(badDate.body, /id="starts_on"[^>]*value="104\/02\/30"/, 'what was typed stays');

    const backwards = await post(agent, path, page, {
      academic_year: '104',
      semester: '1',
      starts_on: '105/01/30',
      ends_on: '104/08/31',
    });
    assert.equal(fieldError(backwards.body, 'ends_on'), html(zh('school.semester.errors.endBeforeStart')));

    const wrongPart = await post(agent, path, page, {
      academic_year: '104',
      semester: '2',
      starts_on: '104/08/31',
      ends_on: '105/01/30',
    });
    assert.equal(
      fieldError(wrongPart.body, 'starts_on'),
      html(zh('school.semester.errors.outOfRange', { year: 104, semester: 2, from: '105/01/01', to: '105/08/31' })),
    );
    assert.equal(await db()('school_semesters').where({ school_code: SCHOOL, academic_year: 104 }).first(), undefined);

    const saved = await post(agent, path, page, {
      academic_year: '104',
      semester: '1',
      starts_on: '104/8/31',
      ends_on: '105/01/30',
    });
    assert.equal(saved.status, 303);
    assert.equal(saved.location, `${base}${path}?saved=1`);
    const after1 = await agent.request(saved.location!);
    assert.ok(after1.body.includes(html(zh('school.semester.saved'))));
    // The notice is said once: the language link leads to the page as it is now, not to "saved" again.
    const link = /<a class="lang" href="([^"]+)"/.exec(after1.body)?.[1]?.replaceAll('&amp;', '&');
    assert.equal(link, `${path}?lang=en`);
    const english = await agent.request(`${base}${link}`);
    assert.equal(english.status, 200);
    assert.ok(!english.body.includes(html(en('school.semester.saved'))), 'no saved notice in the other language');
    assert.match(english.body, /id="academic_year"[^>]*value="104"/, 'the semester as saved');
    await agent.request(`${base}${path}?lang=zh-TW`);
    assert.match(after1.body, /id="academic_year"[^>]*value="104"/);
    assert.match(after1.body, /104\/08\/31–105\/01\/30/);
    const row = await db()('school_semesters').where({ school_code: SCHOOL, academic_year: 104, semester: 1 }).first();
    assert.equal(row.starts_on, '2015-08-31');
    assert.equal(row.ends_on, '2016-01-30');
    assert.deepEqual(await db()('schools').where({ code: SCHOOL }).first('academic_year', 'semester'), {
      academic_year: 104,
      semester: 1,
    });

    // The second semester may not overlap the first.
    const overlap = await post(agent, path, after1, {
      academic_year: '104',
      semester: '2',
      starts_on: '105/01/20',
      ends_on: '105/06/30',
    });
    assert.equal(overlap.status, 400);
    assert.equal(
      fieldError(overlap.body, 'starts_on'),
      html(zh('school.semester.errors.overlap', { year: 104, semester: 1, from: '104/08/31', to: '105/01/30' })),
    );
    const second = await post(agent, path, after1, {
      academic_year: '104',
      semester: '2',
      starts_on: '105/02/01',
      ends_on: '105/06/30',
    });
    assert.equal(second.status, 303);
    const home = await agent.request(`${base}/school/${SCHOOL}`);
    assert.ok(
      home.body.includes(
        html(zh('school.home.current', { year: 104, semester: 2, from: '105/02/01', to: '105/06/30' })),
      ),
    );
    // Saving the first again (its dates corrected) makes it current again; it does not overlap itself.
    const again = await post(agent, path, after1, {
      academic_year: '104',
      semester: '1',
      starts_on: '104/09/01',
      ends_on: '105/01/30',
    });
    assert.equal(again.status, 303);
    const audit = await db()('audit_events').where({ actor: personId, action: 'school.semester_saved' });
    assert.equal(audit.length, 3);

    // Without the form's token: refused, nothing saved.
    const noCsrf = await agent.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'academic_year=120&semester=1&starts_on=120/08/30&ends_on=121/01/20',
    });
    assert.equal(noCsrf.status, 403);
    assert.equal(await db()('school_semesters').where({ school_code: SCHOOL, academic_year: 120 }).first(), undefined);
  });

  it('a school administrator cannot see or change another school; the bureau can open every school', async () => {
    const { email } = await newPerson([{ schoolCode: SCHOOL, role: 'school_admin' }]);
    const agent = new Agent();
    const home = await signIn(agent, email);
    for (const path of [`/school/${OTHER}`, `/school/${OTHER}/semester`, '/school/999999', '/school/abc/semester']) {
      const res = await agent.request(`${base}${path}`);
      assert.equal(res.status, 404, path);
    }
    const foreign = await post(agent, `/school/${OTHER}/semester`, home, {
      academic_year: '110',
      semester: '1',
      starts_on: '110/08/30',
      ends_on: '111/01/20',
    });
    assert.equal(foreign.status, 404);
    assert.equal(await db()('school_semesters').where({ school_code: OTHER, academic_year: 110 }).first(), undefined);

    const bureau = await newPerson([{ role: 'bureau_admin' }]);
    const bureauAgent = new Agent();
    const pick = await signIn(bureauAgent, bureau.email);
    assert.equal(pick.url, `${base}/school`);
    assert.ok(pick.body.includes(html(zh('school.pick.bureauIntro'))));
    assert.ok(pick.body.includes(`href="/school/${OTHER}"`));
    assert.ok(pick.body.includes(`href="/school/${SCHOOL}"`));
    const other = await bureauAgent.request(`${base}/school/${OTHER}/semester`);
    assert.equal(other.status, 200);
  });

  it("the sync log shows the school systems' API calls for that school only, filtered by action and result", async () => {
    const id = `sis-office-${crypto.randomBytes(3).toString('hex')}`;
    const secret = 'sis-office-secret-0123456789abcdefghij';
    await registerClient(server, { client_id: id, client_name: '示範校務系統', permissions: ['sis'] }, secret);
    const call = (path: string, body: Record<string, unknown>) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        },
        body: JSON.stringify(body),
      });
    const nationalId = randomNationalId();
    assert.equal(
      (await call('/api/sis/lookup', { national_id: nationalId, school_code: SCHOOL, role: 'teacher' })).status,
      200,
    );
    assert.equal((await call('/api/sis/lookup', { national_id: 'A1234', school_code: SCHOOL })).status, 400);
    assert.equal((await call('/api/sis/lookup', { national_id: nationalId, school_code: OTHER })).status, 200);
    assert.equal((await call('/api/sis/lookup', { national_id: nationalId })).status, 200, 'no school: no school log');
    // Recorded after the answer.
    await server.services.background.idle();

    const { email } = await newPerson([{ schoolCode: SCHOOL, role: 'school_admin' }]);
    const agent = new Agent();
    await signIn(agent, email);
    const log = await agent.request(`${base}/school/${SCHOOL}/sync-log`);
    assert.equal(log.status, 200);
    const rows = [
      ...log.body.matchAll(
        /<tr><td[^>]*>([^<]*)<\/td><td[^>]*>([^<]*)<\/td><td[^>]*>(\d+)<\/td><td[^>]*>([^<]*)<\/td>/g,
      ),
    ].filter((m) => m[2] === '示範校務系統');
    assert.deepEqual(
      rows.map((m) => [m[1], m[3], m[4]]),
      [
        [zh('school.syncLog.actions.sis.lookup'), '400', zh('school.syncLog.messages.invalid_request')],
        [zh('school.syncLog.actions.sis.lookup'), '200', zh('school.syncLog.messages.ok')],
      ],
      'newest first; the other school’s call and the call without a school are not here',
    );
    assert.ok(!log.body.includes(nationalId), 'no ID number in the log');
    const failed = await agent.request(`${base}/school/${SCHOOL}/sync-log?result=error&action=sis.lookup`);
    const failedRows = [
      ...failed.body.matchAll(/<tr><td[^>]*>[^<]*<\/td><td[^>]*>示範校務系統<\/td><td[^>]*>(\d+)</g),
    ].map((m) => m[1]);
    assert.deepEqual(failedRows, ['400']);
    const nonsense = await agent.request(`${base}/school/${SCHOOL}/sync-log?result=maybe&action=%3Cscript%3E&page=-4`);
    assert.equal(nonsense.status, 200, 'a filter that means nothing shows everything');
    const stored = await db()('school_sync_log').where({ client_id: id });
    assert.deepEqual(stored.map((r) => r.school_code).sort(), [OTHER, SCHOOL, SCHOOL].sort());
  });

  it('someone who is not an administrator is told so (403), with a way on', async () => {
    const { email } = await newPerson([{ schoolCode: SCHOOL, role: 'teacher' }]);
    const agent = new Agent();
    const page = await signIn(agent, email);
    assert.equal(page.status, 403);
    assert.ok(page.body.includes(html(zh('school.notAdmin.text'))));
    assert.ok(page.body.includes('href="/"'));
    const again = await agent.request(`${base}/school`);
    assert.equal(again.status, 303, 'no back-office session was opened');
  });

  it('a callback that is stale or cancelled gets its own page, and opens nothing (the account portal too)', async () => {
    const agent = new Agent();
    const stale = await agent.request(`${base}/school/callback?code=x&state=y`);
    assert.equal(stale.status, 400);
    assert.ok(stale.body.includes(html(zh('school.signIn.expired'))));
    // Cancelled at the provider: the state is right, the answer is an error.
    const started = await agent.request(`${base}/school/sign-in`);
    assert.equal(started.status, 302);
    const state = new URL(started.location!).searchParams.get('state')!;
    const cancelled = await agent.request(
      `${base}/school/callback?${new URLSearchParams({ error: 'access_denied', state, iss: base })}`,
    );
    assert.equal(cancelled.status, 400);
    assert.ok(cancelled.body.includes(html(zh('school.signIn.cancelled'))));
    assert.equal((await agent.request(`${base}/school`)).status, 303, 'still signed out');
    const portal = await new Agent().request(`${base}/account/callback?code=x&state=y`);
    assert.equal(portal.status, 400);
    assert.ok(portal.body.includes(html(zh('account.signIn.expired'))));
    // Both ways on, as in the back office: sign in again, or home.
    assert.ok(portal.body.includes('href="/account/sign-in"') && portal.body.includes('href="/"'));
    const portalAgent = new Agent();
    const portalStart = await portalAgent.request(`${base}/account/sign-in`);
    const portalState = new URL(portalStart.location!).searchParams.get('state')!;
    const portalCancelled = await portalAgent.request(
      `${base}/account/callback?${new URLSearchParams({ error: 'access_denied', state: portalState, iss: base })}`,
    );
    assert.equal(portalCancelled.status, 400);
    assert.ok(portalCancelled.body.includes(html(zh('account.signIn.cancelled'))));
  });

  it('reads the semester typed with full-width digits (a Chinese input method) as the digits meant', async () => {
    const { email } = await newPerson([{ schoolCode: SCHOOL, role: 'school_admin' }]);
    const agent = new Agent();
    await signIn(agent, email);
    const path = `/school/${SCHOOL}/semester`;
    const page = await agent.request(`${base}${path}`);
    const saved = await post(agent, path, page, {
      academic_year: '１２０',
      semester: '１',
      starts_on: '１２０／０８／３０',
      ends_on: '１２１／０１／２０',
    });
    assert.equal(saved.status, 303, fieldError(saved.body, 'academic_year') ?? '');
    const row = await db()('school_semesters').where({ school_code: SCHOOL, academic_year: 120, semester: 1 }).first();
    assert.deepEqual([row?.starts_on, row?.ends_on], ['2031-08-30', '2032-01-20']);
  });
});
