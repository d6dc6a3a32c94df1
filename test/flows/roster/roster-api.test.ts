// The JSON roster API over HTTP (issue 14, item 7): a school-affairs system with `roster` for its school sends the
// classes and teachers, then the students and parents; bad rows get the Excel path's error table (part, index, field,
// column, code, message) and nothing is written; a dry run only counts; publishing through the API; every call in the
// school's sync log; other schools, other clients and a school without a semester are refused.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registerClient } from '../../helpers/rp.ts';
import { setSemester } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const tag = () => crypto.randomBytes(4).toString('hex');
const code = () => `4${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const SCHOOL = code();
let BARE = code();
while (BARE === SCHOOL) BARE = code();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe(`the JSON roster API (${storageMode})`, () => {
  let server: TestServer;
  const sis = { id: `roster-api-${tag()}`, secret: `roster-api-secret-${tag()}-0123456789abcdef` };
  const stranger = { id: `roster-api-other-${tag()}`, secret: `roster-api-other-${tag()}-0123456789abcdef` };
  const ids = { wang: randomNationalId(), hua: randomNationalId(), mei: randomNationalId() };

  before(async () => {
    server = await startTestServer();
    const db = server.storage.db;
    await upsertSchool(db, { code: SCHOOL, name: `私立介接高職${SCHOOL}`, level: 'vocational', kind: 'private' });
    await upsertSchool(db, { code: BARE, name: `私立無學期高職${BARE}`, level: 'vocational', kind: 'private' });
    await registerClient(
      server,
      { client_id: sis.id, permissions: ['roster'], school_codes: [SCHOOL, BARE] },
      sis.secret,
    );
    await registerClient(
      server,
      { client_id: stranger.id, permissions: ['roster'], school_codes: [BARE] },
      stranger.secret,
    );
    const admin = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'api-admin');
    await setSemester(server, SCHOOL, admin.personId);
  });
  after(async () => {
    await server?.close();
  });

  const call = (path: string, init: { method: string; body?: unknown; auth?: string; lang?: string }) =>
    fetch(`${server.issuer}/api/schools/${path}`, {
      method: init.method,
      headers: {
        authorization: init.auth ?? basic(sis.id, sis.secret),
        'content-type': 'application/json',
        ...(init.lang ? { 'accept-language': init.lang } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const classes = {
    classes: [
      { code: '701', name: '忠班', grade: 7, homeroom_staff_no: 'T001' },
      { code: '702', name: '孝班', grade: '7', homeroom_staff_no: null },
    ],
    staff: [{ staff_no: 'T001', name: '王大明', national_id: ids.wang, kind: 'teacher', title: '導師', email: null }],
  };
  const students = {
    students: [
      {
        student_no: '1130001',
        name: '王小華',
        national_id: ids.hua,
        class_code: '701',
        seat: 1,
        birthdate: '2013-05-12',
        gender: 'female',
      },
      {
        student_no: '1130002',
        name: '林小美',
        national_id: ids.mei,
        class_code: '702',
        seat: 1,
        birthdate: '102/01/31',
      },
    ],
    parents: [{ student_no: '1130001', name: '王爸爸', relationship: 'father', mobile: '0912-345-678' }],
  };
  const db = () => server.storage.db;

  it('takes the classes and teachers, then the students and parents; a dry run only counts', async () => {
    const dry = await call(`${SCHOOL}/roster/classes-teachers?dry_run=true`, { method: 'PUT', body: classes });
    assert.equal(dry.status, 200);
    const preview = await dry.json();
    assert.deepEqual(preview.counts.classes, { new: 2, changed: 0, unchanged: 0, leaving: 0 });
    assert.equal(preview.dry_run, true);
    assert.equal((await db()('roster_classes').where({ school_code: SCHOOL })).length, 0, 'a dry run writes nothing');

    const res = await call(`${SCHOOL}/roster/classes-teachers`, { method: 'PUT', body: classes });
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json();
    assert.deepEqual([body.school, body.academic_year, body.semester, body.counts.staff.new], [SCHOOL, 115, 1, 1]);
    const sent = await call(`${SCHOOL}/roster/students-parents`, { method: 'PUT', body: students });
    assert.equal(sent.status, 200, await sent.clone().text());
    assert.deepEqual((await sent.json()).counts.parents, { new: 1, changed: 0, unchanged: 0, leaving: 0 });
    const rows = await db()('roster_students').where({ school_code: SCHOOL }).orderBy('student_no');
    assert.deepEqual(
      rows.map((r) => [r.student_no, r.class_code, r.seat, String(r.birthdate).slice(0, 10), r.gender]),
      [
        ['1130001', '701', 1, '2013-05-12', 'female'],
        ['1130002', '702', 1, '2013-01-31', null],
      ],
    );
    const again = await call(`${SCHOOL}/roster/students-parents`, { method: 'PUT', body: students });
    assert.deepEqual((await again.json()).counts.students, { new: 0, changed: 0, unchanged: 2, leaving: 0 });
  });

  it('answers bad rows with the Excel path’s error table, in the caller’s language, and writes nothing', async () => {
    const before = await db()('roster_students').where({ school_code: SCHOOL });
    const res = await call(`${SCHOOL}/roster/students-parents`, {
      method: 'PUT',
      body: {
        students: [
          {
            student_no: '1130001',
            name: '王小華',
            national_id: 'A123456788',
            class_code: '799',
            seat: 1,
            birthdate: '2013-05-12',
          },
          { student_no: '1130001', name: '', national_id: ids.mei, class_code: '701', seat: 0, birthdate: 'yesterday' },
        ],
        parents: [{ student_no: '9999999', name: '某人', relationship: 'uncle', mobile: '123' }],
      },
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error, 'invalid_request');
    assert.deepEqual(
      body.errors.map((e: { part: string; index: number; field: string; code: string }) => [
        e.part,
        e.index,
        e.field,
        e.code,
      ]),
      [
        ['students', 0, 'national_id', 'nationalId'],
        ['students', 0, 'class_code', 'noSuchClass'],
        ['students', 1, 'student_no', 'duplicate'],
        ['students', 1, 'name', 'required'],
        ['students', 1, 'seat', 'seat'],
        ['students', 1, 'birthdate', 'birthDate'],
        ['parents', 0, 'student_no', 'noSuchStudent'],
        ['parents', 0, 'relationship', 'notInList'],
        ['parents', 0, 'mobile', 'mobile'],
      ],
    );
    assert.equal(body.errors[1].message, zh('school.import.errors.noSuchClass', { code: '799' }));
    assert.equal(body.errors[1].column, '班級代碼');
    const en = await call(`${SCHOOL}/roster/students-parents`, {
      method: 'PUT',
      lang: 'en',
      body: { students: [{ ...students.students[0], class_code: '799' }], parents: [] },
    });
    assert.equal(
      (await en.json()).errors[0].message,
      translator('en')('school.import.errors.noSuchClass', { code: '799' }),
    );
    assert.deepEqual(await db()('roster_students').where({ school_code: SCHOOL }), before, 'nothing written');

    const shape = await call(`${SCHOOL}/roster/students-parents`, {
      method: 'PUT',
      body: { students: [{ student_no: '1', shoe_size: 42 }, 'x'], parents: [], extra: [] },
    });
    assert.equal(shape.status, 400);
    const shapeErrors = (await shape.json()).errors;
    assert.ok(shapeErrors.length >= 1);
    const fields = await call(`${SCHOOL}/roster/students-parents`, {
      method: 'PUT',
      body: { students: [{ student_no: '1', shoe_size: 42 }, 'x'], parents: [] },
    });
    assert.deepEqual(
      (await fields.json()).errors.map((e: { index: number; field: string }) => [e.index, e.field]),
      [
        [0, 'shoe_size'],
        [1, ''],
      ],
    );
    const empty = await call(`${SCHOOL}/roster/students-parents`, {
      method: 'PUT',
      body: { students: [], parents: [] },
    });
    assert.equal(empty.status, 400);
    assert.equal((await call(`${SCHOOL}/roster/nonsense`, { method: 'PUT', body: {} })).status, 404);
  });

  it('publishes through the API; every call is in the school’s sync log', async () => {
    const dry = await call(`${SCHOOL}/roster/publish?dry_run=true`, { method: 'POST' });
    assert.equal(dry.status, 200);
    assert.equal((await dry.json()).counts.credentials, 4);
    const res = await call(`${SCHOOL}/roster/publish`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).counts.credentials, 4);
    const again = await call(`${SCHOOL}/roster/publish`, { method: 'POST' });
    assert.equal((await again.json()).counts.credentials, 0, 'publishing again changes nothing');
    assert.equal((await db()('roster_credentials').where({ school_code: SCHOOL })).length, 4);
    // The log is written after the answer: wait for it.
    let entries: { action: string; clientId: string | null; code: number }[] = [];
    for (let i = 0; i < 50; i++) {
      entries = (await server.services.schoolOffice.syncLog.search(SCHOOL)).entries;
      if (entries.filter((e) => e.action === 'school.publish').length >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const count = (action: string, status: number) =>
      entries.filter((e) => e.action === action && e.code === status && e.clientId === sis.id).length;
    assert.equal(count('school.publish', 200), 3);
    assert.ok(count('roster.import', 200) >= 4);
    assert.ok(count('roster.import', 400) >= 1);
  });

  it('refuses another school’s client (403), a school without a semester (409), and no credentials (401)', async () => {
    const theirs = await call(`${SCHOOL}/roster/classes-teachers`, {
      method: 'PUT',
      body: classes,
      auth: basic(stranger.id, stranger.secret),
    });
    assert.equal(theirs.status, 403);
    const noSemester = await call(`${BARE}/roster/classes-teachers`, { method: 'PUT', body: classes });
    assert.equal(noSemester.status, 409);
    assert.equal((await noSemester.json()).error, 'no_semester');
    assert.equal((await call(`${BARE}/roster/publish`, { method: 'POST' })).status, 409);
    const nobody = await call(`${SCHOOL}/roster/publish`, { method: 'POST', auth: basic(sis.id, 'wrong') });
    assert.equal(nobody.status, 401);
  });
});
