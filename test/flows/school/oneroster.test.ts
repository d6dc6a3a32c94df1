// OneRoster 1.2 CSV over HTTP (issue 14, item 3): a zip bundle (orgs, classes, users, enrollments, demographics,
// roles) uploaded on the import page is mapped to the classes, teachers, students and parents, previewed and written
// at once; a bad row (a national ID with someone else's account too) is named by its CSV file, line and column; a
// bundle for another school, a file missing and a file that is no zip each get their own message.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { randomNationalId, withWrongCheckDigit } from '../../helpers/national-ids.ts';
import { setSemester, signInOffice } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SCHOOL = `3${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const csv = (rows: string[][]) => `${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;

describe(`importing a OneRoster bundle (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let agent: Agent;
  const ids = {
    wang: randomNationalId(),
    lin: randomNationalId(),
    hua: randomNationalId(),
    mei: randomNationalId(),
    bo: randomNationalId(),
  };

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, {
      code: SCHOOL,
      name: `私立一籃子高職${SCHOOL}`,
      level: 'vocational',
      kind: 'private',
    });
    const admin = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'oneroster');
    agent = new Agent();
    await signInOffice(base, agent, admin.email);
    await setSemester(server, SCHOOL, admin.personId);
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;
  const bundle = (o: { school?: string; huaId?: string; without?: string; wide?: boolean } = {}) => {
    const files: Record<string, string> = {
      'manifest.csv': csv([
        ['propertyName', 'value'],
        ['manifest.version', '1.0'],
        ['oneroster.version', '1.2'],
      ]),
      'orgs.csv': csv([
        ['sourcedId', 'status', 'dateLastModified', 'name', 'type', 'identifier', 'parentSourcedId'],
        ['org-1', 'active', '2026-08-01', '一籃子高職', 'school', o.school ?? SCHOOL, ''],
      ]),
      'classes.csv': csv([
        [
          'sourcedId',
          'status',
          'dateLastModified',
          'title',
          'grades',
          'courseSourcedId',
          'classCode',
          'classType',
          'location',
          'schoolSourcedId',
          'termSourcedIds',
        ],
        ['c-1', 'active', '', '忠班', '10', '', '101', 'homeroom', '', 'org-1', 't1'],
        ['c-2', 'active', '', '孝班', '10', '', '102', 'homeroom', '', 'org-1', 't1'],
        ['c-3', 'active', '', '數學', '10', 'math', 'M101', 'scheduled', '', 'org-1', 't1'],
      ]),
      'users.csv': csv([
        [
          'sourcedId',
          'status',
          'dateLastModified',
          'enabledUser',
          'username',
          'userIds',
          'givenName',
          'familyName',
          'middleName',
          'identifier',
          'email',
          'sms',
          'phone',
          'agentSourcedIds',
          'grades',
          'password',
          'metadata.relationship',
        ],
        [
          'u-t1',
          'active',
          '',
          'true',
          'wang',
          `{nationalId:${ids.wang}}`,
          '大明',
          '王',
          '',
          'T001',
          'wang@example.edu.tw',
          '',
          '',
          '',
          '',
          '',
          '',
        ],
        ['u-t2', 'active', '', 'true', 'lin', '', '小芳', '林', '', ids.lin, '', '', '', '', '', '', ''],
        [
          'u-s1',
          'active',
          '',
          'true',
          's1',
          `{nationalId:${o.huaId ?? ids.hua}}`,
          '小華',
          '王',
          '',
          '1140001',
          '',
          '',
          '',
          'u-p1',
          '10',
          '',
          '',
        ],
        [
          'u-s2',
          'active',
          '',
          'true',
          's2',
          `{nationalId:${ids.mei}}`,
          '小美',
          '林',
          '',
          '1140002',
          '',
          '',
          '',
          '',
          '10',
          '',
          '',
        ],
        [
          'u-s3',
          'active',
          '',
          'true',
          's3',
          `{idno:${ids.bo}}`,
          '小博',
          '陳',
          '',
          '1140003',
          '',
          '',
          '',
          '',
          '10',
          '',
          '',
        ],
        ['u-p1', 'active', '', 'true', 'p1', '', '爸爸', '王', '', '', '', '0912345678', '', 'u-s1', '', '', '父親'],
        ['u-p2', 'active', '', 'true', 'p2', '', '媽媽', '林', '', '', '', '', '0922333444', 'u-s2', '', '', ''],
        ['u-x', 'tobedeleted', '', 'true', 'x', '', '離開', '某', '', '1130099', '', '', '', '', '', '', ''],
      ]),
      'roles.csv': csv([
        [
          'sourcedId',
          'status',
          'dateLastModified',
          'userSourcedId',
          'roleType',
          'role',
          'beginDate',
          'endDate',
          'orgSourcedId',
        ],
        ['r1', 'active', '', 'u-t1', 'primary', 'teacher', '', '', 'org-1'],
        ['r2', 'active', '', 'u-t2', 'primary', 'administrator', '', '', 'org-1'],
        ['r3', 'active', '', 'u-s1', 'primary', 'student', '', '', 'org-1'],
        ['r4', 'active', '', 'u-s2', 'primary', 'student', '', '', 'org-1'],
        ['r5', 'active', '', 'u-s3', 'primary', 'student', '', '', 'org-1'],
        ['r6', 'active', '', 'u-p1', 'primary', 'parent', '', '', 'org-1'],
        ['r7', 'active', '', 'u-p2', 'primary', 'guardian', '', '', 'org-1'],
      ]),
      'enrollments.csv': csv([
        [
          'sourcedId',
          'status',
          'dateLastModified',
          'classSourcedId',
          'schoolSourcedId',
          'userSourcedId',
          'role',
          'primary',
          'beginDate',
          'endDate',
          'metadata.seat',
        ],
        ['e1', 'active', '', 'c-1', 'org-1', 'u-t1', 'teacher', 'true', '', '', ''],
        ['e2', 'active', '', 'c-1', 'org-1', 'u-s1', 'student', 'false', '', '', '7'],
        ['e3', 'active', '', 'c-1', 'org-1', 'u-s2', 'student', 'false', '', '', ''],
        ['e4', 'active', '', 'c-2', 'org-1', 'u-s3', 'student', 'false', '', '', ''],
        ['e5', 'active', '', 'c-3', 'org-1', 'u-s3', 'student', 'false', '', '', ''],
      ]),
      'demographics.csv': csv([
        ['sourcedId', 'status', 'dateLastModified', 'birthDate', 'sex'],
        ['u-s1', 'active', '', '2010-03-04', 'female'],
        ['u-s2', 'active', '', '2010-05-06', 'female'],
        ['u-s3', 'active', '', '2010-07-08', 'male'],
      ]),
    };
    if (o.without) delete files[o.without];
    // Every digit full-width, as a Chinese input method types it: codes, numbers, seats, dates, phones, the join keys.
    if (o.wide)
      for (const [k, v] of Object.entries(files))
        files[k] = v.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    return Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
  };

  async function upload(file: Buffer): Promise<Step> {
    const page = await agent.request(`${base}/school/${SCHOOL}/import`);
    const form = new FormData();
    form.set('_csrf', hiddenField(page.body, '_csrf'));
    form.set('kind', 'oneroster');
    form.set('file', new Blob([new Uint8Array(file)]), 'oneroster.zip');
    return agent.follow(`${base}/school/${SCHOOL}/import`, undefined, { method: 'POST', body: form });
  }
  const counts = (body: string, row: string) =>
    new RegExp(`<th scope="row">${row}</th><td>(\\d+)</td><td>(\\d+)</td><td>(\\d+)</td><td>(\\d+)</td>`)
      .exec(body)
      ?.slice(1)
      .map(Number);
  const alert = (body: string) => /<p class="alert" id="import-alert" role="alert">([^<]*)</.exec(body)?.[1];

  it('maps the bundle to classes, teachers, students and parents, previews it and writes it at once', async () => {
    const page = await agent.request(`${base}/school/${SCHOOL}/import`);
    assert.ok(page.body.includes('id="upload-oneroster"'));
    const preview = await upload(bundle());
    assert.equal(preview.status, 200, alert(preview.body));
    assert.deepEqual(counts(preview.body, zh('school.import.counts.classes')), [2, 0, 0, 0]);
    assert.deepEqual(counts(preview.body, zh('school.import.counts.staff')), [2, 0, 0, 0]);
    assert.deepEqual(counts(preview.body, zh('school.import.counts.students')), [3, 0, 0, 0]);
    assert.deepEqual(counts(preview.body, zh('school.import.counts.parents')), [2, 0, 0, 0]);
    const done = await agent.request(`${base}/school/${SCHOOL}/import/commit`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: hiddenField(preview.body, '_csrf'),
        token: hiddenField(preview.body, 'token'),
      }),
    });
    assert.equal(done.status, 303);
    const term = { school_code: SCHOOL };
    assert.deepEqual(
      (await db()('roster_classes').where(term).orderBy('code')).map((c) => [
        c.code,
        c.name,
        c.grade,
        c.homeroom_staff_no,
      ]),
      [
        ['101', '忠班', 10, 'T001'],
        ['102', '孝班', 10, null],
      ],
    );
    assert.deepEqual(
      (await db()('roster_staff').where(term).orderBy('staff_no')).map((s) => [s.staff_no, s.name, s.kind, s.email]),
      [
        [ids.lin, '林小芳', 'staff', null],
        ['T001', '王大明', 'teacher', 'wang@example.edu.tw'],
      ],
    );
    assert.deepEqual(
      (await db()('roster_students').where(term).orderBy('student_no')).map((s) => [
        s.student_no,
        s.name,
        s.class_code,
        s.seat,
        String(s.birthdate).slice(0, 10),
        s.gender,
      ]),
      [
        ['1140001', '王小華', '101', 7, '2010-03-04', 'female'],
        ['1140002', '林小美', '101', 2, '2010-05-06', 'female'],
        ['1140003', '陳小博', '102', 1, '2010-07-08', 'male'],
      ],
    );
    assert.deepEqual(
      (await db()('roster_parents').where(term).orderBy('student_no')).map((p) => [
        p.student_no,
        p.name,
        p.relationship,
        p.mobile,
      ]),
      [
        ['1140001', '王爸爸', 'father', '0912345678'],
        ['1140002', '林媽媽', 'other', '0922333444'],
      ],
    );
  });

  it('reads full-width digits as the digits meant: the same bundle typed full-width is the roster as it is', async () => {
    const preview = await upload(bundle({ wide: true }));
    assert.equal(preview.status, 200, alert(preview.body));
    assert.deepEqual(counts(preview.body, zh('school.import.counts.classes')), [0, 0, 2, 0]);
    assert.deepEqual(counts(preview.body, zh('school.import.counts.staff')), [0, 0, 2, 0]);
    assert.deepEqual(counts(preview.body, zh('school.import.counts.students')), [0, 0, 3, 0]);
    assert.deepEqual(counts(preview.body, zh('school.import.counts.parents')), [0, 0, 2, 0]);
  });

  it('names a bad row by its CSV file, line and column; another school, a missing file and no zip get messages', async () => {
    const bad = await upload(bundle({ huaId: withWrongCheckDigit(ids.hua) }));
    assert.equal(bad.status, 400);
    const table = [
      ...bad.body.matchAll(/<tr><td>(\d+)<\/td><td>(.+?)<\/td><td>(\d+)<\/td><td>(.+?)<\/td><td>(.+?)<\/td><\/tr>/g),
    ].map((m) => [m[2], Number(m[3]), m[4], m[5]]);
    assert.deepEqual(table, [['users.csv', 4, 'userIds', html(zh('school.import.errors.nationalId'))]]);
    // A national ID that has an account under another name (the demo's 林小華, born 2013-09-02): named the same way,
    // nothing of the account said.
    const someoneElse = await upload(bundle({ huaId: 'F223456786' }));
    assert.equal(someoneElse.status, 400);
    const rows = [
      ...someoneElse.body.matchAll(
        /<tr><td>(\d+)<\/td><td>(.+?)<\/td><td>(\d+)<\/td><td>(.+?)<\/td><td>(.+?)<\/td><\/tr>/g,
      ),
    ].map((m) => [m[2], Number(m[3]), m[4], m[5]]);
    assert.deepEqual(rows, [['users.csv', 4, 'userIds', html(zh('school.import.errors.nationalIdOtherPerson'))]]);
    assert.ok(!someoneElse.body.includes('林小華') && !someoneElse.body.includes('2013'));

    const other = await upload(bundle({ school: '000000' }));
    assert.equal(other.status, 400);
    assert.equal(alert(other.body), html(zh('school.import.problems.oneroster_school', { detail: SCHOOL })));
    const missing = await upload(bundle({ without: 'users.csv' }));
    assert.equal(alert(missing.body), html(zh('school.import.problems.oneroster_missing', { detail: 'users.csv' })));
    const notZip = await upload(Buffer.from('sourcedId,status\n1,active\n'));
    assert.equal(notZip.status, 400);
    assert.equal(alert(notZip.body), html(zh('school.import.problems.not_oneroster')));
  });
});
