// The import's row checks, whatever the file: a row with a formula has every one of its problems listed at once (the
// formula's cell being one of them), not the formula alone and the next problem after it is fixed; and digits typed
// full-width (a Chinese input method: １１３０００１, ７０１, ０９１２３４５６７８) are read as the digits meant, in a
// workbook, the JSON roster API and a OneRoster bundle alike, while names stay as typed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { strToU8, zipSync } from 'fflate';
import { isValidNationalId } from '../../people/national-id.ts';
import { namesHolder, samePersonName } from './accounts.ts';
import { CLASSES_TEACHERS, checkClassesTeachers } from './classes-teachers.ts';
import { COURSES, checkCourses } from './courses.ts';
import { sheetsFromJson } from './json.ts';
import { readOneRoster } from './oneroster.ts';
import { EXAMPLE_NATIONAL_IDS, type RowError } from './rows.ts';
import { checkStudentsParents, STUDENTS_PARENTS } from './students-parents.ts';
import { EXAMPLE_MARK, readWorkbook, type SheetRows, type SheetSpec } from './workbook.ts';

const ID = { a: 'A123456789', f: 'F223456786' };
assert.ok(isValidNationalId(ID.a) && isValidNationalId(ID.f));

/** A sheet with the template's header row; a cell `{ formula }` holds a formula showing that text. */
const sheet = (spec: SheetSpec, rows: (string | { formula: string })[][]): [string, SheetRows] => [
  spec.name,
  {
    rows: [
      { number: 1, cells: spec.columns.map((c) => ({ text: c.header, formula: false })) },
      ...rows.map((cells, i) => ({
        number: i + 2,
        cells: cells.map((c) =>
          typeof c === 'string' ? { text: c, formula: false } : { text: c.formula, formula: true },
        ),
      })),
    ],
  },
];
const problems = (errors: RowError[]) => errors.map((e) => [e.sheet, e.row, e.column, e.message.split('.').pop()]);
const studentsContext = { classes: new Set(['701']), staffNo: () => undefined };
/** Every ASCII digit of a text made full-width, as a Chinese input method types it. */
const wide = (text: string) => text.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));

test("a formula is one of its row's problems: the row's other cells are checked too", () => {
  const [classes, staff] = CLASSES_TEACHERS as [SheetSpec, SheetSpec];
  const ct = checkClassesTeachers(
    new Map([
      sheet(classes, [['701', '', { formula: '7' }, 'T001']]),
      sheet(staff, [['T001', '王大明', { formula: ID.a }, '老師', '', 'not-an-email']]),
    ]),
  );
  assert.ok(!ct.ok && 'errors' in ct);
  assert.deepEqual(problems(ct.errors), [
    ['班級', 2, '年級', 'formula'],
    ['班級', 2, '班級名稱', 'required'],
    ['教師', 2, '身分證統一編號', 'formula'],
    ['教師', 2, '身分別', 'notInList'],
    ['教師', 2, 'Email', 'email'],
  ]);

  const [students, parents] = STUDENTS_PARENTS as [SheetSpec, SheetSpec];
  const sp = checkStudentsParents(
    new Map([
      sheet(students, [['1130001', '', ID.f, '701', { formula: '1' }, '102/02/30', '女']]),
      sheet(parents, [['1130001', '王爸爸', '叔叔', { formula: '0912345678' }, { formula: ID.a }]]),
    ]),
    studentsContext,
  );
  assert.ok(!sp.ok && 'errors' in sp);
  assert.deepEqual(problems(sp.errors), [
    ['學生', 2, '座號', 'formula'],
    ['學生', 2, '姓名', 'required'],
    ['學生', 2, '出生日期', 'birthDate'],
    ['家長', 2, '手機', 'formula'],
    ['家長', 2, '身分證統一編號', 'formula'],
    ['家長', 2, '關係', 'notInList'],
  ]);

  const courses = checkCourses(new Map([sheet(COURSES[0]!, [[{ formula: '701' }, 'MATH', '數學', 'T009', '0']])]), {
    classes: new Set(['701']),
    staff: new Set(['T001']),
  });
  assert.ok(!courses.ok && 'errors' in courses);
  assert.deepEqual(problems(courses.errors), [
    ['配課', 2, '班級代碼', 'formula'],
    ['配課', 2, '教師編號', 'noSuchStaff'],
    ['配課', 2, '每週節數', 'hours'],
  ]);
});

test('a formula alone in a row is its only problem; a formula after the template’s columns too', () => {
  const [classes, staff] = CLASSES_TEACHERS as [SheetSpec, SheetSpec];
  const ct = checkClassesTeachers(
    new Map([
      sheet(classes, [['701', '7年1班', '7', 'T001', { formula: '1+1' }]]),
      sheet(staff, [['T001', '王大明', { formula: ID.a }, '教師', '', '']]),
    ]),
  );
  assert.ok(!ct.ok && 'errors' in ct);
  assert.deepEqual(problems(ct.errors), [
    ['班級', 2, '', 'formula'],
    ['教師', 2, '身分證統一編號', 'formula'],
  ]);
});

/** 學生及家長 with every number, code, date and phone number full-width; names as a school types them. */
const wideStudents = {
  students: [['１１３０００１', '王小華', wide(ID.f), '７０１', '１２', '１０２／０５／１２', '女']],
  parents: [['１１３０００１', '王大明', '父親', '０９１２－３４５－６７８', wide(ID.a)]],
};
const meant = {
  students: [
    {
      row: 2,
      studentNo: '1130001',
      name: '王小華',
      nationalId: ID.f,
      classCode: '701',
      seat: 12,
      birthdate: '2013-05-12',
      gender: 'female',
    },
  ],
  parents: [
    { row: 2, studentNo: '1130001', name: '王大明', relationship: 'father', mobile: '0912345678', nationalId: ID.a },
  ],
};

test('full-width digits in the cells are the digits meant: students, parents, classes, teachers, courses', () => {
  const [students, parents] = STUDENTS_PARENTS as [SheetSpec, SheetSpec];
  const sp = checkStudentsParents(
    new Map([sheet(students, wideStudents.students), sheet(parents, wideStudents.parents)]),
    studentsContext,
  );
  assert.ok(sp.ok, JSON.stringify(sp));
  assert.deepEqual(sp.value, meant);

  const [classes, staff] = CLASSES_TEACHERS as [SheetSpec, SheetSpec];
  const ct = checkClassesTeachers(
    new Map([
      // Names as typed (a class's too, as in the back office's form); every number and code half-width.
      sheet(classes, [['７０１', '７年１班', '７', 'Ｔ００１']]),
      sheet(staff, [['Ｔ００１', '王大明', wide(ID.a), '教師', '導師', 'ｗａｎｇ１＠example.edu.tw']]),
    ]),
  );
  assert.ok(ct.ok, JSON.stringify(ct));
  assert.deepEqual(ct.value, {
    classes: [{ code: '701', name: '７年１班', grade: 7, homeroom: 'T001' }],
    staff: [
      {
        row: 2,
        staffNo: 'T001',
        name: '王大明',
        nationalId: ID.a,
        kind: 'teacher',
        title: '導師',
        email: 'wang1@example.edu.tw',
      },
    ],
  });

  const courses = checkCourses(new Map([sheet(COURSES[0]!, [['７０１', 'ＭＡＴＨ', '數學', 'Ｔ００１', '４']])]), {
    classes: new Set(['701']),
    staff: new Set(['T001']),
  });
  assert.ok(courses.ok, JSON.stringify(courses));
  assert.deepEqual(courses.value, [
    { classCode: '701', subjectCode: 'MATH', subjectName: '數學', staffNo: 'T001', hours: 4 },
  ]);
});

test('full-width digits in an uploaded workbook are the digits meant', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-wide-'));
  try {
    const workbook = new ExcelJS.Workbook();
    for (const [spec, rows] of [
      [STUDENTS_PARENTS[0]!, wideStudents.students],
      [STUDENTS_PARENTS[1]!, wideStudents.parents],
    ] as const)
      workbook.addWorksheet(spec.name).addRows([spec.columns.map((c) => c.header), ...rows]);
    const file = path.join(dir, 'wide.xlsx');
    fs.writeFileSync(file, Buffer.from(await workbook.xlsx.writeBuffer()));
    const read = await readWorkbook(file, { sheets: ['學生', '家長'], maxRows: 10 });
    assert.ok(read.ok);
    const checked = checkStudentsParents(read.sheets, studentsContext);
    assert.ok(checked.ok, JSON.stringify(checked));
    assert.deepEqual(checked.value, meant);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('full-width digits sent to the JSON roster API are the digits meant', () => {
  const [s] = wideStudents.students;
  const [p] = wideStudents.parents;
  const body = {
    students: [
      {
        student_no: s![0],
        name: s![1],
        national_id: s![2],
        class_code: s![3],
        seat: s![4],
        birthdate: s![5],
        gender: 'female',
      },
    ],
    parents: [{ student_no: p![0], name: p![1], relationship: 'father', mobile: p![3], national_id: p![4] }],
  };
  const sheets = sheetsFromJson('students-parents', body, 10);
  assert.ok(sheets.ok);
  const checked = checkStudentsParents(sheets.sheets, studentsContext);
  assert.ok(checked.ok, JSON.stringify(checked));
  assert.deepEqual(checked.value, meant);
});

test('full-width digits in a OneRoster bundle are the digits meant, the school’s code and the grades too', async () => {
  const csv = (rows: string[][]) => `${rows.map((r) => r.map(wide).join(',')).join('\r\n')}\r\n`;
  const files = {
    'orgs.csv': csv([
      ['sourcedId', 'status', 'name', 'type', 'identifier'],
      ['org-1', 'active', '示範高職', 'school', '353604'],
    ]),
    'classes.csv': csv([
      ['sourcedId', 'status', 'title', 'grades', 'classCode', 'classType', 'schoolSourcedId'],
      ['c-1', 'active', '忠班', '07', '701', 'homeroom', 'org-1'],
    ]),
    'users.csv': csv([
      ['sourcedId', 'status', 'username', 'userIds', 'givenName', 'familyName', 'identifier', 'sms', 'agentSourcedIds'],
      ['u-t1', 'active', 'wang', `{nationalId:${ID.a}}`, '大明', '王', 'T001', '', ''],
      ['u-s1', 'active', 's1', `{nationalId:${ID.f}}`, '小華', '王', '1130001', '', 'u-p1'],
      ['u-p1', 'active', 'p1', '', '爸爸', '王', '', '0912345678', 'u-s1'],
    ]),
    'roles.csv': csv([
      ['sourcedId', 'status', 'userSourcedId', 'role', 'orgSourcedId'],
      ['r1', 'active', 'u-t1', 'teacher', 'org-1'],
      ['r2', 'active', 'u-s1', 'student', 'org-1'],
      ['r3', 'active', 'u-p1', 'parent', 'org-1'],
    ]),
    'enrollments.csv': csv([
      ['sourcedId', 'status', 'classSourcedId', 'userSourcedId', 'role', 'primary', 'metadata.seat'],
      ['e1', 'active', 'c-1', 'u-t1', 'teacher', 'true', ''],
      ['e2', 'active', 'c-1', 'u-s1', 'student', 'false', '12'],
    ]),
    'demographics.csv': csv([
      ['sourcedId', 'status', 'birthDate', 'sex'],
      ['u-s1', 'active', '2013-05-12', 'female'],
    ]),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-wide-'));
  try {
    const file = path.join(dir, 'oneroster.zip');
    fs.writeFileSync(file, zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
    const read = await readOneRoster(file, '353604', 100);
    assert.ok(read.ok, JSON.stringify(read));
    const ct = checkClassesTeachers(read.sheets);
    assert.ok(ct.ok, JSON.stringify(ct));
    assert.deepEqual(ct.value.classes, [{ code: '701', name: '忠班', grade: 7, homeroom: 'T001' }]);
    assert.deepEqual(
      ct.value.staff.map((s) => [s.staffNo, s.nationalId]),
      [['T001', ID.a]],
    );
    const sp = checkStudentsParents(read.sheets, studentsContext);
    assert.ok(sp.ok, JSON.stringify(sp));
    assert.deepEqual(
      sp.value.students.map((s) => [s.studentNo, s.nationalId, s.classCode, s.seat, s.birthdate]),
      [['1130001', ID.f, '701', 12, '2013-05-12']],
    );
    assert.deepEqual(
      sp.value.parents.map((p) => [p.studentNo, p.mobile]),
      [['1130001', '0912345678']],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the templates' example rows are no one's, and are refused as the example in every file and every way sent", () => {
  // The example national IDs fail the checksum (no row can hold one for a person) and are none of the demo's.
  for (const id of Object.values(EXAMPLE_NATIONAL_IDS)) {
    assert.ok(!isValidNationalId(id), id);
    assert.ok(!['A123456789', 'F223456786'].includes(id));
  }
  const example = (spec: SheetSpec) => spec.columns.map((c) => c.example);
  const marked = (spec: SheetSpec) => sheet(spec, [[...example(spec), EXAMPLE_MARK]]);
  const [classes, staff] = CLASSES_TEACHERS as [SheetSpec, SheetSpec];
  const [students, parents] = STUDENTS_PARENTS as [SheetSpec, SheetSpec];
  // As the template has it (the mark beside the row): every sheet's example row, and nothing else said of it.
  const ct = checkClassesTeachers(new Map([marked(classes), marked(staff)]));
  assert.ok(!ct.ok && 'errors' in ct);
  assert.deepEqual(problems(ct.errors), [
    ['班級', 2, '班級代碼', 'exampleRow'],
    ['教師', 2, '身分證統一編號', 'exampleRow'],
  ]);
  const sp = checkStudentsParents(new Map([marked(students), marked(parents)]), studentsContext);
  assert.ok(!sp.ok && 'errors' in sp);
  assert.deepEqual(problems(sp.errors), [
    ['學生', 2, '身分證統一編號', 'exampleRow'],
    ['家長', 2, '學生學號', 'exampleRow'],
  ]);
  const courses = checkCourses(new Map([marked(COURSES[0]!)]), {
    classes: new Set(['701']),
    staff: new Set(['T0001']),
  });
  assert.ok(!courses.ok && 'errors' in courses);
  assert.deepEqual(problems(courses.errors), [['配課', 2, '班級代碼', 'exampleRow']]);
  // Without the mark (copied into another workbook, sent to the JSON roster API): by its national ID.
  const copied = checkClassesTeachers(
    new Map([sheet(classes, [['701', '7年1班', '7', '']]), sheet(staff, [example(staff)])]),
  );
  assert.ok(!copied.ok && 'errors' in copied);
  assert.deepEqual(problems(copied.errors), [['教師', 2, '身分證統一編號', 'exampleRow']]);
  const json = sheetsFromJson(
    'students-parents',
    {
      students: [Object.fromEntries(students.columns.map((c) => [c.field, c.words?.[c.example] ?? c.example]))],
      parents: [],
    },
    10,
  );
  assert.ok(json.ok);
  const sent = checkStudentsParents(json.sheets, studentsContext);
  assert.ok(!sent.ok && 'errors' in sent);
  assert.deepEqual(problems(sent.errors), [['學生', 2, '身分證統一編號', 'exampleRow']]);
  // A real row with a note of the school's own after its columns is no example.
  const noted = checkClassesTeachers(
    new Map([sheet(classes, [['701', '7年1班', '7', '', '新班']]), sheet(staff, [['T001', '王大明', ID.a, '教師']])]),
  );
  assert.ok(noted.ok, JSON.stringify(noted));
});

test('names are compared as people write them: spaces, full width, dots and case aside, nothing else', () => {
  for (const [a, b] of [
    ['王小明', '王 小明'],
    ['王小明', '王　小明 '],
    ['Wang Xiao-Ming', 'ＷＡＮＧ ｘｉａｏ－ｍｉｎｇ'],
    ['麥可·喬丹', '麥可‧喬丹'],
    ['麥可·喬丹', '麥可喬丹'],
    ['王小明\u{E0100}', '王小明'],
  ] as const)
    assert.ok(samePersonName(a, b), `${a} = ${b}`);
  for (const [a, b] of [
    ['王小明', '王小華'],
    ['王小明', '王大明'],
    ['林小華', '林小'],
  ] as const)
    assert.ok(!samePersonName(a, b), `${a} ≠ ${b}`);
  assert.ok(namesHolder({ name: '林小華', birthdate: '2013-09-02' }, { name: '林 小華', birthdate: '2013-09-02' }));
  assert.ok(!namesHolder({ name: '林小華', birthdate: '2013-09-02' }, { name: '林小華', birthdate: '2013-05-12' }));
  assert.ok(namesHolder({ name: '林小華', birthdate: null }, { name: '林小華', birthdate: '2013-05-12' }), 'unknown');
  assert.ok(namesHolder({ name: '王小明', birthdate: '1985-03-14' }, { name: '王小明' }), 'a teacher: the name');
});
