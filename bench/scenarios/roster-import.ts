// Issue 14's import bench: a school's administrator uploads a 學生及家長 workbook of `rows` rows (half students, half
// parents) through the back office — read, checked, previewed — and imports it; the time of each step and the server's
// peak memory (RSS) are measured. Then safety: the server is killed (kill -9) in the middle of a second import and in
// the middle of a publish, started again on the same storage, and the database must hold all or nothing of each; the
// next attempt must work.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, hiddenField, type Step } from '../../test/helpers/agent.ts';
import { signInOffice } from '../../test/helpers/school.ts';
import type { Check } from '../lib/report.ts';
import { writeRosterFile } from '../lib/roster.ts';
import type { Running } from '../lib/targets.ts';

type State = { students: number; parents: number; marked: number; credentials: number };

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const FORM = 'application/x-www-form-urlencoded';

export async function rosterImport(s: Running, rows: number): Promise<Check[]> {
  const name = s.target.name;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-roster-'));
  try {
    const { school, email } = await s.child.ask<{ school: string; email: string }>('roster-setup', { rows });
    const files = { a: path.join(dir, 'a.xlsx'), b: path.join(dir, 'b.xlsx') };
    await writeRosterFile(files.a, rows, 'A');
    await writeRosterFile(files.b, rows, 'B');
    const state = (marker: string) => s.child.ask<State>('roster-state', { school, marker });
    let issuer = s.child.info.issuer;
    let agent = new Agent();
    const totp: { secret?: string } = {};
    await signInOffice(issuer, agent, email, '/school', totp);

    const upload = async (file: string): Promise<Step> => {
      const page = await agent.request(`${issuer}/school/${school}/import`);
      const form = new FormData();
      form.set('_csrf', hiddenField(page.body, '_csrf'));
      form.set('kind', 'students-parents');
      form.set('file', new Blob([fs.readFileSync(file)]), path.basename(file));
      const preview = await agent.request(`${issuer}/school/${school}/import`, { method: 'POST', body: form });
      if (preview.status !== 200) {
        const said = /role="alert">([\s\S]*?)<\/p>/.exec(preview.body)?.[1] ?? '';
        const first = /<tbody><tr>([\s\S]*?)<\/tr>/.exec(preview.body)?.[1]?.replace(/<[^>]+>/g, ' ') ?? '';
        throw new Error(`the upload answered ${preview.status}: ${said} ${first}`.trim());
      }
      return preview;
    };
    const commit = (preview: Step) =>
      agent.request(`${issuer}/school/${school}/import/commit`, {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: new URLSearchParams({
          _csrf: hiddenField(preview.body, '_csrf'),
          token: hiddenField(preview.body, 'token'),
        }),
      });
    const publish = async () => {
      const page = await agent.request(`${issuer}/school/${school}/publish`);
      return agent.request(`${issuer}/school/${school}/publish`, {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') }),
      });
    };
    const restart = async () => {
      await s.restartAfterKill!();
      issuer = s.child.info.issuer;
      agent = new Agent();
      // A code of the next 30 seconds: the last one was used at the first sign-in.
      await new Promise((r) => setTimeout(r, 31_000 - (Date.now() % 30_000)));
      await signInOffice(issuer, agent, email, '/school', totp);
    };

    // The measured import.
    const { rss: before } = await s.child.ask<{ rss: number }>('rss-start');
    const t0 = performance.now();
    const preview = await upload(files.a);
    const t1 = performance.now();
    const done = await commit(preview);
    const t2 = performance.now();
    const { peak } = await s.child.ask<{ peak: number }>('rss-stop');
    if (done.status !== 303) throw new Error(`the import answered ${done.status}`);
    const imported = await state('A');
    const total = t2 - t0;
    console.error(
      `  roster import [${name}] ${rows.toLocaleString('en')} rows: ${seconds(total)} s (read and check ${seconds(t1 - t0)} s, write ${seconds(t2 - t1)} s), server RSS ${mb(before)} MB before, peak ${mb(peak)} MB; ${imported.students} students, ${imported.parents} parents`,
    );
    const checks: Check[] = [
      {
        target: `${name}: import of ${rows.toLocaleString('en')} student and parent rows (upload, check, preview, write)`,
        measured: `${seconds(total)} s (read and check ${seconds(t1 - t0)} s, write ${seconds(t2 - t1)} s)`,
        goal: '< 30 s',
        met: total < 30_000 && imported.students + imported.parents === rows,
      },
      {
        target: `${name}: server memory during that import`,
        measured: `RSS peak ${mb(peak)} MB (${mb(before)} MB before)`,
        goal: '< 300 MB',
        met: peak < 300 * 2 ** 20,
      },
    ];

    // kill -9 in the middle of the second import (every row changes): all or nothing, then the next one works.
    const second = await upload(files.b);
    const writing = commit(second).catch(() => undefined);
    await new Promise((r) => setTimeout(r, Math.max(200, (t2 - t1) / 3)));
    await restart();
    void writing;
    const afterKill = await state('B');
    const whole = afterKill.marked === 0 || afterKill.marked === imported.students;
    const again = await commit(await upload(files.b));
    const redone = await state('B');
    console.error(
      `  kill -9 during an import [${name}]: ${afterKill.marked} of ${imported.students} students changed after the restart; the next import ${again.status === 303 ? 'worked' : `answered ${again.status}`} (${redone.marked} changed)`,
    );
    checks.push({
      target: `${name}: kill -9 in the middle of an import`,
      measured: `after the restart ${afterKill.marked} of ${imported.students} rows changed; the next import: ${redone.marked}`,
      goal: 'all or nothing; the next attempt works',
      met: whole && again.status === 303 && redone.marked === imported.students,
    });

    // The same in the middle of a publish (a verification account for every student and parent).
    const t3 = performance.now();
    const publishing = publish().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 700));
    const killedEarly = performance.now() - t3;
    await restart();
    void publishing;
    const afterPublishKill = await state('B');
    const t4 = performance.now();
    const published = await publish();
    const t5 = performance.now();
    const final = await state('B');
    const wholePublish = afterPublishKill.credentials === 0 || afterPublishKill.credentials === rows;
    console.error(
      `  kill -9 during a publish [${name}] (after ${Math.round(killedEarly)} ms): ${afterPublishKill.credentials} of ${rows} accounts after the restart; the next publish ${published.status === 200 ? 'worked' : `answered ${published.status}`} in ${seconds(t5 - t4)} s (${final.credentials})`,
    );
    checks.push({
      target: `${name}: kill -9 in the middle of a publish`,
      measured: `after the restart ${afterPublishKill.credentials} of ${rows} accounts; the next publish ${seconds(t5 - t4)} s: ${final.credentials}`,
      goal: 'all or nothing; the next attempt works',
      met: wholePublish && published.status === 200 && final.credentials === rows,
    });
    return checks;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
