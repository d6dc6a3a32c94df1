// The bureau console's schools (issue 15, item 6) over HTTP: a school added (every check with its message, the values
// kept), found by code, name and district and filtered by level, edited; the ministry's school list imported (bad rows
// by line, a preview of new and changed schools, then one transaction); a school administrator granted (who can then
// open /school/<code>) only after the bureau saw who the login names and confirmed, and revoked (who then cannot);
// every change audited; someone without bureau_admin refused.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { maskEmail, maskMobile } from '../../../src/domain/people/masks.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { personWith } from '../../helpers/account.ts';
import { type Console, postAdmin, signInAdmin, startConsole } from '../../helpers/admin.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { signInOffice } from '../../helpers/school.ts';
import { storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
// Codes of this file's own (the PostgreSQL + Redis run shares one database).
const codeOf = () => `2${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
/** The version a console form carries (none on a page without it: the value is then empty). */
const versionOf = (page: Step) => /name="version" value="([^"]*)"/.exec(page.body)?.[1] ?? '';
const fieldError = (body: string, id: string) => new RegExp(`id="${id}-error"[^>]*>([^<]*)<`).exec(body)?.[1];

describe(`the bureau console's schools (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let admin: Console['admin'];
  let agent: Agent;

  before(async () => {
    ({ server, base, admin, agent } = await startConsole('/admin/schools'));
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;
  const page = (path: string): Promise<Step> => agent.request(`${base}${path}`);
  /** A code no school has yet: with PostgreSQL the whole run's schools share one database. */
  const taken = new Set<string>();
  const freeCode = async (): Promise<string> => {
    for (;;) {
      const code = codeOf();
      if (!taken.has(code) && !(await db()('schools').where({ code }).first('code'))) {
        taken.add(code);
        return code;
      }
    }
  };
  /** Three such codes (a test takes the first two or all three). */
  const freeCodes = async () => [await freeCode(), await freeCode(), await freeCode()] as const;

  it('adds a school after its checks, finds it, edits it; unknown schools are not found', async () => {
    const code = await freeCode();
    const form = await page('/admin/schools/new');
    assert.equal(form.status, 200);
    const empty = await postAdmin(agent, base, '/admin/schools/new', form, {
      code: '12a',
      name: '',
      level: 'college',
      kind: 'municipal',
      district: '',
    });
    assert.equal(empty.status, 400);
    assert.equal(fieldError(empty.body, 'code'), html(zh('admin.schools.errors.codeFormat')));
    assert.equal(fieldError(empty.body, 'name'), html(zh('admin.schools.errors.nameRequired')));
    assert.equal(fieldError(empty.body, 'level'), html(zh('admin.schools.errors.levelRequired')));
    assert.match(empty.body, /id="code"[^>]*value="12a"/, 'what was typed stays');

    const fields = {
      code,
      name: `測試國民小學${code}`,
      level: 'elementary',
      kind: 'private',
      district: '臺北市文山區',
    };
    const added = await postAdmin(agent, base, '/admin/schools/new', form, fields);
    assert.equal(added.status, 303);
    assert.equal(added.location, `${base}/admin/schools/${code}?added=1`);
    const taken = await postAdmin(agent, base, '/admin/schools/new', form, fields);
    assert.equal(taken.status, 400);
    assert.equal(fieldError(taken.body, 'code'), html(zh('admin.schools.errors.codeTaken')));

    for (const q of [code, `測試國民小學${code}`, '文山']) {
      const found = await page(`/admin/schools?${new URLSearchParams({ q, level: 'elementary' })}`);
      assert.equal(found.status, 200);
      assert.ok(found.body.includes(`data-code="${code}"`), `found by ${q}`);
    }
    const otherLevel = await page(`/admin/schools?${new URLSearchParams({ q: code, level: 'senior' })}`);
    assert.ok(!otherLevel.body.includes(`data-code="${code}"`));

    const schoolPage = await page(`/admin/schools/${code}`);
    assert.equal(schoolPage.status, 200);
    assert.ok(schoolPage.body.includes(`href="/school/${code}"`), "the way to the school's back office");
    assert.ok(schoolPage.body.includes(`href="/admin/audit?school=${code}"`), "and to the school's audit log");
    const version = versionOf(schoolPage);
    const bad = await postAdmin(agent, base, `/admin/schools/${code}`, schoolPage, { ...fields, version, name: ' ' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /id="district"[^>]*value="臺北市文山區"/);
    const saved = await postAdmin(agent, base, `/admin/schools/${code}`, schoolPage, {
      ...fields,
      version,
      code: '999999',
      name: '改名國小',
      kind: 'municipal',
    });
    assert.equal(saved.status, 303);
    assert.deepEqual(await db()('schools').where({ code }).first('name', 'level', 'kind', 'district'), {
      name: '改名國小',
      level: 'elementary',
      kind: 'municipal',
      district: '臺北市文山區',
    });
    assert.equal(await db()('schools').where({ code: '999999' }).first(), undefined, 'the code stays');
    const audit = await db()('audit_events').where({ subject: code, actor: admin.personId }).orderBy('id');
    assert.deepEqual(
      audit.map((a) => a.action),
      ['school.added', 'school.saved'],
    );
    const log = await page(`/admin/audit?school=${code}`);
    assert.match(log.body, /school\.added/);

    assert.equal((await page(`/admin/schools/${codeOf()}0`)).status, 404);
    assert.equal((await page('/admin/schools/abc')).status, 404);
    const unknown = await postAdmin(agent, base, `/admin/schools/2999999`, schoolPage, fields);
    assert.equal(unknown.status, 404);
  });

  it('two administrators editing one school: the second save, on the school as it was loaded, writes nothing (409)', async () => {
    const code = await freeCode();
    const fields = { code, name: `同時編輯國中${code}`, level: 'junior', kind: 'municipal', district: '臺北市文山區' };
    assert.equal(
      (await postAdmin(agent, base, '/admin/schools/new', await page('/admin/schools/new'), fields)).status,
      303,
    );
    const other = await personWith(server, [{ role: 'bureau_admin' }], 'bureau-b');
    const b = new Agent();
    // Both open the school; A renames it, then B (on the page loaded before) changes the district.
    const pageB = await signInAdmin(base, b, other.email, `/admin/schools/${code}`);
    const pageA = await page(`/admin/schools/${code}`);
    const renamed = await postAdmin(agent, base, `/admin/schools/${code}`, pageA, {
      ...fields,
      version: versionOf(pageA),
      name: '新名國中',
    });
    assert.equal(renamed.status, 303);
    const stale = await postAdmin(b, base, `/admin/schools/${code}`, pageB, {
      ...fields,
      version: versionOf(pageB),
      district: '臺北市大安區',
    });
    assert.equal(stale.status, 409);
    assert.ok(stale.body.includes(html(zh('admin.schools.changedSince'))), 'said in words');
    assert.match(stale.body, /id="name"[^>]*value="新名國中"/, 'the form again, as the school is now');
    assert.deepEqual(await db()('schools').where({ code }).first('name', 'district'), {
      name: '新名國中',
      district: '臺北市文山區',
    });
    // Made again on the page that came back, it is saved (and keeps A's name).
    const again = await postAdmin(b, base, `/admin/schools/${code}?lang=en`, stale, {
      ...fields,
      version: versionOf(stale),
      name: '新名國中',
      district: '臺北市大安區',
    });
    assert.equal(again.status, 303);
    assert.deepEqual(await db()('schools').where({ code }).first('name', 'district'), {
      name: '新名國中',
      district: '臺北市大安區',
    });
    // In English too; a form without the version it was loaded with saves nothing either.
    const blind = await postAdmin(b, base, `/admin/schools/${code}?lang=en`, stale, { ...fields, name: '盲目國中' });
    assert.equal(blind.status, 409);
    assert.ok(blind.body.includes(html(en('admin.schools.changedSince'))));
    assert.equal((await db()('schools').where({ code }).first('name')).name, '新名國中');
  });
  it('grants school_admin in two steps — who it is, then confirmed — (the back office opens) and revokes it', async () => {
    const code = await freeCode();
    await db()('schools').insert({ code, name: `承辦人國中${code}`, level: 'junior' });
    const office = await personWith(server, [{ schoolCode: code, role: 'teacher' }], 'office');
    const mobile = `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
    await db()('persons').where({ id: office.personId }).update({ mobile });
    const schoolPage = await page(`/admin/schools/${code}`);
    assert.ok(schoolPage.body.includes('id="admins-none"'));
    const noAdmin = async () =>
      !(await db()('identities')
        .where({ person_id: office.personId, school_code: code, role: 'school_admin', status: 'active' })
        .first());

    // A login nobody has: the message at the field, in the page's language, 400, what was typed kept.
    const nobody = await postAdmin(agent, base, `/admin/schools/${code}/admins`, schoolPage, {
      login: `nobody-${crypto.randomBytes(4).toString('hex')}@example.org`,
    });
    assert.equal(nobody.status, 400);
    assert.equal(fieldError(nobody.body, 'login'), html(zh('admin.schools.admins.errors.noSuchPerson')));
    assert.match(nobody.body, /id="login"[^>]*value="nobody-/, 'what was typed stays');
    const nobodyEn = await postAdmin(agent, base, `/admin/schools/${code}/admins?lang=en`, schoolPage, {
      login: 'nobody-at-all',
    });
    assert.equal(nobodyEn.status, 400);
    assert.equal(fieldError(nobodyEn.body, 'login'), html(en('admin.schools.admins.errors.noSuchPerson')));
    await page('/admin?lang=zh-TW');
    const blank = await postAdmin(agent, base, `/admin/schools/${code}/admins`, schoolPage, { login: ' ' });
    assert.equal(blank.status, 400);
    assert.equal(fieldError(blank.body, 'login'), html(zh('admin.schools.admins.errors.loginRequired')));

    // Step one: the person the login names, contacts masked, with their identities; nothing granted yet.
    const shown = await postAdmin(agent, base, `/admin/schools/${code}/admins`, schoolPage, {
      login: office.email.toUpperCase(),
    });
    assert.equal(shown.status, 200);
    assert.ok(shown.body.includes(`id="candidate-name">陳老師<`), 'the name');
    const facts = /<dl class="acct-facts" id="candidate-facts">([\s\S]*?)<\/dl>/.exec(shown.body)?.[1] ?? '';
    assert.ok(facts.includes(`<dd>${maskEmail(office.email)}</dd>`), 'the email, masked');
    assert.ok(facts.includes(`<dd>${maskMobile(mobile)}</dd>`), 'the mobile number, masked');
    assert.ok(!facts.includes(office.email) && !facts.includes(mobile), 'neither in full');
    assert.match(shown.body, new RegExp(`id="candidate-identities">[\\s\\S]*承辦人國中${code}（${code}）教師`));
    assert.ok(shown.body.includes(html(zh('admin.schools.admins.confirm', { name: '陳老師' }))));
    assert.ok(await noAdmin(), 'not granted by the look-up');
    const looked = await db()('audit_events').where({
      actor: admin.personId,
      action: 'admin.person_viewed',
      subject: office.personId,
    });
    assert.ok(
      looked.some((a) => a.detail.school === code && a.detail.via === 'school_admin_grant'),
      'the look audited',
    );

    // The confirmation needs the form's CSRF token; a person id that is none is a message, not a 500.
    const person = hiddenField(shown.body, 'person');
    assert.equal(person, office.personId);
    const forged = await agent.request(`${base}/admin/schools/${code}/admins/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ person, login: office.email }).toString(),
    });
    assert.equal(forged.status, 403);
    assert.ok(await noAdmin(), 'not granted without the token');
    const bogus = await postAdmin(agent, base, `/admin/schools/${code}/admins/confirm`, shown, {
      person: 'not-a-person',
      login: 'typed',
    });
    assert.equal(bogus.status, 400);
    assert.equal(fieldError(bogus.body, 'login'), html(zh('admin.schools.admins.errors.noSuchPerson')));
    assert.match(bogus.body, /id="login"[^>]*value="typed"/);

    // Step two: confirmed, granted (audited in its transaction); a second time says so.
    const granted = await postAdmin(agent, base, `/admin/schools/${code}/admins/confirm`, shown, {
      person,
      login: hiddenField(shown.body, 'login'),
    });
    assert.equal(granted.status, 303);
    assert.equal(granted.location, `${base}/admin/schools/${code}?granted=1#admins`);
    const twice = await postAdmin(agent, base, `/admin/schools/${code}/admins/confirm`, shown, { person, login: '' });
    assert.equal(twice.status, 400);
    assert.equal(fieldError(twice.body, 'login'), html(zh('admin.schools.admins.errors.already')));
    const again = await postAdmin(agent, base, `/admin/schools/${code}/admins`, schoolPage, { login: office.email });
    assert.equal(again.status, 400);
    assert.equal(fieldError(again.body, 'login'), html(zh('admin.schools.admins.errors.already')));
    const listed = await page(`/admin/schools/${code}`);
    assert.ok(listed.body.includes(`data-person="${office.personId}"`));
    const identity = await db()('identities')
      .where({ person_id: office.personId, school_code: code, role: 'school_admin', status: 'active' })
      .first();
    assert.ok(identity);
    assert.equal(identity.source, 'bureau');

    // The new administrator signs in to the back office and opens the school.
    const theirs = new Agent();
    const home = await signInOffice(base, theirs, office.email, `/school/${code}`);
    assert.equal(home.status, 200);
    assert.equal(home.url, `${base}/school/${code}`);

    const revoked = await postAdmin(agent, base, `/admin/schools/${code}/admins/${identity.id}/revoke`, listed, {});
    assert.equal(revoked.status, 303);
    const refused = await theirs.request(`${base}/school/${code}`);
    assert.equal(refused.status, 403, 'no back office any more');
    const revokedTwice = await postAdmin(
      agent,
      base,
      `/admin/schools/${code}/admins/${identity.id}/revoke`,
      listed,
      {},
    );
    assert.equal(revokedTwice.status, 404);
    const audit = await db()('audit_events')
      .where({ subject: office.personId, actor: admin.personId })
      .whereIn('action', ['identity.added', 'identity.ended']);
    assert.equal(audit.length, 2);
    assert.ok(audit.every((a) => a.detail.school === code));
  });

  it("imports the ministry's school list: bad rows by line, a preview, then one transaction", async () => {
    const [kept, renamed, fresh] = await freeCodes();
    await db()('schools').insert([
      { code: kept, name: `不變國小${kept}`, level: 'elementary', kind: 'municipal', district: '臺北市中正區' },
      { code: renamed, name: `舊名國中${renamed}`, level: 'junior', kind: 'municipal', district: '臺北市士林區' },
    ]);
    const csv = [
      '學校代碼,學校名稱,學制,公私立,縣市區',
      `${kept},不變國小${kept},國民小學,公立,臺北市中正區`,
      `${renamed},"新名國中${renamed}",國民中學,公立,`,
      `${fresh},私立新設高級中學${fresh},,私立,臺北市北投區`,
      '12345a,錯的代碼,國小,公立,',
      `${fresh},重複,國小,公立,`,
    ].join('\n');
    const form = await page('/admin/schools/import');
    assert.equal(form.status, 200);
    const upload = async (content: string, name = 'schools.csv') => {
      const body = new FormData();
      body.set('_csrf', hiddenField(form.body, '_csrf'));
      body.set('file', new Blob([content], { type: 'text/csv' }), name);
      return agent.request(`${base}/admin/schools/import`, { method: 'POST', body });
    };
    // The upload is answered with its preview's own address (Post/Redirect/Get).
    const uploaded = await upload(csv);
    assert.equal(uploaded.status, 303);
    assert.match(uploaded.location!, /\/admin\/schools\/import\?preview=[\w-]{43}$/);
    const preview = await agent.request(uploaded.location!);
    assert.equal(preview.status, 200);
    assert.ok(
      preview.body.includes(
        html(zh('admin.schools.list.previewIntro', { file: 'schools.csv', added: 1, changed: 1, unchanged: 1 })),
      ),
    );
    const problems = /<table id="problem-table">([\s\S]*?)<\/table>/.exec(preview.body)?.[1] ?? '';
    assert.match(problems, /<td>5<\/td>/, 'the bad code on line 5');
    assert.match(problems, /<td>6<\/td>/, 'the repeated code on line 6');
    assert.equal(await db()('schools').where({ code: fresh }).first(), undefined, 'nothing saved before the import');

    const commit = await postAdmin(agent, base, '/admin/schools/import/commit', preview, {
      token: hiddenField(preview.body, 'token'),
    });
    assert.equal(commit.status, 303);
    // The counts are the server's, kept with the import; the address names only the import.
    assert.doesNotMatch(commit.location!, /added=|changed=/);
    const done = await agent.request(new URL(commit.location!, base).href);
    assert.equal(done.status, 200);
    assert.match(done.body, /id="list-imported"/);
    assert.ok(done.body.includes(html(zh('admin.schools.list.imported', { added: 1, changed: 1 }))));
    // Numbers made up in an address are not shown: neither counts nor a done notice from `?imported=1`.
    const forged = await agent.request(`${base}/admin/schools/import?imported=1&added=9999&changed=7`);
    assert.equal(forged.status, 200);
    assert.doesNotMatch(forged.body, /id="list-imported"|9999/);
    // Nor another import's word with someone else's session: the counts are the one who imported's.
    const second = await personWith(server, [{ role: 'bureau_admin' }], 'bureau');
    const stranger = new Agent();
    assert.equal((await signInAdmin(base, stranger, second.email, '/admin/schools/import')).status, 200);
    const theirs = await stranger.request(new URL(commit.location!, base).href);
    assert.doesNotMatch(theirs.body, /id="list-imported"/);
    assert.deepEqual(await db()('schools').where({ code: fresh }).first('name', 'level', 'kind', 'district'), {
      name: `私立新設高級中學${fresh}`,
      level: 'senior',
      kind: 'private',
      district: '臺北市北投區',
    });
    assert.deepEqual(await db()('schools').where({ code: renamed }).first('name', 'district'), {
      name: `新名國中${renamed}`,
      district: '臺北市士林區',
    });
    const imported = await db()('audit_events').where({ actor: admin.personId, action: 'school.list_imported' });
    assert.ok(imported.some((a) => a.detail.added === 1 && a.detail.changed === 1));
    assert.equal((await db()('audit_events').where({ subject: fresh, action: 'school.added' })).length, 1);

    // The token is used up: sent again, it says the list is imported already; a file that is no school list is
    // refused.
    const replay = await postAdmin(agent, base, '/admin/schools/import/commit', preview, {
      token: hiddenField(preview.body, 'token'),
    });
    assert.equal(replay.status, 303);
    assert.match(replay.location!, /\/admin\/schools\/import\?already=1$/);
    const wrong = await upload('name,age\nx,1\n');
    assert.equal(wrong.status, 400);
    assert.ok(wrong.body.includes(html(zh('admin.schools.list.errors.noHeader'))));
    const none = await upload('', 'empty.csv');
    assert.equal(none.status, 400);
  });

  /** The import form sent with `content` as its file; the answer, redirects not followed. */
  async function uploadList(content: string, name = 'schools.csv') {
    const form = await page('/admin/schools/import');
    const body = new FormData();
    body.set('_csrf', hiddenField(form.body, '_csrf'));
    body.set('file', new Blob([content], { type: 'text/csv' }), name);
    return agent.request(`${base}/admin/schools/import`, { method: 'POST', body });
  }
  const alertOf = (body: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(body)?.[1];

  it('names the line a stray quote breaks the list at, in words; the refusal stands for the form', async () => {
    const [a, b] = await freeCodes();
    const stray = await uploadList(`學校代碼,學校名稱,學制\n${a},甲國小,國小\n${b},臺北市立"乙國中,國中\n`);
    assert.equal(stray.status, 400);
    assert.equal(
      alertOf(stray.body, 'list-error'),
      html(zh('admin.schools.list.errors.notCsv.strayQuote', { line: 3 })),
    );
    assert.match(stray.body, /<body[^>]* data-form-page="\/admin\/schools\/import"/);
    const open = await uploadList(
      `學校代碼,學校名稱,學制\n${a},甲國小,國小\n"${b},乙國中,國中\n${codeOf()},丙國小,國小\n`,
    );
    assert.equal(alertOf(open.body, 'list-error'), html(zh('admin.schools.list.errors.notCsv.openQuote', { line: 3 })));
    const english = await agent.request(`${base}/admin/schools/import?lang=en`);
    assert.equal(english.status, 200);
    const strayEn = await uploadList(`code,name,level\n${a},A school,elementary\n${b},"B" school,junior\n`);
    assert.equal(
      alertOf(strayEn.body, 'list-error'),
      html(en('admin.schools.list.errors.notCsv.strayQuote', { line: 3 })),
    );
    await page('/admin/schools/import?lang=zh-TW');
    assert.equal(await db()('schools').whereIn('code', [a, b]).first(), undefined, 'nothing imported');
  });

  it('lists a repeated code with what the row holds, the rows left out before 匯入; Back and a second 匯入 say it is imported', async () => {
    const [a, b] = await freeCodes();
    const uploaded = await uploadList(
      `學校代碼,學校名稱,學制\n${a},甲國小,國小\n${b},乙國中,國中\n${a},甲國小重複,國小\n`,
    );
    assert.equal(uploaded.status, 303);
    const previewUrl = uploaded.location!;
    const preview = await agent.request(previewUrl);
    assert.equal(preview.status, 200);
    const rows = [
      ...(/<table id="problem-table">([\s\S]*?)<\/table>/.exec(preview.body)?.[1] ?? '').matchAll(/<tr>(.*?)<\/tr>/g),
    ]
      .map((m) => [...m[1]!.matchAll(/<td>([^<]*)<\/td>/g)].map((c) => c[1]))
      .filter((r) => r.length);
    assert.deepEqual(rows, [
      ['4', zh('admin.schools.columns.code'), a, html(zh('admin.schools.errors.codeTwice', { line: 2 }))],
    ]);
    // What is left out is read before the button that imports the rest.
    const [problems, commit] = [preview.body.indexOf('id="list-problems"'), preview.body.indexOf('id="list-commit"')];
    assert.ok(problems > 0 && commit > problems, 'the problems come before 匯入');
    // Reloaded (or asked for in the other language), the preview is there again, nothing sent twice.
    const reloaded = await agent.request(previewUrl);
    assert.equal(hiddenField(reloaded.body, 'token'), hiddenField(preview.body, 'token'));

    const token = hiddenField(preview.body, 'token');
    const imported = await postAdmin(agent, base, '/admin/schools/import/commit', preview, { token });
    assert.equal(imported.status, 303);
    assert.ok(
      (await agent.request(new URL(imported.location!, base).href)).body.includes(
        html(zh('admin.schools.list.imported', { added: 2, changed: 0 })),
      ),
    );
    // A second 匯入 (a second tab, Back and 匯入): already imported, with the way to the list — not "waited too long".
    const again = await postAdmin(agent, base, '/admin/schools/import/commit', preview, { token });
    assert.equal(again.status, 303);
    const said = await agent.request(
      `${base}${new URL(again.location!, base).pathname}${new URL(again.location!, base).search}`,
    );
    assert.equal(said.status, 200);
    assert.match(said.body, /id="list-already"[^>]*>[^<]*<a href="\/admin\/schools">/);
    assert.ok(said.body.includes(html(zh('admin.schools.list.already'))));
    assert.ok(!said.body.includes(html(zh('admin.schools.list.expired'))));
    // Back to the preview: imported already, no button.
    const back = await agent.request(previewUrl);
    assert.equal(back.status, 200);
    assert.ok(back.body.includes(html(zh('admin.schools.list.already'))));
    assert.ok(!back.body.includes('id="list-commit"'));
    assert.equal((await db()('audit_events').where({ subject: a, action: 'school.added' })).length, 1, 'imported once');
    // A file whose every row has a problem: the problems, and that nothing can be imported (no 匯入).
    const allBad = await uploadList('學校代碼,學校名稱\n12,短代碼國小\n');
    const nothing = await agent.request(allBad.location!);
    assert.equal(nothing.status, 200);
    assert.ok(nothing.body.includes(html(zh('admin.schools.list.noGoodRows'))));
    assert.ok(nothing.body.includes('id="problem-table"') && !nothing.body.includes('id="list-commit"'));
    // A preview nobody imported, gone: that one did wait too long.
    const never = await postAdmin(agent, base, '/admin/schools/import/commit', preview, { token: 'A'.repeat(43) });
    assert.equal(never.status, 400);
    assert.ok(never.body.includes(html(zh('admin.schools.list.expired'))));
  });

  it('refuses someone without bureau_admin (403) and sends an anonymous visitor to sign in', async () => {
    const anonymous = await new Agent().request(`${base}/admin/schools`);
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.location!, /\/admin\/sign-in\?return_to=%2Fadmin%2Fschools$/);
    const teacher = await personWith(server, [{ role: 'teacher' }], 'teacher');
    const refused = await signInAdmin(base, new Agent(), teacher.email, '/admin/schools');
    assert.equal(refused.status, 403);
  });
});
