// A roster row never gives its identity to someone else's account (the walk's finding): the templates' example rows
// carry no real person's national ID and are refused as examples, whatever the school does with them; a row whose
// national ID already has an account under another name (or, for a student, another birth date) is listed as a
// problem in the error table (the workbook) or the error table of the roster API, with nothing kept and nothing said
// about the account; and publishing does not hand a row's identity to such an account either (an account made after
// the import, a name corrected in 03 維護資料): the row waits, and the publish page names it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { addIdentity } from '../../../src/domain/identities/add-identity.ts';
import { isValidNationalId } from '../../../src/domain/people/national-id.ts';
import { nationalIdIndex, sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import {
  apiSchool,
  CLASS_HEADERS,
  importRoster,
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
const FORM = 'application/x-www-form-urlencoded';
/** The demo's people (config/demo.json): 王小明, a teacher born 1985-03-14, and 林小華, a student born 2013-09-02. */
const DEMO = { teacher: 'A123456789', student: 'F223456786' };

/**
 * A school source confirmed the account (the demo school's school-affairs system gave it an identity): publishing
 * gives a row's identity straight to such an account; to one only its holder vouches for, a slip (unconfirmed-holder).
 */
const confirmBySchool = (server: TestServer, personId: string) =>
  server.storage.db.transaction((trx) =>
    addIdentity(trx, { personId, schoolCode: '353604', role: 'parent', source: 'sis', actor: 'test' }),
  );

describe(`a roster row never goes to someone else's account (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let agent: Agent;
  const SCHOOL = newSchoolCode('6');
  const teachers = { wang: randomNationalId(), lin: randomNationalId() };

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, {
      code: SCHOOL,
      name: `私立測試高中${SCHOOL}`,
      level: 'senior',
      kind: 'private',
    });
    const admin = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'identity-office');
    agent = new Agent();
    await signInOffice(base, agent, admin.email);
    await setSemester(server, SCHOOL, admin.personId);
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;
  const holder = async (nationalId: string) =>
    (await db()('persons')
      .where({ national_id_index: nationalIdIndex(server.storage.keyring, nationalId) })
      .whereNot({ status: 'pending' })
      .first('id', 'name')) as { id: string; name: string };
  const identitiesAt = async (nationalId: string) =>
    db()('identities')
      .where({ person_id: (await holder(nationalId)).id, school_code: SCHOOL })
      .pluck('role');
  const template = async (file: string) => {
    const res = await fetch(`${base}/school/${SCHOOL}/import/${file}/template.xlsx`, {
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(res.status, 200);
    return Buffer.from(await res.arrayBuffer());
  };
  /** The upload, followed to the page it ends at (a clean file's preview). */
  async function upload(file: Buffer, kind: string): Promise<Step> {
    const page = await agent.request(`${base}/school/${SCHOOL}/import`);
    const form = new FormData();
    form.set('_csrf', hiddenField(page.body, '_csrf'));
    form.set('kind', kind);
    form.set('file', new Blob([new Uint8Array(file)]), `${kind}.xlsx`);
    const answer = await agent.request(`${base}/school/${SCHOOL}/import`, { method: 'POST', body: form });
    return answer.location ? agent.request(answer.location) : answer;
  }
  /** The error table's rows: [sheet, row, column, message]. */
  const errorRows = (body: string) =>
    [
      ...(/<table id="error-table">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '').matchAll(
        /<tr><td>\d+<\/td><td>([^<]*)<\/td><td>(\d+)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g,
      ),
    ].map((m) => [m[1], Number(m[2]), m[3], m[4]]);
  const publish = async (): Promise<Step> => {
    const page = await agent.request(`${base}/school/${SCHOOL}/publish`);
    const answer = await agent.request(`${base}/school/${SCHOOL}/publish`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') }).toString(),
    });
    assert.equal(answer.status, 303);
    return agent.request(answer.location!);
  };

  it('the templates, imported untouched and published, give nobody anything: each example row is refused', async () => {
    const files = [
      ['classes-teachers', ['班級', '教師']],
      ['students-parents', ['學生', '家長']],
    ] as const;
    // As the walk did: each template uploaded untouched, imported where it passed, then the roster published.
    const pages: Step[] = [];
    for (const [file] of files) {
      const page = await upload(await template(file), file);
      pages.push(page);
      if (page.status === 200 && page.body.includes('id="preview"'))
        await agent.request(`${base}/school/${SCHOOL}/import/commit`, {
          method: 'POST',
          headers: { 'content-type': FORM },
          body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf'), token: hiddenField(page.body, 'token') }),
        });
    }
    await publish();
    assert.deepEqual(await identitiesAt(DEMO.student), [], '林小華 got no student identity here');
    assert.deepEqual(await identitiesAt(DEMO.teacher), [], '王小明 got no teacher identity here');
    assert.equal((await db()('roster_staff').where({ school_code: SCHOOL })).length, 0, 'nothing imported');

    // Each example row said it is one, held no one's national ID, and was refused as the example.
    const exampleRow = html(zh('school.import.errors.exampleRow'));
    for (const [i, [file, sheets]] of files.entries()) {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await template(file)) as unknown as ArrayBuffer);
      for (const sheet of sheets) {
        const headers = (workbook.getWorksheet(sheet)!.getRow(1).values as unknown[]).map(String);
        const values = (workbook.getWorksheet(sheet)!.getRow(2).values as unknown[]).map((v) => String(v ?? ''));
        assert.ok(
          values.some((v) => v.includes('範例')),
          `the example row of ${sheet} says it is one`,
        );
        assert.ok(!values.includes(DEMO.teacher) && !values.includes(DEMO.student), 'no demo person in it');
        const id = values[headers.indexOf('身分證統一編號')];
        assert.ok(!id || !isValidNationalId(id), `${sheet}'s example ID is no one's: it fails the checksum (${id})`);
      }
      const page = pages[i]!;
      assert.equal(page.status, 400, `the ${file} template as it is: ${pageSaid(page.body)}`);
      const rows = errorRows(page.body);
      for (const sheet of sheets)
        assert.ok(
          rows.some(([s, r, , m]) => s === sheet && r === 2 && m === exampleRow),
          `${sheet} row 2 is refused as the example: ${JSON.stringify(rows)}`,
        );
    }
  });

  it('a national ID with an account under another name or birth date is listed in the error table, nothing kept', async () => {
    // The school's classes and teachers, clean.
    await importRoster(
      base,
      agent,
      SCHOOL,
      'classes-teachers',
      await xlsx({
        班級: [CLASS_HEADERS, ['701', '忠班', 10, 'T001']],
        教師: [
          STAFF_HEADERS,
          ['T001', '張老師', teachers.wang, '教師', '導師', ''],
          ['T002', '李老師', teachers.lin, '教師', '', ''],
        ],
      }),
    );
    const otherName = html(zh('school.import.errors.nationalIdOtherName'));
    const otherPerson = html(zh('school.import.errors.nationalIdOtherPerson'));

    // A teacher typed with the demo teacher's national ID under another name: listed, with the rows' other problems.
    const staff = await upload(
      await xlsx({
        班級: [CLASS_HEADERS, ['701', '忠班', 10, 'T001']],
        教師: [
          STAFF_HEADERS,
          ['T001', '張老師', teachers.wang, '教師', '導師', ''],
          ['T009', '王大明', DEMO.teacher, '教師', '', 'not-an-email'],
        ],
      }),
      'classes-teachers',
    );
    assert.equal(staff.status, 400, pageSaid(staff.body));
    assert.deepEqual(errorRows(staff.body), [
      ['教師', 3, 'Email', html(zh('school.import.errors.email'))],
      ['教師', 3, '身分證統一編號', otherName],
    ]);
    assert.ok(!staff.body.includes('王小明') && !staff.body.includes('1985'), 'nothing of the account is told');
    // The same name with spaces, full-width or not, is the same name.
    const spaced = await upload(
      await xlsx({
        班級: [CLASS_HEADERS, ['701', '忠班', 10, 'T001']],
        教師: [
          STAFF_HEADERS,
          ['T001', '張老師', teachers.wang, '教師', '導師', ''],
          ['T009', '王　小明 ', DEMO.teacher, '教師', '', ''],
        ],
      }),
      'classes-teachers',
    );
    assert.equal(spaced.status, 200, pageSaid(spaced.body));
    assert.ok(spaced.body.includes('id="preview"'));

    // Students: the demo student's national ID with her name and birth date passes; another name, or another birth
    // date, does not (one message for both: which one differs is the account's to keep); a parent likewise by name.
    const students = (name: string, birth: string, parentId = '') =>
      xlsx({
        學生: [
          STUDENT_HEADERS,
          ['1130001', name, DEMO.student, '701', 1, birth, '女'],
          ['1130002', '陳小博', randomNationalId(), '701', 2, '102/01/31', '男'],
        ],
        家長: [PARENT_HEADERS, ['1130002', '陳爸爸', '父親', '0922333444', parentId]],
      });
    const same = await upload(await students('林小華', '102/09/02'), 'students-parents');
    assert.equal(same.status, 200, pageSaid(same.body));
    assert.ok(same.body.includes('id="preview"'));
    for (const [name, birth] of [
      ['王小華', '102/09/02'],
      ['林小華', '102/05/12'],
    ] as const) {
      const page = await upload(await students(name, birth, DEMO.teacher), 'students-parents');
      assert.equal(page.status, 400, `${name} ${birth}: ${pageSaid(page.body)}`);
      assert.deepEqual(errorRows(page.body), [
        ['學生', 2, '身分證統一編號', otherPerson],
        ['家長', 2, '身分證統一編號', otherName],
      ]);
      assert.ok(!page.body.includes('2013') && !page.body.includes('王小明'), 'nothing of the accounts is told');
    }
    assert.equal(
      (await db()('roster_students').where({ school_code: SCHOOL })).length,
      0,
      'no student was imported by the refused files',
    );
  });

  it("the roster API answers the same problem as a row error in its error table (400), naming nothing of the account's", async () => {
    const code = newSchoolCode('6');
    const api = await apiSchool(server, code, `私立介接測試高中${code}`);
    const classes = await api.call('roster/classes-teachers', 'PUT', {
      classes: [{ code: '701', name: '忠班', grade: 10, homeroom_staff_no: 'T001' }],
      staff: [{ staff_no: 'T001', name: '張老師', national_id: randomNationalId(), kind: 'teacher' }],
    });
    assert.equal(classes.status, 200, await classes.text());
    const body = (name: string) => ({
      students: [
        {
          student_no: '1130001',
          name,
          national_id: DEMO.student,
          class_code: '701',
          seat: 1,
          birthdate: '2013-09-02',
          gender: 'female',
        },
      ],
      parents: [],
    });
    const res = await api.call('roster/students-parents?dry_run=true', 'PUT', body('王小華'));
    assert.equal(res.status, 400);
    const answer = await res.json();
    assert.deepEqual(answer, {
      error: 'invalid_request',
      errors: [
        {
          part: 'students',
          index: 0,
          field: 'national_id',
          column: '身分證統一編號',
          code: 'nationalIdOtherPerson',
          message: zh('school.import.errors.nationalIdOtherPerson'),
        },
      ],
    });
    const ok = await api.call('roster/students-parents?dry_run=true', 'PUT', body('林 小華'));
    assert.equal(ok.status, 200, 'her own name, spaced as a clerk may type it, passes');
    // The templates' example, as the API reference shows it, is refused as the example.
    const example = await api.call('roster/classes-teachers?dry_run=true', 'PUT', {
      classes: [{ code: '701', name: '忠班', grade: 10, homeroom_staff_no: 'T001' }],
      staff: [
        { staff_no: 'T001', name: '張老師', national_id: randomNationalId(), kind: 'teacher' },
        { staff_no: 'T0001', name: '王小明', national_id: 'A100000000', kind: 'teacher' },
      ],
    });
    assert.equal(example.status, 400);
    assert.deepEqual(
      (await example.json()).errors.map((e: { part: string; index: number; field: string; code: string }) => [
        e.part,
        e.index,
        e.field,
        e.code,
      ]),
      [['staff', 1, 'national_id', 'exampleRow']],
    );
  });

  it('publishing gives no identity to an account made since, under another name: the row waits, the page says which', async () => {
    const late = randomNationalId();
    // Imported while the national ID had no account …
    await importRoster(
      base,
      agent,
      SCHOOL,
      'students-parents',
      await xlsx({
        學生: [STUDENT_HEADERS, ['1130005', '張小明', late, '701', 5, '102/03/04', '男']],
        家長: [PARENT_HEADERS],
      }),
    );
    // … then someone registers an account with it, under another name.
    const { personId } = await personWith(server, [], 'late');
    const sealed = sealNationalId(server.storage.keyring, late);
    await db()('persons')
      .where({ id: personId })
      .update({ name: '李大同', national_id_sealed: sealed.sealed, national_id_index: sealed.index });
    // One a school source confirmed (else it gets a slip, however its name reads: unconfirmed-holder.test.ts).
    await confirmBySchool(server, personId);

    const plan = await agent.request(`${base}/school/${SCHOOL}/publish`);
    assert.match(plan.body, /<tr data-count="held"><th scope="row">[^<]*<\/th><td>1<\/td><\/tr>/);
    assert.ok(plan.body.includes('1130005') && plan.body.includes('張小明'), 'the row is named by the roster');
    assert.ok(!plan.body.includes('李大同'), "the account's name is not told");
    const done = await publish();
    assert.equal(done.status, 200);
    assert.deepEqual(
      await db()('identities').where({ person_id: personId, school_code: SCHOOL }).pluck('role'),
      [],
      'no identity for the account',
    );
    assert.equal(
      (await db()('roster_credentials').where({ school_code: SCHOOL, student_no: '1130005' })).length,
      0,
      'and no slip either: the row waits until the school has checked it',
    );
    // The name corrected to the account's: published to it at the next publish.
    await db()('persons').where({ id: personId }).update({ name: '張小明' });
    await publish();
    assert.deepEqual(await db()('identities').where({ person_id: personId, school_code: SCHOOL }).pluck('role'), [
      'student',
    ]);
  });
});
