// The import's row checks, whatever the file: a row with a formula has every one of its problems listed at once (the
// formula's cell being one of them), not the formula alone and the next problem after it is fixed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidNationalId } from '../../people/national-id.ts';
import { CLASSES_TEACHERS, checkClassesTeachers } from './classes-teachers.ts';
import { COURSES, checkCourses } from './courses.ts';
import type { RowError } from './rows.ts';
import { checkStudentsParents, STUDENTS_PARENTS } from './students-parents.ts';
import type { SheetRows, SheetSpec } from './workbook.ts';

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
