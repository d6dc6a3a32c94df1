// The school back office in HTTP tests: signing in as a back-office person (the password, then — the first time — the
// code mailed to the person's verified email, and the authenticator set up from the page's key), and Excel files made the way a school's spreadsheet program would.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { generate } from 'otplib';
import { upsertSchool } from '../../src/domain/schools/schools.ts';
import type { DomainServices } from '../../src/domain/services.ts';
import { PERSON_PASSWORD, personWith } from './account.ts';
import { type Agent, formAction, hiddenField, type Step } from './agent.ts';
import { registerClient, submitLogin } from './rp.ts';
import { passSetupProof } from './second-factor.ts';
import type { TestServer } from './server.ts';

/**
 * Opens `path` of the back office, signs in with the password and sets the authenticator up (or, when `totp.secret`
 * holds the key of one set up before, types its code); the page reached. The key set up is left in `totp.secret`.
 */
export async function signInOffice(
  base: string,
  agent: Agent,
  email: string,
  path = '/school',
  totp: { secret?: string } = {},
): Promise<Step> {
  // The back office, or another page group with a second factor (the bureau console): its own callback.
  const callback = `${base}/${path.split('/')[1]}/callback`;
  const page = await agent.follow(`${base}${path}`);
  assert.match(page.url, /\/interaction\/[\w-]+$/, 'at our sign-in page');
  // The first time, the code sent to the person's verified email comes before the set-up.
  const setup = await passSetupProof(
    base,
    agent,
    await submitLogin(agent, page, email, PERSON_PASSWORD, {}, callback),
    callback,
  );
  const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.body)?.[1]?.replaceAll(' ', '') ?? totp.secret;
  assert.ok(secret, `the second factor is set up (${setup.status} ${setup.url})`);
  totp.secret = secret;
  let step = await agent.submit(
    formAction(setup.body, /\/second-factor$/, setup.url),
    { _csrf: hiddenField(setup.body, '_csrf'), code: await generate({ secret }) },
    callback,
  );
  if (step.body.includes('/confirm') && !step.location)
    step = await agent.submit(
      formAction(step.body, /\/confirm$/, step.url),
      { _csrf: hiddenField(step.body, '_csrf') },
      callback,
    );
  assert.ok(step.location?.startsWith(callback), `back at the back office (${step.url})`);
  return agent.follow(step.location!);
}

export type SheetData = (string | number | Date | { formula: string; result?: string | number } | null)[][];

/** An .xlsx with these sheets (the first row of each is its header row). */
export async function xlsx(sheets: Record<string, SheetData>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = workbook.addWorksheet(name);
    for (const row of rows) sheet.addRow(row);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Imports a file through step 02 (upload, then "import now"); fails the test unless both went through. */
export async function importRoster(
  base: string,
  agent: Agent,
  school: string,
  kind: 'classes-teachers' | 'students-parents' | 'courses',
  file: Buffer,
): Promise<void> {
  const page = await agent.request(`${base}/school/${school}/import`);
  const form = new FormData();
  form.set('_csrf', hiddenField(page.body, '_csrf'));
  form.set('kind', kind);
  form.set('file', new Blob([new Uint8Array(file)]), `${kind}.xlsx`);
  // The upload is answered by its preview page (a GET after 303).
  const preview = await agent.follow(`${base}/school/${school}/import`, undefined, { method: 'POST', body: form });
  assert.equal(preview.status, 200, `the ${kind} file passes its checks: ${pageSaid(preview.body)}`);
  const done = await agent.request(`${base}/school/${school}/import/commit`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: hiddenField(preview.body, '_csrf'), token: hiddenField(preview.body, 'token') }),
  });
  assert.equal(done.status, 303, `the ${kind} file is imported`);
}

const schoolCodes = new Set<string>();
/** A school code of a test's own: six digits starting with `first`, never the same twice in one run of a file. */
export function newSchoolCode(first: string): string {
  let code: string;
  do code = `${first}${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
  while (schoolCodes.has(code));
  schoolCodes.add(code);
  return code;
}

export const CLASS_HEADERS = ['班級代碼', '班級名稱', '年級', '導師教師編號'];
export const STAFF_HEADERS = ['教師編號', '姓名', '身分證統一編號', '身分別', '職稱', 'Email'];
export const STUDENT_HEADERS = ['學號', '姓名', '身分證統一編號', '班級代碼', '座號', '出生日期', '性別'];
export const PARENT_HEADERS = ['學生學號', '家長姓名', '關係', '手機', '身分證統一編號'];
export const COURSE_HEADERS = ['班級代碼', '科目代碼', '科目名稱', '教師編號', '每週節數'];

/** Makes 115 學年度第 1 學期 (115/08/30–116/01/20) the school's current semester. */
export async function setSemester(server: { services: DomainServices }, school: string, actor: string): Promise<void> {
  const saved = await server.services.schoolOffice.semesters.save(
    school,
    { academicYear: '115', semester: '1', startsOn: '115/08/30', endsOn: '116/01/20' },
    actor,
  );
  assert.ok(saved.ok, 'the semester is saved');
}

/**
 * A private vocational school of its own (`name` and the code) with the semester set by an administrator of it, and its
 * school-affairs system as a client with the `roster` permission: `call` sends to the school's API as that system,
 * `publish` publishes the roster and answers the counts that are not zero.
 */
export async function apiSchool(server: TestServer, code: string, name: string) {
  const tag = crypto.randomBytes(4).toString('hex');
  const client = { id: `school-system-${tag}`, secret: `school-system-${tag}-0123456789abcdef` };
  await upsertSchool(server.storage.db, { code, name, level: 'vocational', kind: 'private' });
  await registerClient(server, { client_id: client.id, permissions: ['roster'], school_codes: [code] }, client.secret);
  const admin = await personWith(server, [{ schoolCode: code, role: 'school_admin' }], `admin-${code}`);
  await setSemester(server, code, admin.personId);
  const authorization = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
  const call = (path: string, method: string, body?: unknown) =>
    fetch(`${server.issuer}/api/schools/${code}/${path}`, {
      method,
      headers: { authorization, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const publish = async (dryRun = false): Promise<Record<string, number>> => {
    const res = await call(`roster/publish${dryRun ? '?dry_run=true' : ''}`, 'POST');
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    return Object.fromEntries(Object.entries(body.counts as Record<string, number>).filter(([, n]) => n > 0));
  };
  return { client, call, publish };
}

/** What a back-office page said when it was not what a test expected: its alerts and error table, tags removed. */
export function pageSaid(body: string): string {
  const parts = [...body.matchAll(/<(?:p class="alert[^"]*"[^>]*|table id="error-table")>([\s\S]*?)<\/(?:p|table)>/g)];
  return (
    parts
      .map((m) =>
        m[1]!
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      )
      .join(' | ') || body.slice(0, 300)
  );
}
