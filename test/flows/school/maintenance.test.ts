// 維護資料 over HTTP (issue 14, item 4): the roster searched by part with national IDs masked, the whole number shown
// only on request and audited, a row edited with the import's checks (values kept on an error, a reason required,
// who/what/why audited), a person marked as left — and publishing then carrying the change to the slips; another
// school's administrator sees nothing; forms need their CSRF token. Each part's edit page is named and labelled in its
// own words (a class, a course assignment, a parent); a parent's mobile number is corrected with the import's check,
// the row (and its published slip) moving to the new number's key.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { maskNationalId } from '../../../src/domain/people/national-id.ts';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import {
  CLASS_HEADERS,
  COURSE_HEADERS,
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
const en = translator('en');
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
      'courses',
      await xlsx({ 配課: [COURSE_HEADERS, ['701', 'MATH', '數學', 'T001', 4], ['702', 'ENG', '英文', 'T001', 3]] }),
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
        家長: [
          PARENT_HEADERS,
          ['1130001', '王爸爸', '父親', '0912345678', ''],
          ['1130001', '王媽媽', '母親', '0922333444', ''],
          ['1130001', '陳阿公', '祖父', '0933444555', ''],
        ],
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
      body: new URLSearchParams({
        _csrf: hiddenField(form.body, '_csrf'),
        ...version(form.body),
        ...fields,
      }).toString(),
    });
  };
  /** The row's version an edit form carries back (none on other pages). */
  const version = (body: string): Record<string, string> => {
    const v = /name="version" value="([^"]*)"/.exec(body)?.[1];
    return v === undefined ? {} : { version: v };
  };
  const student = (no: string) =>
    db()('roster_students').where({ school_code: SCHOOL, academic_year: 115, semester: 1, student_no: no }).first();
  const keys = (body: string) => [...body.matchAll(/<tr data-key="([^"]+)">/g)].map((m) => m[1]);
  const parentKey = (studentNo: string, mobile: string) =>
    `${studentNo}~${server.storage.keyring.blindIndex('roster-row', mobile).slice(0, 16)}`;
  const h1 = (body: string) => /<h1>([^<]*)<\/h1>/.exec(body)?.[1];
  const title = (body: string) => /<title>([^<]*)<\/title>/.exec(body)?.[1];
  const labelOf = (body: string, id: string) => new RegExp(`<label for="${id}">([^<]*)</label>`).exec(body)?.[1];
  const factOf = (body: string, id: string) =>
    new RegExp(`<div id="fact-${id}"><dt>([^<]*)</dt><dd>([^<]*)</dd></div>`).exec(body)?.slice(1);

  it('searches each part by number, name or class; national IDs masked', async () => {
    const all = await page('/roster?part=students');
    // On a phone: the name itself is the link to the row's page (at the left, no sideways scrolling), kept on one line.
    assert.ok(
      all.body.includes(
        `<td class="acct-nowrap"><a href="/school/${SCHOOL}/roster/students/1130002">林小美<span class="visually-hidden"> ${html(zh('school.roster.edit'))}</span></a></td>`,
      ),
    );
    const courses = await page('/roster?part=courses');
    assert.match(
      courses.body,
      new RegExp(`<td class="acct-nowrap"><a href="/school/${SCHOOL}/roster/courses/701~MATH">數學<`),
    );
    assert.equal(all.status, 200);
    assert.deepEqual(keys(all.body), ['1130001', '1130002', '1130003']);
    assert.ok(all.body.includes(maskNationalId(ids.hua)));
    assert.ok(!all.body.includes(ids.hua), 'never the whole number in the list');
    assert.deepEqual(keys((await page('/roster?part=students&q=702')).body), ['1130003']);
    assert.deepEqual(keys((await page(`/roster?part=students&q=${encodeURIComponent('林')}`)).body), ['1130002']);
    assert.deepEqual(keys((await page('/roster?part=classes')).body), ['701', '702']);
    // A parent's row is named by the student number and a keyed digest of the mobile, never the number itself.
    const parents = await page(`/roster?part=parents&q=${encodeURIComponent('王爸爸')}`);
    assert.deepEqual(keys(parents.body), [parentKey('1130001', '0912345678')]);
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
    assert.equal(saved.location, `${base}/school/${SCHOOL}/roster/students/1130002?saved=1`, 'back to the row');
    const shown = await agent.request(saved.location!);
    assert.ok(
      shown.body.includes(`<p class="acct-notice" id="roster-saved" role="status">${zh('school.roster.saved')}</p>`),
    );
    assert.match(shown.body, /<input id="class_code"[^>]*value="702"/, 'as saved');
    // 已經修改完成 is said once: the language link leads to the row as it is now, not to the notice again.
    const link = /<a class="lang" href="([^"]+)"/.exec(shown.body)?.[1]?.replaceAll('&amp;', '&');
    assert.equal(link, `/school/${SCHOOL}/roster/students/1130002?lang=en`);
    const english = await agent.request(`${base}${link}`);
    assert.equal(english.status, 200);
    assert.ok(!english.body.includes('id="roster-saved"'), 'no saved notice in the other language');
    assert.match(english.body, /<input id="class_code"[^>]*value="702"/);
    await page('/roster?lang=zh-TW');
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
    const answer = await post('/roster/students/1130001/reveal', {}, form);
    assert.equal(answer.status, 303, 'sent on to the page that shows it (Post/Redirect/Get)');
    assert.match(answer.location!, new RegExp(`/school/${SCHOOL}/roster/students/1130001\\?shown=[\\w-]+$`));
    assert.ok(!answer.location!.includes(ids.hua), 'never the number in the address');
    const shownRes = await fetch(answer.location!, {
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(shownRes.status, 200);
    assert.equal(shownRes.headers.get('cache-control'), 'no-store', 'the browser keeps no copy');
    assert.ok((await shownRes.text()).includes(`<span id="revealed-id">${ids.hua}</span>`));
    // Reloaded (or Back to it): masked again, a word on why; nothing revealed or audited again.
    const reloaded = await agent.request(answer.location!);
    assert.equal(reloaded.status, 200);
    assert.ok(!reloaded.body.includes(ids.hua));
    assert.ok(reloaded.body.includes(maskNationalId(ids.hua)));
    assert.ok(reloaded.body.includes('id="reveal-once"') && reloaded.body.includes('id="reveal-form"'));
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
    // In the part's own words (離校原因), not the edit form's.
    const said = /id="leave-reason-error"[^>]*>([^<]+)</.exec(noReason.body)?.[1];
    assert.equal(said, html(zh('school.roster.parts.students.leaveReasonRequired')));
    assert.match(said!, /離校/);
    for (const [path, part, word] of [
      ['/roster/staff/T001/leave', 'staff', '離職'],
      [`/roster/parents/${parentKey('1130001', '0922333444')}/leave`, 'parents', '移出'],
      ['/roster/courses/701~MATH/leave', 'courses', '停開'],
    ] as const) {
      const empty = await post(path, { reason: '' });
      assert.equal(empty.status, 400, path);
      const text = /id="leave-reason-error"[^>]*>([^<]+)</.exec(empty.body)?.[1];
      assert.equal(text, html(zh(`school.roster.parts.${part}.leaveReasonRequired`)), path);
      assert.ok(text!.includes(word) && text !== html(zh('school.roster.errors.reason')), path);
    }
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
    const wangKey = parentKey('1130001', '0912345678');
    assert.equal((await page(`/roster/parents/${wangKey}`)).status, 200);
    // Read with its national ID revealed and edited: the audit names the row without the mobile number.
    const edited = await post(`/roster/parents/${wangKey}`, {
      name: '王大爸',
      relationship: 'father',
      mobile: '0912345678',
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
  it('names and labels a class’s, a course assignment’s and a parent’s edit page in their own words', async () => {
    const noPersonWords = (body: string, what: string) => {
      assert.ok(!body.includes('undefined'), `${what}: no "undefined"`);
      for (const word of [zh('school.roster.parts.students.active'), zh('school.roster.parts.staff.active')])
        assert.ok(!body.includes(word), `${what}: not "${word}"`);
      assert.ok(!body.includes(`>${zh('school.roster.parts.students.labels.name')}<`), `${what}: no person's 姓名`);
    };

    // A class: its name in the title, 班級名稱 (not 姓名), in use (not 在學／在職), and no "mark as left".
    const klass = await page('/roster/classes/701');
    assert.equal(klass.status, 200);
    const classTitle = zh('school.roster.parts.classes.editTitle', { name: '7年1班' });
    assert.equal(classTitle, '修改班級資料：7年1班');
    assert.equal(h1(klass.body), html(classTitle));
    assert.ok(title(klass.body)?.startsWith(html(classTitle)));
    assert.equal(labelOf(klass.body, 'name'), '班級名稱');
    assert.equal(labelOf(klass.body, 'homeroom_staff_no'), '導師教師編號');
    assert.deepEqual(factOf(klass.body, 'code'), ['班級代碼', '701']);
    assert.deepEqual(factOf(klass.body, 'status'), ['狀態', '使用中']);
    assert.ok(!klass.body.includes('id="roster-leave"'), 'a class is not marked as left here');
    noPersonWords(klass.body, 'class');
    assert.equal((await post('/roster/classes/701/leave', { reason: '併班' }, klass)).status, 404);

    // A course assignment: the class and subject in the title, its own labels, and "cancelled" instead of "left".
    const course = await page('/roster/courses/701~MATH');
    assert.equal(course.status, 200);
    const courseTitle = zh('school.roster.parts.courses.editTitle', { class: '7年1班', subject: '數學' });
    assert.equal(courseTitle, '修改配課資料：7年1班 數學');
    assert.equal(h1(course.body), html(courseTitle));
    assert.ok(title(course.body)?.startsWith(html(courseTitle)));
    assert.deepEqual(
      ['subject_name', 'staff_no', 'hours'].map((f) => labelOf(course.body, f)),
      ['科目名稱', '授課教師編號', '每週節數'],
    );
    assert.deepEqual(factOf(course.body, 'class_code'), ['班級代碼', '701']);
    assert.deepEqual(factOf(course.body, 'class_name'), ['班級名稱', '7年1班']);
    assert.deepEqual(factOf(course.body, 'subject_code'), ['科目代碼', 'MATH']);
    assert.deepEqual(factOf(course.body, 'status'), ['狀態', '開課中']);
    assert.ok(course.body.includes(`<h2>${zh('school.roster.parts.courses.leaveHeading')}</h2>`));
    assert.equal(labelOf(course.body, 'leave-reason'), zh('school.roster.parts.courses.leaveReason'));
    noPersonWords(course.body, 'course');
    // Its edit saved with the import's checks, and back at the row.
    const reassigned = await post(
      '/roster/courses/701~MATH',
      { subject_name: '數學', staff_no: 'T001', hours: '5', reason: '更正節數' },
      course,
    );
    assert.equal(reassigned.status, 303);
    assert.equal(reassigned.location, `${base}/school/${SCHOOL}/roster/courses/701~MATH?saved=1`);

    // The list of course assignments: its own headers, and each edit link (the subject) naming the class too.
    const courses = await page('/roster?part=courses');
    assert.deepEqual(keys(courses.body), ['701~MATH', '702~ENG']);
    assert.ok(courses.body.includes('<th scope="col">科目名稱</th>'));
    assert.ok(
      courses.body.includes(`數學<span class="visually-hidden">（701）${html(zh('school.roster.edit'))}</span>`),
    );
    assert.ok(!courses.body.includes('undefined'));
    noPersonWords(courses.body, 'courses list');
    const classes = await page('/roster?part=classes');
    assert.ok(classes.body.includes('<th scope="col">班級名稱</th>'));
    noPersonWords(classes.body, 'classes list');

    // A parent: 家長姓名, the student named, the mobile number to edit.
    const mom = await page(`/roster/parents/${parentKey('1130001', '0922333444')}`);
    assert.equal(mom.status, 200);
    assert.equal(h1(mom.body), zh('school.roster.parts.parents.editTitle', { name: '王媽媽' }));
    assert.deepEqual(
      ['name', 'relationship', 'mobile'].map((f) => labelOf(mom.body, f)),
      ['家長姓名', '關係', '手機'],
    );
    assert.deepEqual(factOf(mom.body, 'student_no'), ['學生學號', '1130001']);
    assert.deepEqual(factOf(mom.body, 'student_name'), ['學生姓名', '王小華']);
    assert.deepEqual(factOf(mom.body, 'status'), ['狀態', '在名冊上']);
    assert.match(mom.body, /<input id="mobile" type="tel" name="mobile" value="0922333444"/);
    assert.ok(mom.body.includes(`<h2>${zh('school.roster.parts.parents.leaveHeading')}</h2>`));
    assert.ok(!mom.body.includes('undefined'));

    // The same in English (the language is kept in a cookie: back to Chinese afterwards).
    const courseEn = await page('/roster/courses/701~MATH?lang=en');
    assert.equal(
      h1(courseEn.body),
      html(en('school.roster.parts.courses.editTitle', { class: '7年1班', subject: '數學' })),
    );
    assert.equal(h1(courseEn.body), 'Edit the course assignment 數學, 7年1班');
    assert.equal(labelOf(courseEn.body, 'staff_no'), 'Teacher number');
    assert.deepEqual(factOf(courseEn.body, 'status'), ['Status', 'Taught']);
    assert.ok(!courseEn.body.includes('undefined'));
    const momEn = await page(`/roster/parents/${parentKey('1130001', '0922333444')}`);
    assert.equal(h1(momEn.body), 'Edit the parent 王媽媽');
    assert.equal(labelOf(momEn.body, 'name'), 'Parent’s name');
    await page('/roster?lang=zh-TW');
  });

  it('corrects a parent’s mobile number with the import’s check; the row and its published slip move to the new key', async () => {
    const oldKey = parentKey('1130001', '0922333444');
    const path = `/roster/parents/${oldKey}`;
    const form = await page(path);
    const parent = (mobile: string) =>
      db()('roster_parents')
        .where({ school_code: SCHOOL, academic_year: 115, semester: 1, student_no: '1130001', mobile })
        .first();
    const slip = await db()('roster_credentials')
      .where({ school_code: SCHOOL, roster_key: 'parent:1130001:0922333444' })
      .first();
    assert.ok(slip, 'the parent was published');
    const fields = { name: '王媽媽', relationship: 'mother', reason: '家長換手機' };

    // Not a Taiwan mobile number: 400 with the import's message, everything typed kept, nothing saved.
    const bad = await post(path, { ...fields, name: '王美媽媽', mobile: '0812345678' }, form);
    assert.equal(bad.status, 400);
    assert.ok(
      bad.body.includes(`<p class="field-error" id="mobile-error">${html(zh('school.import.errors.mobile'))}</p>`),
    );
    assert.ok(
      bad.body.includes(
        `<a href="#mobile">${html(zh('labelled', { label: '手機', text: zh('school.import.errors.mobile') }))}</a>`,
      ),
    );
    assert.match(bad.body, /<input id="mobile" type="tel" name="mobile" value="0812345678"[^>]*aria-invalid="true"/);
    assert.match(bad.body, /<input id="name"[^>]*value="王美媽媽"/, 'the typed name is kept');
    assert.match(bad.body, /<input id="reason"[^>]*value="家長換手機"/, 'the reason is kept');
    assert.match(bad.body, /<option value="mother" selected/);
    const badEn = await post(`${path}?lang=en`, { ...fields, mobile: '12345' }, form);
    assert.equal(badEn.status, 400);
    assert.ok(badEn.body.includes(html(en('school.import.errors.mobile'))));
    await page('/roster?lang=zh-TW');
    const empty = await post(path, { ...fields, mobile: ' ' }, form);
    assert.equal(empty.status, 400);
    assert.ok(empty.body.includes(html(zh('school.import.errors.required'))));
    // The number of the student's other parent: refused, naming that parent.
    const taken = await post(path, { ...fields, mobile: '0933444555' }, form);
    assert.equal(taken.status, 400);
    assert.ok(taken.body.includes(html(zh('school.roster.errors.sameMobile', { name: '陳阿公' }))));
    assert.equal((await parent('0922333444')).name, '王媽媽', 'nothing saved');

    // A right number, typed with dashes: saved as 09xxxxxxxx, and the row is found at its new key.
    const saved = await post(path, { ...fields, mobile: '0955-666-777' }, form);
    assert.equal(saved.status, 303);
    const newKey = parentKey('1130001', '0955666777');
    assert.equal(saved.location, `${base}/school/${SCHOOL}/roster/parents/${newKey}?saved=1`);
    assert.ok(!saved.location!.includes('0955666777'), 'no mobile number in the URL');
    const shown = await agent.request(saved.location!);
    assert.equal(shown.status, 200);
    assert.ok(shown.body.includes('id="roster-saved"'));
    assert.match(shown.body, /<input id="mobile" type="tel" name="mobile" value="0955666777"/);
    assert.ok(shown.body.includes(`action="/school/${SCHOOL}/roster/parents/${encodeURIComponent(newKey)}"`));
    assert.equal((await page(path)).status, 404, 'the old key names no row now');
    assert.equal(await parent('0922333444'), undefined);
    assert.equal((await parent('0955666777')).name, '王媽媽');
    const list = await page('/roster?part=parents&q=1130001');
    assert.deepEqual(
      keys(list.body).sort(),
      [newKey, parentKey('1130001', '0912345678'), parentKey('1130001', '0933444555')].sort(),
    );

    // Audited with the fields and both keys, never the number.
    const audit = await db()('audit_events')
      .where({ subject: SCHOOL, action: 'school.roster_edited' })
      .whereRaw("detail->>'key' = ?", [oldKey])
      .first();
    assert.deepEqual(audit.detail.fields, ['mobile']);
    assert.equal(audit.detail.new_key, newKey);
    assert.equal(audit.detail.reason, '家長換手機');
    assert.ok(!JSON.stringify(audit.detail).match(/0955666777|0922333444/));

    // The published slip moved with the row: publishing keeps the same account, withdraws nothing, makes nothing new.
    const moved = await db()('roster_credentials').where({ id: slip.id }).first();
    assert.equal(moved.roster_key, 'parent:1130001:0955666777');
    assert.equal(moved.account, slip.account);
    const counts = await server.services.schoolOffice.publisher.publish(term(), adminId);
    assert.deepEqual([counts.credentials, counts.withdrawn, counts.ended], [0, 0, 0]);
    assert.ok(await db()('roster_credentials').where({ id: slip.id }).first(), 'the slip is still there');

    // Saving the same number again changes nothing and stays at the key.
    const again = await post(`/roster/parents/${newKey}`, { ...fields, mobile: '+886 955 666 777' });
    assert.equal(again.status, 303);
    assert.equal(again.location, `${base}/school/${SCHOOL}/roster/parents/${newKey}?saved=1`);
  });

  it("refuses a person's name with an emoji, a symbol or a control character, at the field; nothing saved", async () => {
    const message = html(zh('school.import.errors.nameChars'));
    const student = { class_code: '701', seat: '1', birthdate: '102/05/12', gender: 'female', reason: '更正姓名' };
    for (const name of ['陳大寶😀', '王小華\u0007', '王小華★']) {
      const refused = await post('/roster/students/1130001', { ...student, name });
      assert.equal(refused.status, 400, name);
      assert.match(refused.body, /<p class="field-error" id="name-error">([^<]+)</);
      assert.equal(/id="name-error">([^<]+)</.exec(refused.body)?.[1], message, name);
      assert.match(refused.body, /<input id="name"[^>]*aria-invalid="true"/);
    }
    assert.equal(
      (await db()('roster_students').where({ school_code: SCHOOL, student_no: '1130001' }).first()).name,
      '王小華',
    );
    const staff = await post('/roster/staff/T001', {
      name: '王大明👍',
      kind: 'teacher',
      title: '導師',
      email: '',
      reason: '更正',
    });
    assert.equal(staff.status, 400);
    assert.ok(staff.body.includes(`id="name-error">${message}<`));
    // A class's name is no person's: 7年1班 and its like are kept as they are.
    const className = await post('/roster/classes/701', {
      name: '7年1班',
      grade: '7',
      homeroom_staff_no: 'T001',
      reason: '確認',
    });
    assert.equal(className.status, 303);
  });

  it('reads numbers and codes typed full-width (a Chinese input method) as the digits meant', async () => {
    const saved = await post('/roster/students/1130001', {
      name: '王小華',
      class_code: '７０１',
      seat: '２０',
      birthdate: '１０２／０５／１２',
      gender: 'female',
      reason: '換座位',
    });
    assert.equal(saved.status, 303);
    const row = await db()('roster_students').where({ school_code: SCHOOL, student_no: '1130001' }).first();
    assert.deepEqual([row.class_code, row.seat], ['701', 20]);
    const course = await post('/roster/courses/701~MATH', {
      subject_name: '數學',
      staff_no: 'Ｔ００１',
      hours: '５',
      reason: '更正節數',
    });
    assert.equal(course.status, 303);
    const hours = await db()('roster_courses')
      .where({ school_code: SCHOOL, class_code: '701', subject_code: 'MATH' })
      .first();
    assert.deepEqual([hours.staff_no, hours.hours], ['T001', 5]);
  });
});
