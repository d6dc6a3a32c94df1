// 同步紀錄 over HTTP (the walk's findings): a school-affairs system calling with a wrong secret is in the log of the
// school it names — the route's school or the body's `school_code` — with the client id it gave, marked as not verified,
// so the school can see its system is set up wrong; anyone can send such calls, so they are coalesced (one per client id
// and school a minute, ids that are no client of ours at most 30 an hour a school); a page past the last shows the
// last, saying so, with the way back; a publish from the back office names the back office as who did it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SYNC_PAGE_SIZE } from '../../../src/domain/schools/sync-log.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registerClient } from '../../helpers/rp.ts';
import { apiSchool, newSchoolCode, signInOffice } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
/** Made-up client ids recorded an hour a school (limits.ts SYNC_LOG_REFUSALS.unknownPerSchool). */
const UNKNOWN_PER_HOUR = 30;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe(`the sync log (${storageMode})`, () => {
  let server: TestServer;
  const SCHOOL = newSchoolCode('5');
  let api: Awaited<ReturnType<typeof apiSchool>>;
  let agent: Agent;

  before(async () => {
    server = await startTestServer();
    api = await apiSchool(server, SCHOOL, `私立紀錄測試高職${SCHOOL}`);
    const admin = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'sync-log');
    agent = new Agent();
    await signInOffice(server.issuer, agent, admin.email);
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;
  const send = (path: string, auth: string, body?: unknown) =>
    fetch(`${server.issuer}${path}`, {
      method: path.startsWith('/api/sis') ? 'POST' : 'PUT',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  const refused = async (school: string) => {
    await server.services.background.idle();
    return db()('school_sync_log')
      .where({ school_code: school })
      .whereIn('code', [401, 429])
      .orderBy('id')
      .select('action', 'client_id', 'code', 'message');
  };
  /** The log page's rows: [action, app, code, message]. */
  const rows = (body: string) =>
    [
      ...body.matchAll(
        /<tr><td[^>]*>([^<]*)<\/td><td(?: class="sync-unverified")?[^>]*>([^<]*)<\/td><td[^>]*>(\d+)<\/td><td[^>]*>([^<]*)<\/td>/g,
      ),
    ].map((m) => [m[1], m[2], m[3], m[4]]);

  it('a call with a wrong secret is in the log of the school it names, with the client id it gave, not verified', async () => {
    const wrong = basic(api.client.id, 'not-the-secret');
    for (let i = 0; i < 3; i++)
      assert.equal((await send(`/api/schools/${SCHOOL}/roster/classes-teachers`, wrong)).status, 401);
    // A school-affairs call names its school in the body.
    const lookup = await send('/api/sis/lookup', basic('sis-typo', 'whatever'), {
      national_id: randomNationalId(),
      school_code: SCHOOL,
      role: 'student',
    });
    assert.equal(lookup.status, 401);
    assert.deepEqual(await refused(SCHOOL), [
      { action: 'roster.import', client_id: api.client.id, code: 401, message: 'invalid_client' },
      { action: 'sis.lookup', client_id: 'sis-typo', code: 401, message: 'invalid_client' },
    ]);

    const page = await agent.request(`${server.issuer}/school/${SCHOOL}/sync-log`);
    assert.equal(page.status, 200);
    const shown = rows(page.body);
    const unverified = (app: string) => html(zh('school.syncLog.unverified', { app }));
    assert.deepEqual(shown.slice(0, 2), [
      [
        zh('school.syncLog.actions.sis.lookup'),
        unverified('sis-typo'),
        '401',
        html(zh('school.syncLog.messages.invalid_client')),
      ],
      [
        zh('school.syncLog.actions.roster.import'),
        unverified(api.client.id),
        '401',
        html(zh('school.syncLog.messages.invalid_client')),
      ],
    ]);
    // The system set right again: its calls are its own, as before.
    assert.equal((await api.call('roster/publish?dry_run=true', 'POST')).status, 200);
    await server.services.background.idle();
    const again = rows((await agent.request(`${server.issuer}/school/${SCHOOL}/sync-log`)).body);
    assert.deepEqual(again[0], [
      zh('school.syncLog.actions.school.publish'),
      api.client.id,
      '200',
      zh('school.syncLog.messages.ok'),
    ]);
  });

  it('a refused call giving a real app’s id is shown with that id as given, never the app’s name', async () => {
    const school = newSchoolCode('5');
    await apiSchool(server, school, `私立冒名測試高職${school}`);
    const admin = await personWith(server, [{ schoolCode: school, role: 'school_admin' }], 'sync-log');
    const office = new Agent();
    await signInOffice(server.issuer, office, admin.email);
    const tag = crypto.randomBytes(3).toString('hex');
    const id = `named-app-${tag}`;
    const name = `示範應用程式 Demo app ${tag}`;
    await registerClient(server, { client_id: id, client_name: name }, `${id}-0123456789abcdef`);
    assert.equal((await send(`/api/schools/${school}/roster/courses`, basic(id, 'guessed'))).status, 401);
    await server.services.background.idle();
    const page = await office.request(`${server.issuer}/school/${school}/sync-log`);
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes(html(name)), 'the app’s name is not put in the school’s log');
    assert.deepEqual(
      rows(page.body).map((r) => r[1]),
      [html(zh('school.syncLog.unverified', { app: id }))],
    );
    // On a phone each row stacks its cells, each named by its column (views/school/sync-log.pug, table.stacked).
    assert.match(page.body, /<table class="stacked" id="sync-log">/);
    assert.match(page.body, new RegExp(`<td class="acct-nowrap" data-label="${zh('school.syncLog.time')}"`));
  });

  it('an unauthenticated caller cannot flood a school’s log: made-up client ids are capped an hour', async () => {
    const school = newSchoolCode('5');
    await apiSchool(server, school, `私立洪水測試高職${school}`);
    const tag = crypto.randomBytes(3).toString('hex');
    const sent = UNKNOWN_PER_HOUR + 10;
    for (let i = 0; i < sent; i++)
      assert.equal(
        (await send(`/api/schools/${school}/roster/courses`, basic(`made-up-${tag}-${i}`, 'x'))).status,
        401,
      );
    const logged = await refused(school);
    assert.equal(logged.length, UNKNOWN_PER_HOUR, `${logged.length} of ${sent} recorded`);
    // A malformed Authorization header is one more unknown caller: not recorded past the cap either.
    await send(`/api/schools/${school}/roster/courses`, 'Basic %%%');
    assert.equal((await refused(school)).length, UNKNOWN_PER_HOUR);
  });

  it('a page past the last shows the last page, says so, and leads back', async () => {
    const school = newSchoolCode('5');
    await apiSchool(server, school, `私立翻頁測試高職${school}`);
    const admin = await personWith(server, [{ schoolCode: school, role: 'school_admin' }], 'sync-pages');
    const office = new Agent();
    await signInOffice(server.issuer, office, admin.email);
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < SYNC_PAGE_SIZE + 10; i++)
      await server.services.schoolOffice.syncLog.record({
        at: new Date(start + i * 1000),
        schoolCode: school,
        action: 'sis.lookup',
        code: 200,
        message: 'ok',
      });
    const page = await office.request(`${server.issuer}/school/${school}/sync-log?page=99999999`);
    assert.equal(page.status, 200);
    assert.equal(rows(page.body).length, 10, 'the last page');
    assert.ok(
      page.body.includes(html(zh('school.syncLog.pastLast', { asked: 99999999, page: 2 }))),
      /id="sync-past-last"[^>]*>([^<]*)/.exec(page.body)?.[1],
    );
    assert.match(page.body, /<a href="\/school\/\d+\/sync-log\?page=1" rel="prev">/);
    assert.ok(!page.body.includes('rel="next"'));
    const filtered = await office.request(`${server.issuer}/school/${school}/sync-log?result=error&page=3`);
    assert.equal(filtered.status, 200);
    assert.ok(filtered.body.includes(html(zh('school.syncLog.pastLastEmpty', { asked: 3 }))));
    assert.ok(filtered.body.includes('id="sync-none"'));
  });

  it('a publish from the back office is the back office’s in the log', async () => {
    const publish = await agent.request(`${server.issuer}/school/${SCHOOL}/publish`);
    const answer = await agent.request(`${server.issuer}/school/${SCHOOL}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: hiddenField(publish.body, '_csrf') }).toString(),
    });
    assert.equal(answer.status, 303);
    const page = await agent.request(`${server.issuer}/school/${SCHOOL}/sync-log?action=school.publish`);
    assert.deepEqual(rows(page.body)[0]?.slice(0, 3), [
      zh('school.syncLog.actions.school.publish'),
      zh('school.syncLog.office'),
      '200',
    ]);
  });
});
