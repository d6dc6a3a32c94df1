// 維護資料 over HTTP (issue 14, item 4): the roster searched by part with national IDs masked, the whole number shown
// only on request and audited, a row edited with the import's checks (values kept on an error, a reason required,
// who/what/why audited), a person marked as left — and publishing then carrying the change to the slips; another
// school's administrator sees nothing; forms need their CSRF token.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { maskNationalId } from '../../../src/domain/people/national-id.ts';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import {
  CLASS_HEADERS,
  importRoster,
  PARENT_HEADERS,
  STAFF_HEADERS,
  STUDENT_HEADERS,
  setSemester,
  signInOffice,
  xlsx,
} from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const html = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const FORM = 'application/x-www-form-urlencoded';
const code = () => `5${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const SCHOOL = code();
let OTHER = code();
while (OTHER === SCHOOL) OTHER = code();

describe(`maintaining the roster (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let agent: Agent;
  let adminId: string;
  const ids = { wang: randomNationalId(), hua: randomNationalId(), mei: randomNationalId(), bo: randomNationalId() };
  const term = () => ({ schoolCode: SCHOOL, academicYear: 115, semester: 1, endsOn: '2027-01-20' });

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, {
      code: SCHOOL,
      name: `私立維護高職${SCHOOL}`,
      level: 'vocational',
      kind: 'private',
    });
    await upsertSchool(server.storage.db, {
      code: OTHER,
      name: `私立別校${OTHER}`,
      level: 'vocational',
      kind: 'private',
    });
    const admin = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'maintain');
    adminId = admin.personId;
    agent = new Agent();
    await signInOffice(base, agent, admin.email);
    await setSemester(server, SCHOOL, admin.personId);
    await importRoster(
      base,
      agent,
      SCHOOL,
      'classes-teachers',
      await xlsx({
        班級: [CLASS_HEADERS, ['701', '7年1班', 7, 'T001'], ['702', '7年2班', 7, '']],
        教師: [STAFF_HEADERS, ['T001', '王大明', ids.wang, '教師', '導師', '']],
      }),
    );
    await importRoster(
      base,
      agent,
      SCHOOL,
      'students-parents',
      await xlsx({
        學生: [
          STUDENT_HEADERS,
          ['1130001', '王小華', ids.hua, '701', 1, '102/05/12', '女'],
          ['1130002', '林小美', ids.mei, '701', 2, '102/01/31', '女'],
          ['1130003', '陳小博', ids.bo, '702', 1, '102/09/01', '男'],
        ],
        家長: [PARENT_HEADERS, ['1130001', '王爸爸', '父親', '0912345678', '']],
      }),
    );
    await server.services.schoolOffice.publisher.publish(term(), adminId);
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;
  const page = (path: string) => agent.request(`${base}/school/${SCHOOL}${path}`);
  const post = async (path: string, fields: Record<string, string>, from?: Step): Promise<Step> => {
    const form = from ?? (await page(path.replace(/\/(leave|reveal)$/, '')));
    return agent.request(`${base}/school/${SCHOOL}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(form.body, '_csrf'), ...fields }).toString(),
    });
  };
  const student = (no: string) =>
    db()('roster_students').where({ school_code: SCHOOL, academic_year: 115, semester: 1, student_no: no }).first();
  const keys = (body: string) => [...body.matchAll(/<tr data-key="([^"]+)">/g)].map((m) => m[1]);

  it('searches each part by number, name or class; national IDs masked', async () => {
    const all = await page('/roster?part=students');
    assert.equal(all.status, 200);
    assert.deepEqual(keys(all.body), ['1130001', '1130002', '1130003']);
    assert.ok(all.body.includes(maskNationalId(ids.hua)));
    assert.ok(!all.body.includes(ids.hua), 'never the whole number in the list');
    assert.deepEqual(keys((await page('/roster?part=students&q=702')).body), ['1130003']);
    assert.deepEqual(keys((await page(`/roster?part=students&q=${encodeURIComponent('林')}`)).body), ['1130002']);
    assert.deepEqual(keys((await page('/roster?part=classes')).body), ['701', '702']);
    // A parent's row is named by the student number and a keyed digest of the mobile, never the number itself.
    const parentKey = `1130001~${server.storage.keyring.blindIndex('roster-row', '0912345678').slice(0, 16)}`;
    const parents = await page('/roster?part=parents');
    assert.deepEqual(keys(parents.body), [parentKey]);
    assert.ok(!parents.body.includes('/roster/parents/1130001~0912345678'), 'no mobile number in a link');
    const none = await page(`/roster?part=staff&q=${encodeURIComponent('%_\\')}`);
    assert.ok(none.body.includes('id="roster-none"'), 'wildcards are plain characters');
    assert.equal((await page('/roster?part=nonsense')).status, 200, 'an unknown part falls back to the students');
  });

  it('edits a student with the import’s checks, keeps the values on an error, needs a reason, and audits it', async () => {
    const form = await page('/roster/students/1130002');
    assert.equal(form.status, 200);
    assert.ok(form.body.includes('value="102/01/31"'), 'the birth date in the ROC calendar');
    const fields = { name: '林小美', class_code: '702', seat: '1', birthdate: '102/01/31', gender: 'female' };
    const taken = await post('/roster/students/1130002', { ...fields, reason: '轉班' }, form);
    assert.equal(taken.status, 400);
    assert.ok(taken.body.includes(html(zh('school.roster.errors.seatTaken', { code: '702' }))));
    assert.match(taken.body, /<input id="class_code"[^>]*value="702"/, 'the typed class is kept');
    const noReason = await post('/roster/students/1130002', { ...fields, seat: '2', birthdate: '102/02/30' }, taken);
    assert.equal(noReason.status, 400);
    assert.ok(noReason.body.includes(html(zh('school.roster.errors.reason'))));
    assert.ok(noReason.body.includes(html(zh('school.import.errors.birthDate'))));
    assert.equal((await student('1130002')).class_code, '701', 'nothing saved');
    // 30 February written the western way, with a reason: refused with the message, not a 500.
    const western = await post(
      '/roster/students/1130002',
      { ...fields, birthdate: '2013-02-30', reason: '更正' },
      taken,
    );
    assert.equal(western.status, 400);
    assert.ok(western.body.includes(html(zh('school.import.errors.birthDate'))));
    assert.match(western.body, /<input id="birthdate"[^>]*value="2013-02-30"/, 'the typed date is kept');

    const saved = await post('/roster/students/1130002', { ...fields, seat: '2', reason: '轉班' }, noReason);
    assert.equal(saved.status, 303);
    assert.equal(saved.location, `${base}/school/${SCHOOL}/roster?part=students&saved=1`);
    const row = await student('1130002');
    assert.deepEqual([row.class_code, row.seat], ['702', 2]);
    const audit = await db()('audit_events').where({ subject: SCHOOL, action: 'school.roster_edited' });
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor, adminId);
    assert.deepEqual(audit[0].detail.fields, ['class_code'], 'only what changed (the seat number stays 2)');
    assert.equal(audit[0].detail.reason, '轉班');

    // Publishing carries the move to the slip.
    const counts = await server.services.schoolOffice.publisher.publish(term(), adminId);
    assert.equal(counts.updated, 1);
    const slip = await db()('roster_credentials').where({ school_code: SCHOOL, account: 's1130002' }).first();
    assert.deepEqual([slip.class_code, slip.seat], ['702', 2]);
  });

  it('shows the whole national ID only on request, and audits it', async () => {
    const form = await page('/roster/students/1130001');
    assert.ok(!form.body.includes(ids.hua));
    assert.ok(form.body.includes(maskNationalId(ids.hua)));
    const shown = await post('/roster/students/1130001/reveal', {}, form);
    assert.equal(shown.status, 200);
    assert.ok(shown.body.includes(`<span id="revealed-id">${ids.hua}</span>`));
    const audit = await db()('audit_events').where({ subject: SCHOOL, action: 'school.national_id_revealed' });
    assert.deepEqual(
      audit.map((a) => [a.actor, a.detail.part, a.detail.key]),
      [[adminId, 'students', '1130001']],
    );
    assert.ok(!JSON.stringify(audit).includes(ids.hua), 'the audit names the row, not the number');
  });

  it('marks a student as left with a reason; publishing withdraws the unused slip', async () => {
    const noReason = await post('/roster/students/1130003/leave', { reason: ' ' });
    assert.equal(noReason.status, 400);
    assert.ok(noReason.body.includes('id="leave-reason-error"'));
    const left = await post('/roster/students/1130003/leave', { reason: '轉學' });
    assert.equal(left.status, 303);
    assert.equal((await student('1130003')).status, 'leaving');
    const again = await post('/roster/students/1130003/leave', { reason: '轉學' });
    assert.equal(again.status, 404, 'only someone still on the roster leaves');
    const audit = await db()('audit_events').where({ subject: SCHOOL, action: 'school.roster_left' }).first();
    assert.equal(audit.detail.reason, '轉學');
    const counts = await server.services.schoolOffice.publisher.publish(term(), adminId);
    assert.equal(counts.withdrawn, 1);
  });

  it('answers 404 for a row or part that is not there, 403 without the CSRF token; another school sees nothing', async () => {
    assert.equal((await page('/roster/students/9999999')).status, 404);
    assert.equal((await page('/roster/teachers/T001')).status, 404);
    assert.equal((await page('/roster/parents/1130001')).status, 404);
    assert.equal((await page('/roster/parents/1130001~0912345678')).status, 404, 'the mobile number is not a key');
    const parentKey = `1130001~${server.storage.keyring.blindIndex('roster-row', '0912345678').slice(0, 16)}`;
    assert.equal((await page(`/roster/parents/${parentKey}`)).status, 200);
    // Read with its national ID revealed and edited: the audit names the row without the mobile number.
    const edited = await post(`/roster/parents/${parentKey}`, {
      name: '王大爸',
      relationship: 'father',
      reason: '更正姓名',
    });
    assert.equal(edited.status, 303, 'saved');
    const entries = await db()('audit_events').where({ subject: SCHOOL }).whereRaw("detail->>'part' = 'parents'");
    assert.ok(entries.length > 0, 'the edit is audited');
    for (const e of entries)
      assert.ok(!JSON.stringify(e.detail).includes('0912345678'), 'no mobile number in the audit');
    const forged = await agent.request(`${base}/school/${SCHOOL}/roster/staff/T001`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ name: 'x', kind: 'teacher', reason: 'x' }).toString(),
    });
    assert.equal(forged.status, 403);

    const outsider = await personWith(server, [{ schoolCode: OTHER, role: 'school_admin' }], 'outsider');
    const other = new Agent();
    await signInOffice(base, other, outsider.email);
    assert.equal((await other.request(`${base}/school/${SCHOOL}/roster?part=students`)).status, 404);
    assert.equal((await other.request(`${base}/school/${SCHOOL}/roster/students/1130001`)).status, 404);
    const theirs = await other.request(`${base}/school/${OTHER}/roster?part=students`);
    assert.equal(theirs.status, 200);
    assert.ok(theirs.body.includes(zh('school.import.problems.noSemester')));
  });
});
