// The bureau console's audit log (issue 15, item 8) over HTTP: searched by who, what, when, app and school, newest
// first, a page at a time; each entry's detail as labelled words in the page's language (never JSON; secrets and
// national IDs not shown); bad dates answered 400 with the field's message; the CSV export (a header row, quoting,
// formula cells neutralised), itself audited; someone without bureau_admin refused, an anonymous visitor sent to sign in.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import ts from 'typescript';
import { BUREAU_CONSOLE_CLIENT_ID } from '../../../src/domain/clients/own-pages.ts';
import { storedDetails } from '../../../src/domain/developers/details.ts';
import type { Decision } from '../../../src/domain/developers/mails.ts';
import { maskNationalId } from '../../../src/domain/people/national-id.ts';
import type { ContactKind } from '../../../src/domain/people/persons.ts';
import { actionWords } from '../../../src/flows/admin/audit.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { taipeiTime } from '../../../src/web/taipei-time.ts';
import { personWith } from '../../helpers/account.ts';
import { type Console, signInAdmin, startConsole } from '../../helpers/admin.ts';
import { Agent, html } from '../../helpers/agent.ts';
import { APPLICATION_FIELDS } from '../../helpers/developers.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
/** The source files of src/ (not their unit tests), by their path under src/. */
const sources = () =>
  fs
    .readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));

/** Every value of Decision and ContactKind (a record of each: tsc says so when either type gains one). */
const DECISIONS: Record<Decision, true> = { approve: true, changes: true, reject: true };
const CONTACT_KINDS: Record<ContactKind, true> = { email: true, mobile: true };

/**
 * The actions the code builds from a template, each with every action it makes. A template not listed here fails the
 * test below: list it with its actions (and give them words in texts-audit.ts).
 */
const BUILT_ACTIONS: Record<string, () => string[]> = {
  // Applications' history rows, each audited as `application.<its action>` (domain/developers/applications.ts).
  'application.${action}': () => applicationEvents().map((e) => `application.${e}`),
  // A person's own new email or mobile number (domain/people/service.ts, setContact).
  'person.${kind}_changed': () => Object.keys(CONTACT_KINDS).map((kind) => `person.${kind}_changed`),
};

/** The values an expression may have: string literals, both branches of a condition, a template's expansions. */
function valuesOf(e: ts.Expression, templates: Record<string, string[]>): string[] {
  if (ts.isParenthesizedExpression(e)) return valuesOf(e.expression, templates);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
  if (ts.isConditionalExpression(e)) return [...valuesOf(e.whenTrue, templates), ...valuesOf(e.whenFalse, templates)];
  const text = e.getText();
  assert.ok(text in templates, `an action of its own making, ${text}: list what it makes`);
  return templates[text]!;
}

/** What an application's history row says happened: the action argument of every `this.#event(…)` call. */
function applicationEvents(): string[] {
  const file = 'domain/developers/applications.ts';
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(SRC, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const events: string[] = [];
  const templates = { '`decided_${decision.decision}`': Object.keys(DECISIONS).map((d) => `decided_${d}`) };
  const visit = (n: ts.Node): void => {
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      n.expression.name.getText(source) === '#event' &&
      n.arguments[3]
    )
      events.push(...valuesOf(n.arguments[3], templates));
    ts.forEachChild(n, visit);
  };
  visit(source);
  assert.ok(events.length >= 10, `found the application events (${events.length})`);
  return events;
}

/**
 * Every audit action in src/: quoted on a line about an action (`action: 'admin.person_viewed'`,
 * `action: ok ? 'sign_in.second_factor' : 'sign_in.failure'`; not `e.action`), written by SQL of its own
 * (`insert into audit_events … select …, 'identity.chosen', …`), or built from a template (BUILT_ACTIONS).
 */
function auditActions(): string[] {
  const actions: string[] = [];
  const quoted = (text: string) => [...text.matchAll(/'([a-z_]{2,}\.[a-z_]+)'/g)].map((m) => m[1]!);
  for (const file of sources()) {
    const text = fs.readFileSync(path.join(SRC, file), 'utf8');
    for (const line of text.split('\n')) if (line.includes('action')) actions.push(...quoted(line));
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if ((ts.isTemplateLiteral(n) || ts.isStringLiteral(n)) && /insert into audit_events/i.test(n.getText(source)))
        actions.push(...quoted(n.getText(source)));
      // `action: <a template>` anywhere: one of BUILT_ACTIONS (its code as written, backticks aside).
      if (ts.isPropertyAssignment(n) && n.name.getText(source) === 'action') {
        const built = (e: ts.Expression): void => {
          if (ts.isParenthesizedExpression(e)) built(e.expression);
          else if (ts.isConditionalExpression(e)) for (const branch of [e.whenTrue, e.whenFalse]) built(branch);
          else if (ts.isTemplateExpression(e)) {
            const template = e.getText(source).slice(1, -1);
            // Addresses of forms (`/developers/apps/${id}/edit`) are actions of another kind.
            if (template.startsWith('/')) return;
            assert.ok(template in BUILT_ACTIONS, `${file}: the action \`${template}\` is built: list what it makes`);
            actions.push(...BUILT_ACTIONS[template]!());
          }
        };
        built(n.initializer);
      }
      ts.forEachChild(n, visit);
    };
    visit(source);
  }
  return actions;
}

describe(`the bureau console's audit log (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let admin: Console['admin'];
  let agent: Agent;
  // Entries of this file's own, under an action nobody else writes.
  const tag = crypto.randomBytes(4).toString('hex');
  const action = `test_${tag}`;
  const school = `2${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
  const nationalId = randomNationalId();
  const expires = '2026-01-20T04:05:00.000Z';

  before(async () => {
    ({ server, base, admin, agent } = await startConsole('/admin/audit'));
    const db = server.storage.db;
    const at = (iso: string) => new Date(iso);
    await db('audit_events').insert([
      { at: at('2026-01-10T03:00:00Z'), actor: 'cli', action: `${action}.one`, subject: school, detail: {} },
      {
        at: at('2026-01-11T03:00:00Z'),
        actor: admin.personId,
        action: `${action}.two`,
        subject: 'someone',
        detail: { school, client: `app-${tag}` },
      },
      {
        at: at('2026-01-12T03:00:00Z'),
        actor: 'cli',
        action: `${action}.formula`,
        subject: '=HYPERLINK("http://evil.example","x")',
        detail: { note: 'a, "quoted" value\nover two lines' },
      },
      // 2026-01-12 23:30 in Taipei is still the 12th there (15:30 UTC).
      { at: at('2026-01-12T15:30:00Z'), actor: 'cli', action: `${action}.late`, subject: '@x', detail: {} },
      // What the code records, and what it must never show.
      {
        at: at('2025-06-01T03:00:00Z'),
        actor: 'cli',
        action: `${action}.detailed`,
        subject: school,
        detail: {
          client: `app-d-${tag}`,
          method: 'passkey',
          reason: 'second_factor_wrong',
          role: 'school_admin',
          grace: 86_400,
          fields: ['redirect_uris', 'scopes'],
          students: { new: 3, changed: 1 },
          on: true,
          expires,
          note: '<b>bold</b> & "quoted"',
          client_secret: `secret-${tag}`,
          national_id: nationalId,
        },
      },
      {
        at: at('2025-06-01T02:00:00Z'),
        actor: 'cli',
        action: `${action}.reasoned`,
        subject: school,
        detail: { reason: `家長來電確認 ${nationalId}`, via: 'console' },
      },
    ]);
  });
  after(async () => {
    await server?.close();
  });

  const rowsOf = (body: string) =>
    [...body.matchAll(/<tr data-id="\d+">[\s\S]*?<td class="acct-nowrap">([^<]*)<\/td>[\s\S]*?<\/tr>/g)].length;
  const actionsOf = (body: string) => [...body.matchAll(new RegExp(`(${action}\\.[a-z]+)`, 'g'))].map((m) => m[1]);
  const search = (q: Record<string, string>) => agent.request(`${base}/admin/audit?${new URLSearchParams(q)}`);

  it('filters by what, who, when, app and school, newest first', async () => {
    const all = await search({ action, from: '2026-01-01' });
    assert.equal(all.status, 200);
    assert.deepEqual(
      [...new Set(actionsOf(all.body))],
      [`${action}.late`, `${action}.formula`, `${action}.two`, `${action}.one`],
      'newest first',
    );
    assert.equal(rowsOf(all.body), 4);
    assert.deepEqual([...new Set(actionsOf((await search({ action, actor: admin.email })).body))], [`${action}.two`]);
    assert.deepEqual(
      [...new Set(actionsOf((await search({ action, actor: 'cli', from: '2026-01-01' })).body))].length,
      3,
    );
    assert.deepEqual(
      [...new Set(actionsOf((await search({ action, from: '2026-01-11', to: '2026-01-12' })).body))],
      [`${action}.late`, `${action}.formula`, `${action}.two`],
      'both days included, in Taipei time',
    );
    assert.deepEqual(
      [...new Set(actionsOf((await search({ action, school, from: '2026-01-01' })).body))],
      [`${action}.two`, `${action}.one`],
      'the school as subject or in the detail',
    );
    assert.deepEqual([...new Set(actionsOf((await search({ action, client: `app-${tag}` })).body))], [`${action}.two`]);
    const named = await search({ action: `${action}.two` });
    assert.ok(named.body.includes('陳老師'), "a person's name beside their id");
  });

  it('names each action in words, its code beside', async () => {
    const page = await search({ action: 'admin.signed_in' });
    assert.equal(page.status, 200);
    assert.ok(
      page.body.includes(
        `${zh('admin.audit.actions.admin.signed_in')}<br><small class="muted acct-nowrap">admin.signed_in</small>`,
      ),
    );
    // A person as subject is named too, with a link to their page.
    const signedIn = await search({ action: 'admin.signed_in', actor: admin.email });
    assert.ok(signedIn.body.includes(`<a href="/admin/people/${admin.personId}">`), 'the subject linked');
    // An action without words (this file's own) shows its code alone.
    assert.match(
      (await search({ action })).body,
      new RegExp(`<td><small class="muted acct-nowrap">${action}\\.one</small></td>`),
    );
  });

  it('has words, in both languages, for every action the code writes', () => {
    const actions = new Set(auditActions());
    assert.ok(actions.size > 50, `found the actions (${actions.size})`);
    for (const action of [
      'application.submitted',
      'application.decided_reject',
      'person.email_changed',
      'identity.chosen',
    ])
      assert.ok(actions.has(action), `${action} is found`);
    for (const locale of ['zh-TW', 'en'] as const) {
      const t = translator(locale);
      const missing = [...actions].filter((a) => !actionWords(t, a));
      assert.deepEqual(missing, [], `actions without words in ${locale}`);
    }
  });

  it("shows an entry's detail as labelled words in the page's language, never JSON, nothing secret", async () => {
    const rowOf = (body: string, name: string) =>
      new RegExp(`<tr data-id="\\d+">(?:(?!</tr>)[\\s\\S])*${action}\\.${name}[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';
    const item = (tr: typeof zh, label: string, value: string) =>
      `<div><dt class="acct-nowrap">${html(tr('admin.audit.detail.label', { label }))}</dt><dd>${html(value)}</dd></div>`;
    for (const [lang, tr] of [
      ['zh-TW', zh],
      ['en', en],
    ] as const) {
      const page = await search({ action, to: '2025-12-31', lang });
      assert.equal(page.status, 200);
      const row = rowOf(page.body, 'detailed');
      assert.ok(row, `the entry is listed (${lang})`);
      const key = (k: string) => tr(`admin.audit.detail.keys.${k}`);
      const list = (...items: string[]) => items.join(tr('listSeparator'));
      for (const [label, value] of [
        [key('client'), `app-d-${tag}`],
        [key('method'), tr('admin.audit.detail.values.method.passkey')],
        [key('reason'), tr('admin.people.signIns.reasons.second_factor_wrong')],
        [key('role'), tr('role.school_admin')],
        [key('grace'), tr('admin.audit.detail.days', { n: 1 })],
        // An application's fields by their names, not their codes.
        [
          key('fields'),
          list(tr('admin.audit.detail.values.fields.redirect_uris'), tr('admin.audit.detail.values.fields.scopes')),
        ],
        [
          key('students'),
          list(
            tr('admin.audit.detail.pair', { label: key('new'), text: '3' }),
            tr('admin.audit.detail.pair', { label: key('changed'), text: '1' }),
          ),
        ],
        [key('on'), tr('admin.audit.detail.yes')],
        [key('expires'), taipeiTime(expires, lang, 'minutes')],
        // A key without words: as it is, its value escaped.
        ['note', '<b>bold</b> & "quoted"'],
        ['client_secret', tr('admin.audit.detail.hidden')],
        ['national_id', tr('admin.audit.detail.hidden')],
      ] as const)
        assert.ok(row.includes(item(tr, label, value)), `${label} → ${value} (${lang})`);
      assert.ok(!row.includes('<b>'), 'values escaped');
      assert.ok(!row.includes(`secret-${tag}`), 'no secret');
      assert.ok(!row.includes(nationalId), 'no national ID');
      assert.doesNotMatch(row, /\{|&quot;\w+&quot;:/, 'no JSON');
      // A national ID typed into a free text is masked there.
      const reasoned = rowOf(page.body, 'reasoned');
      assert.ok(reasoned.includes(item(tr, key('reason'), `家長來電確認 ${maskNationalId(nationalId)}`)));
      assert.ok(reasoned.includes(item(tr, key('via'), tr('admin.audit.detail.values.via.console'))));
      assert.ok(!reasoned.includes(nationalId));
    }
    await search({ lang: 'zh-TW' });
  });

  it("names an application's entries in words: the action, the app by its name linked to its review, its fields", async () => {
    const db = server.storage.db;
    const developer = await personWith(server, [{ role: 'teacher' }], 'dev');
    const org = await server.services.developers.organisations.create(`稽核測試 ${tag}`, developer.personId);
    const id = crypto.randomUUID();
    const name = `班級通知 ${tag}`;
    const day = `2024-0${crypto.randomInt(1, 10)}-${crypto.randomInt(10, 29)}`;
    const details = storedDetails({
      ...APPLICATION_FIELDS,
      app_name: name,
      redirect_uris: [`https://notes-${tag}.example.edu.tw/callback`],
    });
    await db('client_applications').insert({
      id,
      org_id: org,
      status: 'submitted',
      details: JSON.stringify(details),
      submitted_by: developer.personId,
    });
    // As the application's history writes them (`application.<its step>`, the fields changed), and an app's own.
    await db('audit_events').insert([
      {
        actor: developer.personId,
        action: 'application.change_submitted',
        subject: id,
        detail: { fields: ['app_name', 'redirect_uris'] },
      },
      { actor: admin.personId, action: 'application.decided_reject', subject: id, detail: {} },
      {
        at: new Date(`${day}T03:00:00Z`),
        actor: 'cli',
        action: 'client.updated',
        subject: BUREAU_CONSOLE_CLIENT_ID,
        detail: { fields: ['client_name'], client: BUREAU_CONSOLE_CLIENT_ID },
      },
    ]);
    for (const [lang, tr] of [
      ['zh-TW', zh],
      ['en', en],
    ] as const) {
      const page = await search({ action: 'application.', client: id, lang });
      assert.equal(page.status, 200);
      const rows = page.body.match(/<tr data-id="\d+">[\s\S]*?<\/tr>/g) ?? [];
      assert.equal(rows.length, 2, `both entries of the application (${lang})`);
      const [rejected, changed] = rows as [string, string];
      for (const [row, action] of [
        [rejected, 'application.decided_reject'],
        [changed, 'application.change_submitted'],
      ] as const)
        assert.ok(
          row.includes(
            `${html(tr(`admin.audit.actions.${action}`))}<br><small class="muted acct-nowrap">${action}</small>`,
          ),
          `${action} in words (${lang})`,
        );
      assert.ok(
        changed.includes(`<a href="/admin/applications/${id}">${html(name)}</a>`),
        `the application by its name, linked to its review (${lang})`,
      );
      const fields = [
        tr('admin.audit.detail.values.fields.app_name'),
        tr('admin.audit.detail.values.fields.redirect_uris'),
      ];
      assert.ok(
        changed.includes(`<dd>${html(fields.join(tr('listSeparator')))}</dd>`),
        `the fields in words (${lang})`,
      );
      assert.doesNotMatch(changed, /redirect_uris<|app_name/, 'no field codes');
      // This file's own entry of the app: the only one on its day.
      const app = await search({
        action: 'client.updated',
        client: BUREAU_CONSOLE_CLIENT_ID,
        from: day,
        to: day,
        lang,
      });
      const appRow = app.body.match(/<tr data-id="\d+">[\s\S]*?<\/tr>/g)?.[0] ?? '';
      const own = lang === 'en' ? 'Bureau console' : '教育局管理';
      assert.ok(
        appRow.includes(`<a href="/admin/clients/${BUREAU_CONSOLE_CLIENT_ID}">${html(own)}</a>`),
        `an app by its name, linked to its settings (${lang})`,
      );
      assert.ok(
        appRow.includes(
          `<dd>${html(tr('admin.audit.detail.named', { name: own, code: BUREAU_CONSOLE_CLIENT_ID }))}</dd>`,
        ),
        `the app of the detail by its name (${lang})`,
      );
    }
    await search({ lang: 'zh-TW' });
  });

  it('names schools and developer organisations by their names, the code or id kept, all in one query', async () => {
    const db = server.storage.db;
    // Schools of this test's own (the subject, the detail's school, a list of them) and one code no school has.
    const codes = [0, 1, 2].map((i) => `7${String(crypto.randomInt(0, 10_000)).padStart(4, '0')}${i}`);
    const schoolName = (code: string) => `稽核測試國中 ${tag}-${code}`;
    await db('schools').insert(codes.map((code) => ({ code, name: schoolName(code), level: 'junior' })));
    const [main, second, third] = codes as [string, string, string];
    const unknown = `8${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
    const developer = await personWith(server, [{ role: 'teacher' }], 'dev');
    const orgName = `稽核組織 ${tag}`;
    const org = await server.services.developers.organisations.create(orgName, developer.personId);
    await db('audit_events').insert([
      { actor: admin.personId, action: 'school.saved', subject: main, detail: { via: 'console' } },
      {
        actor: 'cli',
        action: 'identity.added',
        subject: developer.personId,
        detail: { school: main, role: 'teacher' },
      },
      {
        actor: admin.personId,
        action: 'client.permissions',
        subject: `app-s-${tag}`,
        detail: { grant: 'roster', permissions: ['roster'], school_codes: [main, second, unknown] },
      },
      { actor: 'cli', action: 'school.semester_saved', subject: third, detail: {} },
      { actor: 'cli', action: 'school.saved', subject: unknown, detail: {} },
    ]);
    const rowsIn = (body: string) => body.match(/<tr data-id="\d+">[\s\S]*?<\/tr>/g) ?? [];
    const rowOf = (body: string, action: string) => rowsIn(body).find((r) => r.includes(`>${action}</small>`)) ?? '';
    for (const [lang, tr] of [
      ['zh-TW', zh],
      ['en', en],
    ] as const) {
      const named = (code: string) => html(tr('admin.audit.detail.named', { name: schoolName(code), code }));
      // The school filter finds what it found before: the school as subject, in the detail, in a list.
      const page = await search({ school: main, lang });
      assert.equal(page.status, 200);
      assert.equal(rowsIn(page.body).length, 3, `the school's three entries (${lang})`);
      const saved = rowOf(page.body, 'school.saved');
      assert.ok(
        saved.includes(
          `<a href="/admin/schools/${main}">${html(schoolName(main))}</a><br><small class="muted acct-nowrap">${main}</small>`,
        ),
        `the subject school by name, linked to its page, its code beside (${lang})`,
      );
      assert.ok(
        rowOf(page.body, 'identity.added').includes(`<dd>${named(main)}</dd>`),
        `the detail's school (${lang})`,
      );
      assert.ok(
        rowOf(page.body, 'client.permissions').includes(
          `<dd>${[named(main), named(second), unknown].join(html(tr('listSeparator')))}</dd>`,
        ),
        `a list of schools by name, a code no school has as it is (${lang})`,
      );
      const other = await search({ action: 'school.', school: third, lang });
      assert.ok(other.body.includes(`<a href="/admin/schools/${third}">${html(schoolName(third))}</a>`));
      const nameless = await search({ action: 'school.saved', school: unknown, lang });
      assert.match(rowOf(nameless.body, 'school.saved'), new RegExp(`<td>${unknown}</td>`), 'no school: the code');
      // A developer organisation (no page of the console's) by its name, the beginning of its id beside.
      const created = await search({ action: 'developer.org_created', actor: developer.email, lang });
      const orgRow = rowOf(created.body, 'developer.org_created');
      assert.ok(
        orgRow.includes(`<td>${html(orgName)}<br><small class="muted acct-nowrap">${org.slice(0, 8)}…</small></td>`),
        `the organisation by name (${lang})`,
      );
    }

    // The names of a page come in one query, however many people, schools and organisations its entries name.
    const sql: string[] = [];
    const listen = (q: { sql: string }) => sql.push(q.sql);
    db.on('query', listen);
    try {
      const page = await search({ school: main });
      assert.equal(rowsIn(page.body).length, 3);
      await search({ action: 'developer.org_created', actor: developer.email });
    } finally {
      db.off('query', listen);
    }
    const naming = sql.filter((q) => /from "(schools|dev_organisations|persons)" where "(id|code)" in/.test(q));
    assert.equal(naming.length, 2, `one query for the names of each page:\n${naming.join('\n')}`);
    assert.ok(naming.every((q) => /union all/.test(q) || !/schools|dev_organisations/.test(q)));
    await search({ lang: 'zh-TW' });
  });

  it('has words, in both languages, for every field of an application', () => {
    const details = storedDetails({
      ...APPLICATION_FIELDS,
      app_name: 'x',
      redirect_uris: ['https://x.example.edu.tw/cb'],
    });
    const fields = Object.keys(details ?? {});
    assert.ok(fields.length > 10, `the fields (${fields.length})`);
    for (const locale of ['zh-TW', 'en'] as const) {
      const t = translator(locale);
      const missing = fields.filter((f) => !t(`admin.audit.detail.values.fields.${f}`, { defaultValue: '' }));
      assert.deepEqual(missing, [], `fields without words in ${locale}`);
    }
  });

  it('has labels, in both languages, for every detail key the code records', () => {
    // Keys of `detail: { … }` (and `const detail = { … }`) object literals in src/, spreads and conditionals followed;
    // counts spread from a variable (a roster publication's, an import's) have labels of their own in texts-audit.ts.
    const root = fileURLToPath(new URL('../../../src/', import.meta.url));
    const keys = new Set<string>();
    const collect = (e: ts.Expression | undefined): void => {
      if (!e) return;
      if (ts.isParenthesizedExpression(e)) collect(e.expression);
      else if (ts.isConditionalExpression(e)) for (const branch of [e.whenTrue, e.whenFalse]) collect(branch);
      else if (ts.isCallExpression(e)) for (const argument of e.arguments) collect(argument);
      if (!ts.isObjectLiteralExpression(e)) return;
      for (const p of e.properties) {
        if ((ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && ts.isIdentifier(p.name))
          keys.add(p.name.text);
        else if (ts.isSpreadAssignment(p)) collect(p.expression);
      }
    };
    for (const file of fs.readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || path.basename(file).startsWith('texts')) continue;
      const source = ts.createSourceFile(file, fs.readFileSync(path.join(root, file), 'utf8'), ts.ScriptTarget.Latest);
      const visit = (n: ts.Node): void => {
        if ((ts.isPropertyAssignment(n) || ts.isVariableDeclaration(n)) && ts.isIdentifier(n.name))
          if (n.name.text === 'detail') collect(n.initializer);
        ts.forEachChild(n, visit);
      };
      visit(source);
    }
    assert.ok(keys.size > 40, `found the keys (${keys.size})`);
    for (const locale of ['zh-TW', 'en'] as const) {
      const t = translator(locale);
      const missing = [...keys].filter((k) => !t(`admin.audit.detail.keys.${k}`, { defaultValue: '' }));
      assert.deepEqual(missing, [], `detail keys without a label in ${locale}`);
    }
  });

  it('answers a bad date with 400 and the field message, the values kept', async () => {
    const bad = await search({ action, from: '2026-02-30', to: '2026-01-01' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, new RegExp(`id="from-error">${html(zh('admin.audit.errors.date'))}<`));
    assert.match(bad.body, /id="action"[^>]*value="test_/);
    const backwards = await search({ from: '2026-02-01', to: '2026-01-01' });
    assert.equal(backwards.status, 400);
    assert.match(backwards.body, new RegExp(`id="to-error">${html(zh('admin.audit.errors.order'))}<`));
    assert.equal((await agent.request(`${base}/admin/audit.csv?from=yesterday`)).status, 400);
    // A month and day that no calendar has: a message too, not a 500.
    const impossible = await search({ to: '2026-13-45' });
    assert.equal(impossible.status, 400);
    assert.match(impossible.body, new RegExp(`id="to-error">${html(zh('admin.audit.errors.date'))}<`));
  });

  it('pages through more than a page', async () => {
    const many = `${action}.many`;
    await server.storage
      .db('audit_events')
      .insert(Array.from({ length: 55 }, (_, i) => ({ actor: 'cli', action: many, subject: String(i), detail: {} })));
    const first = await search({ action: many });
    assert.equal(rowsOf(first.body), 50);
    assert.match(first.body, /rel="next"/);
    const second = await search({ action: many, page: '2' });
    assert.equal(rowsOf(second.body), 5);
    assert.match(second.body, /rel="prev"/);
  });

  it('exports the filtered entries as CSV, formulas neutralised, and audits the export', async () => {
    const res = await agent.request(
      `${base}/admin/audit.csv?${new URLSearchParams({ action, from: '2026-01-01', to: '2026-01-31' })}`,
    );
    assert.equal(res.status, 200);
    const raw = await fetch(`${base}/admin/audit.csv?action=${action}`, {
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.match(raw.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.match(raw.headers.get('content-disposition') ?? '', /attachment; filename="audit-\d{8}\.csv"/);
    assert.equal(raw.headers.get('cache-control'), 'no-store');
    const bytes = Buffer.from(await raw.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a byte-order mark for spreadsheets');

    assert.ok(res.body.startsWith('time,actor,actor_name,action,subject,detail\r\n'), 'a header row, CRLF');
    const rows: string[][] = parse(res.body, { bom: true });
    assert.deepEqual(rows[0], ['time', 'actor', 'actor_name', 'action', 'subject', 'detail']);
    assert.deepEqual(
      rows.slice(1).map((r) => r[3]),
      [`${action}.late`, `${action}.formula`, `${action}.two`, `${action}.one`],
    );
    const formula = rows.find((r) => r[3] === `${action}.formula`)!;
    assert.equal(formula[4], `'=HYPERLINK("http://evil.example","x")`);
    assert.equal(JSON.parse(formula[5]!).note, 'a, "quoted" value\nover two lines');
    assert.equal(rows.find((r) => r[3] === `${action}.late`)![4], "'@x");
    assert.equal(rows.find((r) => r[3] === `${action}.two`)![2], '陳老師');
    const exported = await server.storage
      .db('audit_events')
      .where({ actor: admin.personId, action: 'admin.audit_exported' });
    assert.ok(exported.some((e) => e.detail.action === action));
  });

  it('refuses someone without bureau_admin (403) and sends an anonymous visitor to sign in', async () => {
    for (const path of ['/admin/audit', '/admin/audit.csv']) {
      const anonymous = await new Agent().request(`${base}${path}`);
      assert.equal(anonymous.status, 303);
      assert.match(anonymous.location!, /\/admin\/sign-in\?return_to=/);
    }
    const office = await personWith(server, [{ role: 'parent' }], 'parent');
    const theirs = new Agent();
    const refused = await signInAdmin(base, theirs, office.email, '/admin/audit');
    assert.equal(refused.status, 403);
    assert.equal((await theirs.request(`${base}/admin/audit.csv`)).status, 303, 'no session, no export');
  });
});
