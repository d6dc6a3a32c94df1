// Hostile uploads on step 02 (the security audit's findings): every file is read in the upload worker, off the
// server's thread, and refused while it is read — a workbook whose cells unpack to megabytes of text, one whose
// parts unpack past the limit, one the worker cannot hold, a OneRoster bundle that unpacks past 80 MB, has more rows
// than allowed or a line longer than a roster's — each with a message of its own and a 4xx answer on the import
// page, while the server goes on answering (/healthz) and imports a clean file afterwards.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { strToU8, unzipSync, Zip, ZipDeflate } from 'fflate';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import {
  CLASS_HEADERS,
  COURSE_HEADERS,
  newSchoolCode,
  PARENT_HEADERS,
  pageSaid,
  STAFF_HEADERS,
  STUDENT_HEADERS,
  setSemester,
  signInOffice,
  xlsx,
} from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SCHOOL = newSchoolCode('7');
const MB = 1024 * 1024;

type Part = Uint8Array | (() => Iterable<Uint8Array>);

/** A zip whose parts are deflated as they are made: megabytes of repeated text take kilobytes. */
function zip(parts: Record<string, Part>): Buffer {
  const out: Uint8Array[] = [];
  const archive = new Zip((err, data) => {
    if (err) throw err;
    out.push(data);
  });
  for (const [name, part] of Object.entries(parts)) {
    const file = new ZipDeflate(name, { level: 6 });
    archive.add(file);
    for (const chunk of typeof part === 'function' ? part() : [part]) file.push(chunk);
    file.push(new Uint8Array(0), true);
  }
  archive.end();
  return Buffer.concat(out);
}

/** An .xlsx made by exceljs with these sheets, then some of its parts (`xl/worksheets/sheet2.xml`…) replaced. */
async function workbookWith(sheets: Record<string, string[][]>, replaced: Record<string, Part>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) workbook.addWorksheet(name).addRows(rows);
  const parts: Record<string, Part> = unzipSync(new Uint8Array(await workbook.xlsx.writeBuffer()));
  for (const name of Object.keys(replaced)) assert.ok(parts[name] || name.includes('sharedStrings'), name);
  return zip({ ...parts, ...replaced });
}

const SHEET_HEAD =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
const SHEET_TAIL = '</sheetData></worksheet>';
const column = (i: number) => String.fromCharCode(65 + i);
const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

/** A sheet: the template's header row, then `rows` rows whose second cell holds `size` bytes of text. */
const longCells = (headers: string[], rows: number, size: number) => () =>
  (function* () {
    yield strToU8(`${SHEET_HEAD}<row r="1">${headers.map((h, i) => inline(`${column(i)}1`, h)).join('')}</row>`);
    const text = strToU8('A'.repeat(size));
    for (let r = 2; r < rows + 2; r++) {
      yield strToU8(`<row r="${r}">${inline(`A${r}`, `X${r}`)}<c r="B${r}" t="inlineStr"><is><t>`);
      yield text;
      yield strToU8(`</t></is></c></row>`);
    }
    yield strToU8(SHEET_TAIL);
  })();

/** `bytes` of XML comments: nothing a reader keeps, all of it to unpack and read. */
const comments = (bytes: number) => () =>
  (function* () {
    yield strToU8(SHEET_HEAD);
    const block = strToU8(`<!--${' '.repeat(64 * 1024 - 7)}-->`);
    for (let n = 0; n < bytes; n += block.length) yield block;
    yield strToU8(SHEET_TAIL);
  })();

describe(`hostile uploads on the import page (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let agent: Agent;
  const ids = { wang: randomNationalId(), lin: randomNationalId() };

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, { code: SCHOOL, name: '上傳限制高職', level: 'vocational', kind: 'private' });
    const { email, personId } = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'limits');
    agent = new Agent();
    await signInOffice(base, agent, email);
    await setSemester(server, SCHOOL, personId);
  });
  after(async () => {
    await server?.close();
  });

  async function send(kind: string, file: Buffer, name = 'roster.xlsx'): Promise<() => Promise<Step>> {
    const page = await agent.request(`${base}/school/${SCHOOL}/import`);
    const form = new FormData();
    form.set('_csrf', hiddenField(page.body, '_csrf'));
    form.set('kind', kind);
    form.set('file', new Blob([new Uint8Array(file)]), name);
    return () => agent.follow(`${base}/school/${SCHOOL}/import`, undefined, { method: 'POST', body: form });
  }
  const upload = async (kind: string, file: Buffer, name?: string) => (await send(kind, file, name))();
  const alert = (body: string) => /<p class="alert" id="import-alert" role="alert">([^<]*)</.exec(body)?.[1];
  const p = (key: string, values?: Record<string, string>) => html(zh(`school.import.problems.${key}`, values));
  const healthy = async () => (await fetch(`${base}/healthz`)).status;

  /**
   * The upload, and /healthz asked once the server has the whole file (its temporary copy has the file's size: the
   * reading starts): what /healthz answered.
   */
  async function uploadWhileAsking(kind: string, file: Buffer, name?: string) {
    const before = new Set(fs.readdirSync(os.tmpdir()));
    let answered = false;
    const sent = (await send(kind, file, name))().finally(() => {
      answered = true;
    });
    const received = () =>
      fs
        .readdirSync(os.tmpdir())
        .filter((f) => f.startsWith('campus-sso-upload-') && !before.has(f))
        .some((f) => fs.statSync(path.join(os.tmpdir(), f), { throwIfNoEntry: false })?.size === file.length);
    while (!answered && !received()) await new Promise((resolve) => setTimeout(resolve, 5));
    const health = await healthy();
    return { answer: await sent, health };
  }

  /** Still imports a clean file: the server is whole. */
  async function cleanFileStillPreviews() {
    const clean = await upload(
      'classes-teachers',
      await xlsx({
        班級: [CLASS_HEADERS, ['701', '7年1班', 7, 'T001']],
        教師: [STAFF_HEADERS, ['T001', '王大明', ids.wang, '教師', '導師', '']],
      }),
    );
    assert.equal(clean.status, 200, pageSaid(clean.body));
    assert.ok(clean.body.includes('id="preview"'));
  }

  it('a workbook whose cells unpack to megabytes of text is refused at the first such cell (400), every kind', async () => {
    // The audit's bomb, smaller: rows each holding 1 MB of text (its 5,000 killed the server), some 40 KB compressed.
    const bombs = {
      'classes-teachers': {
        sheets: { 班級: [CLASS_HEADERS, ['701', '7年1班', '7', 'T001']], 教師: [STAFF_HEADERS] },
        sheet: 2,
        headers: STAFF_HEADERS,
      },
      'students-parents': {
        sheets: { 學生: [STUDENT_HEADERS], 家長: [PARENT_HEADERS] },
        sheet: 1,
        headers: STUDENT_HEADERS,
      },
      courses: { sheets: { 配課: [COURSE_HEADERS] }, sheet: 1, headers: COURSE_HEADERS },
    };
    for (const [kind, bomb] of Object.entries(bombs)) {
      const file = await workbookWith(bomb.sheets, {
        [`xl/worksheets/sheet${bomb.sheet}.xml`]: longCells(bomb.headers, 40, MB),
      });
      assert.ok(file.length < MB, `${file.length} bytes`);
      const sheet = Object.keys(bomb.sheets)[bomb.sheet - 1]!;
      const answer = await upload(kind, file);
      assert.equal(answer.status, 400, `${kind}: ${pageSaid(answer.body)}`);
      assert.equal(alert(answer.body), p('cell_too_long', { sheet, detail: 'B2', chars: '1000' }), kind);
      assert.ok(!answer.body.includes('id="error-table"'), 'no error table of its rows');
      assert.ok(answer.body.includes(`id="upload-${kind}"`), 'the import page, its forms there');
      assert.equal(await healthy(), 200);
    }
    await cleanFileStillPreviews();
  });

  it('a workbook whose parts unpack past the limit is answered 413 as too large, whichever sheet holds it', async () => {
    // 配課 is clean; a second sheet the import does not read holds 60 MB of XML comments (more than 47 MiB).
    const file = await workbookWith(
      { 配課: [COURSE_HEADERS, ['701', 'MATH', '數學', 'T001', '4']], 說明: [['x']] },
      { 'xl/worksheets/sheet2.xml': comments(60 * MB) },
    );
    assert.ok(file.length < MB, `${file.length} bytes`);
    const answer = await upload('courses', file);
    assert.equal(answer.status, 413, pageSaid(answer.body));
    assert.equal(alert(answer.body), p('too_large'));
    assert.ok(answer.body.includes('id="upload-courses"'));
    assert.equal(await healthy(), 200);
  });

  it('a workbook the reader cannot hold is too large or complex, not "more than 60000 rows" (413)', async () => {
    // 130,000 shared strings of 300 characters: 117 MB, under the limit for 學生及家長, more than the worker may hold.
    const shared = () =>
      (function* () {
        yield strToU8(
          '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        );
        const block = strToU8(`<si><t>${'字'.repeat(300)}</t></si>`.repeat(100));
        for (let i = 0; i < 1_300; i++) yield block;
        yield strToU8('</sst>');
      })();
    const file = await workbookWith(
      { 學生: [STUDENT_HEADERS], 家長: [PARENT_HEADERS] },
      { 'xl/sharedStrings.xml': shared },
    );
    const answer = await upload('students-parents', file);
    assert.equal(answer.status, 413, pageSaid(answer.body));
    assert.equal(alert(answer.body), p('too_large'));
    assert.ok(!answer.body.includes(p('too_many_rows', { sheet: '', max: '60000' })));
    assert.equal(await healthy(), 200);
  });

  it('a OneRoster bundle is read off the server’s thread and refused as it unpacks: too large (413), too many rows, a line too long (400)', async () => {
    const orgs = strToU8(`sourcedId,status,type,identifier\r\norg-1,active,school,${SCHOOL}\r\n`);
    const bundle = (users: Part) =>
      zip({
        'manifest.csv': strToU8('propertyName,value\r\n'),
        'orgs.csv': orgs,
        'classes.csv': strToU8('sourcedId,classCode\r\n'),
        'enrollments.csv': strToU8('sourcedId\r\n'),
        'users.csv': users,
      });
    // 85 MB of users.csv in lines of 724 bytes: fewer rows than allowed, more than 80 MB once unpacked.
    const wide = bundle(() =>
      (function* () {
        yield strToU8('sourcedId,note1,note2,note3\r\n');
        const line = `u,${'x'.repeat(240)},${'y'.repeat(240)},${'z'.repeat(236)}\r\n`;
        const block = strToU8(line.repeat(100));
        for (let n = 0; n < 85 * MB; n += block.length) yield block;
      })(),
    );
    const large = await uploadWhileAsking('oneroster', wide, 'oneroster.zip');
    assert.equal(large.health, 200);
    // Whether /healthz was answered before the upload's answer depends on the machine's speed: not asserted.
    assert.equal(large.answer.status, 413, pageSaid(large.answer.body));
    assert.equal(alert(large.answer.body), p('too_large_oneroster'));
    assert.ok(large.answer.body.includes('id="upload-oneroster"'));

    // The audit's: 20 MB of four-column rows (2.6 million) in a 30 KB zip; refused at the 120,001st.
    const long = bundle(() =>
      (function* () {
        yield strToU8('a,b,c,d\n');
        const block = strToU8('1,1,1,1\n'.repeat(125_000));
        for (let i = 0; i < 20; i++) yield block;
      })(),
    );
    const rows = await upload('oneroster', long, 'oneroster.zip');
    assert.equal(rows.status, 400, pageSaid(rows.body));
    assert.equal(alert(rows.body), p('too_many_rows', { sheet: 'users.csv', max: '120000' }));

    const name = bundle(
      strToU8(
        'sourcedId,status,role,identifier,familyName,givenName\r\n' +
          `u-1,active,teacher,T001,王,大明\r\nu-2,active,teacher,T002,${'林'.repeat(5_000)},小芳\r\n`,
      ),
    );
    const line = await upload('oneroster', name, 'oneroster.zip');
    assert.equal(line.status, 400, pageSaid(line.body));
    assert.equal(alert(line.body), p('line_too_long', { sheet: 'users.csv', detail: '3' }));
    await cleanFileStillPreviews();
  });
});
