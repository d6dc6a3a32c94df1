// 匯入檔案批次建檔 over HTTP (issue 14, item 3): 班級及教師 and 學生及家長 — the templates (Chinese headers, an example row, lists), real .xlsx
// uploads — clean ones previewed then written in one transaction, a second import showing unchanged and leaving rows,
// files with row errors listed in the error table with nothing written — and bad files (not Excel, wrong template,
// an empty sheet, too large, too many rows) each with its own message, never a 500.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import {
  CLASS_HEADERS,
  PARENT_HEADERS,
  pageSaid,
  type SheetData,
  STAFF_HEADERS,
  STUDENT_HEADERS,
  setSemester,
  signInOffice,
  xlsx,
} from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SCHOOL = `8${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;

describe(`importing the roster's files (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let agent: Agent;
  let page: Step;
  const ids = { wang: randomNationalId(), lin: randomNationalId(), chen: randomNationalId() };

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, { code: SCHOOL, name: '匯入測試高職', level: 'vocational', kind: 'private' });
    const { email, personId } = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'import');
    agent = new Agent();
    await signInOffice(base, agent, email);
    await setSemester(server, SCHOOL, personId);
    page = await agent.request(`${base}/school/${SCHOOL}/import`);
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;

  const goodFile = (staff: SheetData = [], classes: SheetData = []) =>
    xlsx({
      班級: [CLASS_HEADERS, ['701', '7年1班', 7, 'T001'], ['702', '7年2班', '7', 'T002'], ...classes],
      教師: [
        STAFF_HEADERS,
        ['T001', '王大明', ids.wang, '教師', '導師', 'wang@example.edu.tw'],
        ['T002', '林小芳', ids.lin, '教師', '', ''],
        ['S001', '陳會計', ids.chen, '職員', '會計', ''],
        ...staff,
      ],
    });

  /** The upload's answer: a page, or where a clean file's answer sends the browser (its preview page). */
  function send(file: Buffer | string, name = 'roster.xlsx', csrf = true, kind?: string): Promise<Step> {
    const form = new FormData();
    if (csrf) form.set('_csrf', hiddenField(page.body, '_csrf'));
    if (kind) form.set('kind', kind);
    form.set('file', new Blob([typeof file === 'string' ? file : new Uint8Array(file)]), name);
    return agent.request(`${base}/school/${SCHOOL}/import`, { method: 'POST', body: form });
  }
  /** The upload, followed to the page it ends at. */
  async function upload(file: Buffer | string, name = 'roster.xlsx', csrf = true, kind?: string): Promise<Step> {
    const answer = await send(file, name, csrf, kind);
    return answer.location ? agent.request(answer.location) : answer;
  }

  const commit = (preview: Step, token = hiddenField(preview.body, 'token')) =>
    agent.request(`${base}/school/${SCHOOL}/import/commit`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: hiddenField(preview.body, '_csrf'), token }).toString(),
    });

  /** Names given to more than one region or landmark of the page (by aria-label, or the heading aria-labelledby names). */
  const duplicateRegions = (body: string) => {
    const names = [
      ...[...body.matchAll(/<(?:section|nav|aside|form)[^>]*aria-labelledby="([^"]+)"/g)].map(
        (m) => new RegExp(`id="${m[1]}"[^>]*>([^<]*)<`).exec(body)?.[1],
      ),
      ...[...body.matchAll(/role="region" aria-label="([^"]+)"/g)].map((m) => m[1]),
    ];
    return names.filter((n, i) => names.indexOf(n) !== i);
  };
  const counts = (body: string, row: string) =>
    new RegExp(`<th scope="row">${row}</th><td>(\\d+)</td><td>(\\d+)</td><td>(\\d+)</td><td>(\\d+)</td>`)
      .exec(body)
      ?.slice(1)
      .map(Number);

  const roster = () =>
    Promise.all([
      db()('roster_classes').where({ school_code: SCHOOL }).orderBy('code'),
      db()('roster_staff').where({ school_code: SCHOOL }).orderBy('staff_no'),
    ]);

  it('offers the template: Chinese headers, an example row, a list on the columns of fixed values', async () => {
    const res = await fetch(`${base}/school/${SCHOOL}/import/classes-teachers/template.xlsx`, {
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.match(res.headers.get('content-disposition') ?? '', /filename\*=UTF-8''%E7%8F%AD/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const classes = workbook.getWorksheet('班級')!;
    const staff = workbook.getWorksheet('教師')!;
    assert.deepEqual((classes.getRow(1).values as unknown[]).slice(1), CLASS_HEADERS);
    assert.deepEqual((staff.getRow(1).values as unknown[]).slice(1), STAFF_HEADERS);
    assert.equal(classes.getCell('A2').value, '701', 'an example row');
    const model = (
      staff as unknown as { dataValidations: { model: Record<string, { type: string; formulae: string[] }> } }
    ).dataValidations.model;
    assert.deepEqual(Object.values(model)[0]?.formulae, ['"教師,職員"']);
    // The example row says it is one, and carries no one's national ID (it fails the checksum).
    assert.match(String(classes.getCell('E2').value), /範例列/);
    assert.equal(staff.getCell('C2').value, 'A100000000');
    // The template itself, uploaded as it is, imports nothing: each example row is refused as the example.
    const asIs = await upload(
      Buffer.from(
        await (
          await fetch(`${base}/school/${SCHOOL}/import/classes-teachers/template.xlsx`, {
            headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
          })
        ).arrayBuffer(),
      ),
    );
    assert.equal(asIs.status, 400, 'the template with its example row imports nothing');
    assert.ok(!asIs.body.includes('id="preview"'));
    const example = html(zh('school.import.errors.exampleRow'));
    assert.equal(asIs.body.split(example).length - 1, 2, 'both example rows are refused as examples');
  });

  it('previews a clean file, writes nothing until "import now", then writes it all for the current semester', async () => {
    // The upload's answer sends the browser on to the preview, a page of its own (Post/Redirect/Get).
    const answer = await send(await goodFile(), '班級及教師.xlsx');
    assert.equal(answer.status, 303, pageSaid(answer.body));
    assert.equal(answer.location, `${base}/school/${SCHOOL}/import/preview`, 'no token in the address');
    const preview = await agent.request(answer.location!);
    assert.equal(preview.status, 200, pageSaid(preview.body));
    assert.ok(preview.body.includes('id="commit-form"'));
    assert.deepEqual(duplicateRegions(preview.body), [], 'each region named once (axe landmark-unique)');
    assert.ok(!/<th scope="col"><\/th>/.test(preview.body), 'every column header says what it is (empty-table-header)');
    const reloaded = await agent.request(answer.location!);
    assert.equal(hiddenField(reloaded.body, 'token'), hiddenField(preview.body, 'token'), 'a reload shows it again');
    assert.ok(preview.body.includes(html(zh('school.import.previewTitle', { file: '班級及教師.xlsx' }))));
    assert.deepEqual(counts(preview.body, zh('school.import.counts.classes')), [2, 0, 0, 0]);
    assert.deepEqual(counts(preview.body, zh('school.import.counts.staff')), [3, 0, 0, 0]);
    const [classesBefore, staffBefore] = await roster();
    assert.equal(classesBefore.length + staffBefore.length, 0, 'nothing written by the upload');

    const done = await commit(preview);
    assert.equal(done.status, 303, pageSaid(done.body));
    assert.equal(done.location, `${base}/school/${SCHOOL}/import?imported=1&file=classes-teachers`);
    const [classes, staff] = await roster();
    assert.deepEqual(
      classes.map((c) => [c.code, c.name, c.grade, c.homeroom_staff_no, c.academic_year, c.semester, c.status]),
      [
        ['701', '7年1班', 7, 'T001', 115, 1, 'active'],
        ['702', '7年2班', 7, 'T002', 115, 1, 'active'],
      ],
    );
    assert.deepEqual(
      staff.map((s) => [s.staff_no, s.name, s.kind, s.title, s.email]),
      [
        ['S001', '陳會計', 'staff', '會計', null],
        ['T001', '王大明', 'teacher', '導師', 'wang@example.edu.tw'],
        ['T002', '林小芳', 'teacher', null, null],
      ],
    );
    assert.ok(!staff.some((s) => s.national_id_sealed.includes(ids.wang)), 'national IDs sealed');
    const again = await commit(preview);
    assert.equal(again.status, 400, 'a preview is imported once');
    assert.ok(again.body.includes(html(zh('school.import.problems.expired'))));
    // Back from "imported" to the preview: a page that says the file is gone, with the upload forms; nothing again.
    const back = await agent.request(answer.location!);
    assert.equal(back.status, 200);
    assert.ok(back.body.includes(html(zh('school.import.noPending'))));
    assert.ok(!back.body.includes('id="commit-form"') && back.body.includes('id="upload-classes-teachers"'));
    const imports = await server.storage.db('audit_events').where({ subject: SCHOOL, action: 'school.imported' });
    assert.equal(imports.length, 1, 'imported once');
    const shown = await agent.request(done.location!);
    assert.ok(
      shown.body.includes(
        html(zh('school.import.size', { classes: 2, staff: 3, students: 0, parents: 0, courses: 0 })),
      ),
    );

    // The next file: one teacher changed, one gone, one new: the preview says so, and the one gone is leaving.
    const next = await upload(
      await xlsx({
        班級: [CLASS_HEADERS, ['701', '7年1班', 7, 'T001'], ['702', '7年2班', 7, 'T003']],
        教師: [
          STAFF_HEADERS,
          ['T001', '王大明', ids.wang, '教師', '導師', 'wang@example.edu.tw'],
          ['S001', '陳會計', ids.chen, '職員', '主任', ''],
          ['T003', '黃老師', randomNationalId(), '教師', '', ''],
        ],
      }),
    );
    assert.deepEqual(counts(next.body, zh('school.import.counts.classes')), [0, 1, 1, 0]);
    assert.deepEqual(counts(next.body, zh('school.import.counts.staff')), [1, 1, 1, 1]);
    assert.equal((await commit(next)).status, 303);
    const [, staffAfter] = await roster();
    assert.deepEqual(
      staffAfter.map((s) => [s.staff_no, s.status]),
      [
        ['S001', 'active'],
        ['T001', 'active'],
        ['T002', 'leaving'],
        ['T003', 'active'],
      ],
    );
    const audit = await db()('audit_events').where({ subject: SCHOOL, action: 'school.imported' });
    assert.equal(audit.length, 2);
    assert.ok(!JSON.stringify(audit).includes(ids.wang));
  });

  it('imports students and parents into the classes already imported: ROC dates or Excel dates, parents by mobile', async () => {
    const template = await fetch(`${base}/school/${SCHOOL}/import/students-parents/template.xlsx`, {
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(template.status, 200);
    const asIs = await upload(Buffer.from(await template.arrayBuffer()), 'template.xlsx', true, 'students-parents');
    assert.equal(asIs.status, 400, 'the template as it is imports nothing');
    assert.equal(asIs.body.split(html(zh('school.import.errors.exampleRow'))).length - 1, 2, pageSaid(asIs.body));

    const kids = { hua: randomNationalId(), mei: randomNationalId(), bo: randomNationalId() };
    const preview = await upload(
      await xlsx({
        學生: [
          STUDENT_HEADERS,
          ['1130001', '王小華', kids.hua, '701', 1, '102/05/12', '女'],
          ['1130002', '林小美', kids.mei, '701', '2', new Date(Date.UTC(2013, 0, 31)), ''],
          ['1130003', '陳小博', kids.bo, '702', 1, '102.9.1', '男'],
        ],
        家長: [
          PARENT_HEADERS,
          ['1130001', '王大明', '父親', '0912-345-678', ids.wang],
          ['1130001', '李美玉', '母親', '+886922333444', ''],
          ['1130003', '陳阿公', '祖父', '0933444555', ''],
        ],
      }),
      '學生.xlsx',
      true,
      'students-parents',
    );
    assert.equal(preview.status, 200, pageSaid(preview.body));
    assert.deepEqual(counts(preview.body, zh('school.import.counts.students')), [3, 0, 0, 0]);
    assert.deepEqual(counts(preview.body, zh('school.import.counts.parents')), [3, 0, 0, 0]);
    const done = await commit(preview);
    assert.equal(done.status, 303, pageSaid(done.body));
    assert.equal(done.location, `${base}/school/${SCHOOL}/import?imported=1&file=students-parents`);
    const students = await db()('roster_students').where({ school_code: SCHOOL }).orderBy('student_no');
    assert.deepEqual(
      students.map((r) => [r.student_no, r.name, r.class_code, r.seat, String(r.birthdate).slice(0, 10), r.gender]),
      [
        ['1130001', '王小華', '701', 1, '2013-05-12', 'female'],
        ['1130002', '林小美', '701', 2, '2013-01-31', null],
        ['1130003', '陳小博', '702', 1, '2013-09-01', 'male'],
      ],
    );
    assert.ok(!students.some((r) => r.national_id_sealed.includes(kids.hua)), 'national IDs sealed');
    const parents = await db()('roster_parents').where({ school_code: SCHOOL }).orderBy(['student_no', 'mobile']);
    assert.deepEqual(
      parents.map((r) => [r.student_no, r.name, r.relationship, r.mobile, r.national_id_index !== null]),
      [
        ['1130001', '王大明', 'father', '0912345678', true],
        ['1130001', '李美玉', 'mother', '0922333444', false],
        ['1130003', '陳阿公', 'grandfather', '0933444555', false],
      ],
    );
    const shown = await agent.request(done.location!);
    assert.ok(
      shown.body.includes(
        html(zh('school.import.size', { classes: 2, staff: 3, students: 3, parents: 3, courses: 0 })),
      ),
    );

    // Every row problem of the students' file, and nothing written.
    const bad = await upload(
      await xlsx({
        學生: [
          STUDENT_HEADERS,
          ['1130001', '王小華', kids.hua, '799', 1, '102/05/12', '女'],
          ['1130002', '林小美', kids.mei, '701', 1, '102/02/30', '女'],
          ['1130003', '陳小博', kids.bo, '701', 1, 'last spring', '男'],
          ['1130004', '王老師的孩子', ids.wang, '702', 0, '99/01/01', '不知道'],
        ],
        家長: [
          PARENT_HEADERS,
          ['1130009', '某人', '父親', '0912345678', ''],
          ['1130002', '林爸爸', '爸爸', '12345', ''],
          ['1130002', '林媽媽', '母親', '0911222333', ''],
          ['1130002', '林媽媽', '母親', '0911222333', ''],
        ],
      }),
      'bad.xlsx',
      true,
      'students-parents',
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(duplicateRegions(bad.body), [], 'the error page names each region once (axe landmark-unique)');
    const table = [
      ...bad.body.matchAll(/<tr><td>(\d+)<\/td><td>(.+?)<\/td><td>(\d+)<\/td><td>(.+?)<\/td><td>(.+?)<\/td><\/tr>/g),
    ].map((m) => [m[2], Number(m[3]), m[4], m[5]]);
    const e = (key: string, values?: Record<string, string>) => html(zh(`school.import.errors.${key}`, values));
    assert.deepEqual(table, [
      ['學生', 2, '班級代碼', e('noSuchClass', { code: '799' })],
      ['學生', 3, '出生日期', e('birthDate')],
      ['學生', 4, '座號', e('seatTaken', { code: '701', row: '3' })],
      ['學生', 4, '出生日期', e('birthDate')],
      ['學生', 5, '身分證統一編號', e('alsoStaff', { no: 'T001' })],
      ['學生', 5, '座號', e('seat')],
      ['學生', 5, '性別', e('notInList', { list: '男、女' })],
      ['家長', 2, '學生學號', e('noSuchStudent', { no: '1130009' })],
      ['家長', 3, '關係', e('notInList', { list: '父親、母親、祖父、祖母、外祖父、外祖母、其他監護人' })],
      ['家長', 3, '手機', e('mobile')],
      ['家長', 5, '手機', e('sameParent', { row: '4' })],
    ]);
    assert.equal((await db()('roster_students').where({ school_code: SCHOOL })).length, 3, 'nothing written');
  });

  it('imports the course assignments of the imported classes and teachers', async () => {
    const HEADERS = ['班級代碼', '科目代碼', '科目名稱', '教師編號', '每週節數'];
    const bad = await upload(
      await xlsx({
        配課: [
          HEADERS,
          ['701', 'MATH', '數學', 'T001', 4],
          ['799', 'MATH', '數學', 'T999', 0],
          ['701', 'MATH', '數學', 'T003', '41'],
          ['702', '國 文', '', 'T002', 'x'],
        ],
      }),
      '配課.xlsx',
      true,
      'courses',
    );
    assert.equal(bad.status, 400);
    const table = [
      ...bad.body.matchAll(/<tr><td>(\d+)<\/td><td>(.+?)<\/td><td>(\d+)<\/td><td>(.+?)<\/td><td>(.+?)<\/td><\/tr>/g),
    ].map((m) => [Number(m[3]), m[4]]);
    assert.deepEqual(table, [
      [3, '班級代碼'],
      [3, '教師編號'],
      [3, '每週節數'],
      [4, '科目代碼'],
      [4, '每週節數'],
      [5, '科目代碼'],
      [5, '科目名稱'],
      [5, '教師編號'],
      [5, '每週節數'],
    ]);
    assert.ok(bad.body.includes(html(zh('school.import.errors.noSuchStaff', { no: 'T002' }))), 'T002 left the roster');
    const good = await upload(
      await xlsx({ 配課: [HEADERS, ['701', 'MATH', '數學', 'T001', 4], ['702', 'ENG', '英文', 'T003', '3']] }),
      '配課.xlsx',
      true,
      'courses',
    );
    assert.equal(good.status, 200, pageSaid(good.body));
    assert.deepEqual(counts(good.body, zh('school.import.counts.courses')), [2, 0, 0, 0]);
    assert.equal((await commit(good)).status, 303);
    const courses = await db()('roster_courses').where({ school_code: SCHOOL }).orderBy('class_code');
    assert.deepEqual(
      courses.map((c) => [c.class_code, c.subject_code, c.subject_name, c.staff_no, c.hours]),
      [
        ['701', 'MATH', '數學', 'T001', 4],
        ['702', 'ENG', '英文', 'T003', 3],
      ],
    );
  });

  it('lists every row problem by sheet, row and column, and writes nothing', async () => {
    const before = await roster();
    const res = await upload(
      await xlsx({
        班級: [CLASS_HEADERS, ['701', '7年1班', 7, 'T001'], ['701', '7年1班', 13, 'T999'], ['7 01', '', 7, '']],
        教師: [
          STAFF_HEADERS,
          ['T001', '王大明', ids.wang, '教師', '', ''],
          ['T001', '王小明', 'A123456788', '老師', '', 'not-an-email'],
          ['T004', '', ids.wang, '職員', '', ''],
          ['T005', '公式', { formula: 'CONCAT("A","1")', result: 'A1' }, '教師', '', ''],
        ],
      }),
    );
    assert.equal(res.status, 400);
    assert.ok(res.body.includes(html(zh('school.import.errorsIntro', { count: 12 }))));
    const rows = [
      ...res.body.matchAll(
        /<tr><td>(\d+)<\/td><td>([^<]+)<\/td><td>(\d+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><\/tr>/g,
      ),
    ].map((m) => [Number(m[1]), m[2], Number(m[3]), m[4], m[5]]);
    const e = (key: string, values?: Record<string, string>) => html(zh(`school.import.errors.${key}`, values));
    assert.deepEqual(
      rows.map((r) => r.slice(1)),
      [
        ['班級', 3, '班級代碼', e('duplicate', { row: '2' })],
        ['班級', 3, '年級', e('notInList', { list: '1–12' })],
        ['班級', 3, '導師教師編號', e('noSuchTeacher', { no: 'T999' })],
        ['班級', 4, '班級代碼', e('classCode')],
        ['班級', 4, '班級名稱', e('required')],
        ['教師', 3, '教師編號', e('duplicate', { row: '2' })],
        ['教師', 3, '身分證統一編號', e('nationalId')],
        ['教師', 3, '身分別', e('notInList', { list: '教師、職員' })],
        ['教師', 3, 'Email', e('email')],
        ['教師', 4, '姓名', e('required')],
        ['教師', 4, '身分證統一編號', e('duplicate', { row: '2' })],
        ['教師', 5, '身分證統一編號', e('formula')],
      ],
    );
    assert.deepEqual(
      rows.map((r) => r[0]),
      rows.map((_, i) => i + 1),
      '序號 counts the problems',
    );
    assert.ok(!res.body.includes(ids.wang), 'the page does not repeat national IDs');
    assert.deepEqual(await roster(), before, 'nothing written');
  });

  it("refuses a person's name with an emoji or another symbol, at its cell; keeps any script, middle dots, hyphens, apostrophes", async () => {
    const e = html(zh('school.import.errors.nameChars'));
    const cells = (body: string) =>
      [
        ...body.matchAll(/<tr><td>\d+<\/td><td>([^<]+)<\/td><td>(\d+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td><\/tr>/g),
      ].map((m) => [m[1], Number(m[2]), m[3], m[4]]);
    const staff = await upload(
      await xlsx({
        班級: [CLASS_HEADERS, ['801', '8年1班', 8, '']],
        教師: [
          STAFF_HEADERS,
          ['T101', '王老師™', randomNationalId(), '教師', '', ''],
          ['T102', 'Mary-Jane O’Neil', randomNationalId(), '教師', '', ''],
        ],
      }),
    );
    assert.equal(staff.status, 400);
    assert.deepEqual(cells(staff.body), [['教師', 2, '姓名', e]]);
    const people = await upload(
      await xlsx({
        學生: [
          STUDENT_HEADERS,
          ['1139001', '陳大寶😀', randomNationalId(), '701', 31, '102/05/12', '男'],
          ['1139002', '王·大明', randomNationalId(), '701', 32, '102/05/12', '男'],
          ['1139003', 'Lhkatafatu Sayion', randomNationalId(), '701', 33, '102/05/12', '女'],
        ],
        家長: [
          PARENT_HEADERS,
          ['1139001', '陳爸爸★', '父親', '0912000001', ''],
          ['1139002', "瑪莉‧安-O'Hara", '母親', '0912000002', ''],
          ['1139003', '林媽媽♥', '母親', '0912000003', ''],
        ],
      }),
      'names.xlsx',
      true,
      'students-parents',
    );
    assert.equal(people.status, 400);
    assert.deepEqual(cells(people.body), [
      ['學生', 2, '姓名', e],
      ['家長', 2, '家長姓名', e],
      ['家長', 4, '家長姓名', e],
    ]);
  });

  it('bad files get their own message (400), never a 500; an oversized one 413; no token 403', async () => {
    const message = (body: string) => /id="import-alert"[^>]*>([^<]*)</.exec(body)?.[1];
    const p = (key: string, values?: Record<string, string>) => html(zh(`school.import.problems.${key}`, values));

    const text = await upload('學號,姓名\n1,王小明\n', 'roster.csv');
    assert.equal(text.status, 400);
    assert.equal(message(text.body), p('not_excel'));
    const png = await upload(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'photo.xlsx');
    assert.equal(message(png.body), p('not_excel'));

    const renamed = await upload(await xlsx({ Sheet1: [CLASS_HEADERS], 教師: [STAFF_HEADERS, ['T001']] }));
    assert.equal(message(renamed.body), p('wrong_template', { sheet: '班級' }));
    const columns = await upload(
      await xlsx({
        班級: [CLASS_HEADERS, ['701', 'x', 7, '']],
        教師: [
          ['編號', '姓名'],
          ['T001', 'x'],
        ],
      }),
    );
    assert.equal(message(columns.body), p('wrong_template', { sheet: '教師' }));
    const empty = await upload(await xlsx({ 班級: [CLASS_HEADERS, ['701', 'x', 7, '']], 教師: [STAFF_HEADERS] }));
    assert.equal(message(empty.body), p('empty', { sheet: '教師' }));
    // Two teachers sharing one merged 身分別 cell: the second row would read as empty.
    const book = new ExcelJS.Workbook();
    book.addWorksheet('班級').addRows([CLASS_HEADERS, ['701', '7年1班', 7, 'T001']]);
    const teachers = book.addWorksheet('教師');
    teachers.addRows([
      STAFF_HEADERS,
      ['T001', '王大明', ids.wang, '教師', '', ''],
      ['T002', '林小芳', ids.lin, '教師', '', ''],
    ]);
    teachers.mergeCells('D2:D3');
    const merged = await upload(Buffer.from(await book.xlsx.writeBuffer()));
    assert.equal(merged.status, 400);
    assert.equal(message(merged.body), p('merged_cells', { sheet: '教師', detail: 'D2:D3' }));

    const none = await upload(Buffer.alloc(0), '');
    assert.equal(message(none.body), p('noFile'));

    const long: SheetData = [STAFF_HEADERS];
    for (let i = 0; i <= 20_000; i++) long.push([`T${i}`, '王', ids.wang, '教師', '', '']);
    const tooMany = await upload(await xlsx({ 班級: [CLASS_HEADERS, ['701', 'x', 7, '']], 教師: long }));
    assert.equal(tooMany.status, 400);
    assert.equal(message(tooMany.body), p('too_many_rows', { sheet: '教師', max: '20000' }));

    const huge = await upload(crypto.randomBytes(11 * 1024 * 1024));
    assert.equal(huge.status, 413);
    // Says it is the file, and the way on is the import form again (it was "the data sent is too large" and home).
    assert.ok(huge.body.includes(zh('error.fileTooLarge')));
    assert.match(huge.body, new RegExp(`<a class="button" href="/school/${SCHOOL}/import">`));

    const noCsrf = await upload(await goodFile(), 'roster.xlsx', false);
    assert.equal(noCsrf.status, 403);

    const other = await personWith(server, [{ schoolCode: '353604', role: 'school_admin' }], 'import-other');
    const stranger = new Agent();
    await signInOffice(base, stranger, other.email);
    const foreign = await stranger.request(`${base}/school/${SCHOOL}/import`);
    assert.equal(foreign.status, 404, "another school's import is not found");
  });
});
