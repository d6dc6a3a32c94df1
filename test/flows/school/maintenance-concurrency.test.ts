// 維護資料 with two administrators of one school at the same moment (a race audit): two students moved to the same free
// seat at once — one saved, the other refused with the seat message, never two on one seat; two edits of one row from
// pages loaded before either saved — the second writes nothing and answers 409 with the row as it is now and what was
// typed, for every part; an edit from a page loaded before an import changed the row is refused the same way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import {
  CLASS_HEADERS,
  COURSE_HEADERS,
  importRoster,
  newSchoolCode,
  PARENT_HEADERS,
  STAFF_HEADERS,
  STUDENT_HEADERS,
  setSemester,
  signInOffice,
  xlsx,
} from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const SCHOOL = newSchoolCode('5');
const ROUNDS = 6;

describe(`two administrators maintaining one roster at once (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let a: Agent;
  let b: Agent;
  const students = Array.from({ length: 2 * ROUNDS + 3 }, (_, i) => [
    String(1140001 + i),
    `學生${i}`,
    randomNationalId(),
    '701',
    i + 1,
    '102/05/12',
    '男',
  ]);
  const studentsFile = (rename: Record<string, string> = {}) =>
    xlsx({
      學生: [STUDENT_HEADERS, ...students.map((s) => s.map((v, i) => (i === 1 ? (rename[s[0] as string] ?? v) : v)))],
      家長: [PARENT_HEADERS, ['1140001', '林爸爸', '父親', '0912000111', '']],
    });

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, {
      code: SCHOOL,
      name: `私立併發高職${SCHOOL}`,
      level: 'vocational',
      kind: 'private',
    });
    const one = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'office-a');
    const two = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'office-b');
    a = new Agent();
    b = new Agent();
    await signInOffice(base, a, one.email);
    await signInOffice(base, b, two.email);
    await setSemester(server, SCHOOL, one.personId);
    await importRoster(
      base,
      a,
      SCHOOL,
      'classes-teachers',
      await xlsx({
        班級: [CLASS_HEADERS, ['701', '7年1班', 7, 'T001'], ['702', '7年2班', 7, '']],
        教師: [
          STAFF_HEADERS,
          ['T001', '王大明', randomNationalId(), '教師', '導師', ''],
          ['T002', '李小英', randomNationalId(), '教師', '', ''],
        ],
      }),
    );
    await importRoster(
      base,
      a,
      SCHOOL,
      'courses',
      await xlsx({ 配課: [COURSE_HEADERS, ['701', 'MATH', '數學', 'T001', 4]] }),
    );
    await importRoster(base, a, SCHOOL, 'students-parents', await studentsFile());
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;
  const term = { school_code: SCHOOL, academic_year: 115, semester: 1 };
  const page = async (agent: Agent, path: string) => {
    const p = await agent.request(`${base}/school/${SCHOOL}/roster/${path}`);
    assert.equal(p.status, 200, path);
    return p;
  };
  const studentRow = (no: string) =>
    db()('roster_students')
      .where({ ...term, student_no: no })
      .first();
  /** Sends the edit form as a browser does (its fields as the page filled them, hidden ones too), `fields` typed over. */
  const post = (agent: Agent, path: string, form: Step, fields: Record<string, string>) => {
    const body = new URLSearchParams({ _csrf: hiddenField(form.body, '_csrf') });
    const version = /name="version" value="([^"]*)"/.exec(form.body)?.[1];
    if (version !== undefined) body.set('version', version);
    const edit = /<form id="roster-edit"[\s\S]*?<\/form>/.exec(form.body)?.[0] ?? '';
    const entities = (v: string) => v.replaceAll('&quot;', '"').replaceAll('&amp;', '&');
    for (const m of edit.matchAll(/<input [^>]*?name="([a-z_]+)" value="([^"]*)"/g))
      if (m[1] !== '_csrf' && m[1] !== 'version') body.set(m[1]!, entities(m[2]!));
    for (const m of edit.matchAll(/<select [^>]*?name="([a-z_]+)"[^>]*>([\s\S]*?)<\/select>/g))
      body.set(m[1]!, entities(/<option value="([^"]*)" selected/.exec(m[2]!)?.[1] ?? ''));
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    return agent.request(`${base}/school/${SCHOOL}/roster/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  };
  const student = (no: string, change: Record<string, string>) => {
    const s = students.find((x) => x[0] === no)!;
    return {
      name: String(s[1]),
      class_code: '701',
      seat: String(s[4]),
      birthdate: '102/05/12',
      gender: 'male',
      reason: '併發測試',
      ...change,
    };
  };
  const inputValue = (body: string, id: string) =>
    new RegExp(`<input id="${id}"[^>]*value="([^"]*)"`).exec(body)?.[1] ??
    new RegExp(`<select id="${id}"[^]*?<option value="([^"]*)" selected`).exec(body)?.[1];

  it('two students moved to the same free seat at once: one saved, the other refused with the seat message', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [one, two] = [students[2 * round]![0] as string, students[2 * round + 1]![0] as string];
      const [p1, p2] = await Promise.all([page(a, `students/${one}`), page(b, `students/${two}`)]);
      const seat = String(round + 1);
      const answers = await Promise.all([
        post(a, `students/${one}`, p1, student(one, { class_code: '702', seat })),
        post(b, `students/${two}`, p2, student(two, { class_code: '702', seat })),
      ]);
      const onSeat = await db()('roster_students').where({
        ...term,
        class_code: '702',
        seat: Number(seat),
        status: 'active',
      });
      assert.equal(
        onSeat.length,
        1,
        `round ${round}: one student on seat ${seat} (answers ${answers.map((x) => x.status)})`,
      );
      assert.deepEqual(answers.map((x) => x.status).sort(), [303, 400], `round ${round}: one saved, one refused`);
      const refused = answers.find((x) => x.status === 400)!;
      assert.ok(refused.body.includes(html(zh('school.roster.errors.seatTaken', { code: '702' }))));
      const winner = answers[0]!.status === 303 ? one : two;
      assert.equal(onSeat[0].student_no, winner, 'the one whose save answered 303');
    }
  });

  it('the second of two edits from pages loaded before either saved writes nothing: 409, the row as it is now, what was typed', async () => {
    const no = students[2 * ROUNDS]![0] as string;
    const name = String(students[2 * ROUNDS]![1]);
    const [pa, pb] = await Promise.all([page(a, `students/${no}`), page(b, `students/${no}`)]);
    const first = await post(a, `students/${no}`, pa, student(no, { name: `${name}改` }));
    assert.equal(first.status, 303);
    const second = await post(b, `students/${no}`, pb, student(no, { gender: 'female', reason: '更正性別' }));
    assert.equal(second.status, 409);
    assert.ok(second.body.includes(html(zh('school.roster.conflict'))), 'the message in plain words');
    assert.equal(inputValue(second.body, 'name'), `${name}改`, 'the form shows the row as it is now');
    assert.equal(inputValue(second.body, 'gender'), 'female', 'with their own change on it');
    assert.ok(second.body.includes(html(zh('school.roster.conflictTyped'))));
    assert.ok(
      second.body.includes(
        `<li id="typed-gender">${html(zh('labelled', { label: '性別', text: zh('gender.female') }))}</li>`,
      ),
      'what they changed is listed',
    );
    assert.ok(!second.body.includes('id="typed-name"'), 'not the name their page had, which the other changed');
    assert.ok(!second.body.includes('id="typed-seat"'), 'not what is the same now');
    assert.equal(inputValue(second.body, 'reason'), '更正性別', 'the reason is kept');
    let row = await studentRow(no);
    assert.deepEqual([row.name, row.gender], [`${name}改`, 'male'], 'the first change kept, nothing of the second');

    // Made again from the page it answered: saved, both changes kept.
    const again = await post(b, `students/${no}`, second, student(no, { name: `${name}改`, gender: 'female' }));
    assert.equal(again.status, 303);
    row = await studentRow(no);
    assert.deepEqual([row.name, row.gender], [`${name}改`, 'female']);

    // In English too; and a form without its version is not saved either.
    const stale = await post(b, `students/${no}?lang=en`, pb, student(no, { seat: '40' }));
    assert.equal(stale.status, 409);
    assert.ok(stale.body.includes(html(en('school.roster.conflict'))));
    await b.request(`${base}/school/${SCHOOL}/roster?lang=zh-TW`);
    const bare = await b.request(`${base}/school/${SCHOOL}/roster/students/${no}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: hiddenField(pb.body, '_csrf'), ...student(no, { seat: '40' }) }).toString(),
    });
    assert.equal(bare.status, 409);
    assert.equal((await studentRow(no)).seat, 2 * ROUNDS + 1);
  });

  it("a 409 lists only the fields this page changed and keeps the other's change: a move, then a name corrected", async () => {
    const no = students[2 * ROUNDS + 2]![0] as string;
    const name = String(students[2 * ROUNDS + 2]![1]);
    const [pa, pb] = await Promise.all([page(a, `students/${no}`), page(b, `students/${no}`)]);
    // A moves the student to class 702, seat 12; B, from the page loaded before, corrects only the name.
    const moved = await post(a, `students/${no}`, pa, { class_code: '702', seat: '12', reason: '轉班' });
    assert.equal(moved.status, 303);
    const second = await post(b, `students/${no}`, pb, { name: `${name}正`, reason: '更正姓名' });
    assert.equal(second.status, 409);
    const typed = /<ul id="roster-typed">([\s\S]*?)<\/ul>/.exec(second.body)?.[1] ?? '';
    assert.deepEqual(
      [...typed.matchAll(/<li id="typed-([a-z_]+)"/g)].map((m) => m[1]),
      ['name'],
      'only the name is listed as typed here, not the class and seat the old page had',
    );
    assert.ok(typed.includes(html(zh('labelled', { label: '姓名', text: `${name}正` }))));
    assert.equal(inputValue(second.body, 'class_code'), '702', "the other's move is on the form");
    assert.equal(inputValue(second.body, 'seat'), '12');
    assert.equal(inputValue(second.body, 'name'), `${name}正`, 'with the name this person typed');
    // Saved as it stands: both changes kept.
    const again = await post(b, `students/${no}`, second, {});
    assert.equal(again.status, 303, 'the form as answered saves');
    const row = await studentRow(no);
    assert.deepEqual([row.name, row.class_code, row.seat], [`${name}正`, '702', 12]);

    // A page whose copy of what it loaded does not match its version (altered): what differs from the row now.
    const [pc, pd] = await Promise.all([page(a, `students/${no}`), page(b, `students/${no}`)]);
    assert.equal((await post(a, `students/${no}`, pc, { seat: '13', reason: '換座位' })).status, 303);
    const altered = await post(b, `students/${no}`, pd, { loaded_seat: '1', reason: '更正' });
    assert.equal(altered.status, 409);
    assert.ok(altered.body.includes('id="typed-seat"'), 'its old seat, which differs from the row now, is listed');
    assert.equal((await studentRow(no)).seat, 13);
  });

  it('two edits of one row sent at once: one saved, the other 409, neither lost silently', async () => {
    const no = students[2 * ROUNDS + 1]![0] as string;
    const name = String(students[2 * ROUNDS + 1]![1]);
    for (let round = 0; round < 3; round++) {
      const was = (await studentRow(no)).gender;
      const [pa, pb] = await Promise.all([page(a, `students/${no}`), page(b, `students/${no}`)]);
      const answers = await Promise.all([
        post(a, `students/${no}`, pa, student(no, { name: `${name}${round}` })),
        post(b, `students/${no}`, pb, student(no, { name: `${name}${round}`, gender: round % 2 ? 'male' : 'female' })),
      ]);
      assert.deepEqual(answers.map((x) => x.status).sort(), [303, 409], `round ${round}`);
      const row = await studentRow(no);
      assert.equal(row.name, `${name}${round}`);
      // A's form sends the gender 'male' (student()), B's its own: the one saved is as it was sent.
      assert.equal(
        row.gender,
        answers[1]!.status === 303 ? (round % 2 ? 'male' : 'female') : student(no, {}).gender,
        `the saved one as sent (was ${was})`,
      );
    }
  });

  it('every part: the second edit from an old page is refused with 409 and the first change kept', async () => {
    const parentKey = `1140001~${server.storage.keyring.blindIndex('roster-row', '0912000111').slice(0, 16)}`;
    const cases: {
      path: string;
      first: Record<string, string>;
      second: Record<string, string>;
      check: () => Promise<unknown>;
      want: unknown;
    }[] = [
      {
        path: 'classes/701',
        first: { name: '7年1班甲', grade: '7', homeroom_staff_no: 'T001' },
        second: { name: '7年1班', grade: '8', homeroom_staff_no: 'T001' },
        check: async () =>
          (
            await db()('roster_classes')
              .where({ ...term, code: '701' })
              .first()
          ).grade,
        want: 7,
      },
      {
        path: 'staff/T002',
        first: { name: '李小英', kind: 'teacher', title: '組長', email: '' },
        second: { name: '李曉英', kind: 'teacher', title: '', email: '' },
        check: async () =>
          (
            await db()('roster_staff')
              .where({ ...term, staff_no: 'T002' })
              .first()
          ).name,
        want: '李小英',
      },
      {
        path: `parents/${parentKey}`,
        first: { name: '林大爸', relationship: 'father', mobile: '0912000111' },
        second: { name: '林爸爸', relationship: 'other', mobile: '0912000111' },
        check: async () => {
          const r = await db()('roster_parents')
            .where({ ...term, student_no: '1140001' })
            .first();
          return [r.name, r.relationship];
        },
        want: ['林大爸', 'father'],
      },
      {
        path: 'courses/701~MATH',
        first: { subject_name: '數學', staff_no: 'T001', hours: '5' },
        second: { subject_name: '數學', staff_no: 'T002', hours: '4' },
        check: async () => {
          const r = await db()('roster_courses')
            .where({ ...term, class_code: '701', subject_code: 'MATH' })
            .first();
          return [r.staff_no, r.hours];
        },
        want: ['T001', 5],
      },
    ];
    for (const c of cases) {
      const [pa, pb] = await Promise.all([page(a, c.path), page(b, c.path)]);
      assert.equal((await post(a, c.path, pa, { ...c.first, reason: '先改' })).status, 303, c.path);
      const second = await post(b, c.path, pb, { ...c.second, reason: '後改' });
      assert.equal(second.status, 409, c.path);
      assert.ok(second.body.includes(html(zh('school.roster.conflict'))), c.path);
      assert.deepEqual(await c.check(), c.want, `${c.path}: the first change kept`);
    }
  });

  it('an edit from a page loaded before an import changed the row does not write the import back', async () => {
    const no = students[0]![0] as string;
    const form = await page(a, `students/${no}`);
    const before = await studentRow(no);
    await importRoster(base, b, SCHOOL, 'students-parents', await studentsFile({ [no]: '匯入新名' }));
    assert.equal((await studentRow(no)).name, '匯入新名');
    const saved = await post(a, `students/${no}`, form, {
      name: before.name,
      class_code: before.class_code,
      seat: String(before.seat),
      birthdate: '102/05/12',
      gender: 'female',
      reason: '更正性別',
    });
    assert.equal(saved.status, 409);
    assert.equal((await studentRow(no)).name, '匯入新名');
  });
});
