// The console's schools, people and audit pages with odd input, signed in (the fuzz suite reaches them only without a
// session): repeated, overlong, NUL-free but strange query values and form fields, made-up ids — every answer is a
// page or a refusal (2xx, 3xx, 4xx), never a 500, and nothing changes that should not.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../../src/platform/i18n/index.ts';
import { type Console, postAdmin, startConsole } from '../../helpers/admin.ts';
import { storageMode } from '../../helpers/server.ts';

const ODD = [
  '',
  ' ',
  'x'.repeat(5000),
  '%',
  '_',
  '\\',
  "' or 1=1 --",
  '<script>',
  '２０２６-０１-０１',
  '-1',
  '1e9',
  '\u202e',
];

describe(`the bureau console with odd input (${storageMode})`, () => {
  let c: Console;
  let person: string;
  const code = `2${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;

  before(async () => {
    c = await startConsole();
    await c.server.storage.db('schools').insert({ code, name: '奇怪輸入國小', level: 'elementary' });
    person = c.admin.personId;
  });
  after(async () => {
    await c?.server.close();
  });

  it('speaks English to an English browser', async () => {
    const en = translator('en');
    for (const [path, title] of [
      ['/admin/schools', 'admin.schools.title'],
      ['/admin/schools/import', 'admin.schools.list.title'],
      ['/admin/people', 'admin.people.title'],
      ['/admin/audit', 'admin.audit.title'],
    ]) {
      const res = await c.agent.request(`${c.base}${path}`, { headers: { 'accept-language': 'en' } });
      assert.equal(res.status, 200);
      assert.match(res.body, new RegExp(`<h1>${en(title!)}</h1>`), path);
      assert.match(res.body, /<html lang="en"/);
    }
  });

  it('answers odd query values with a page, never a 500', async () => {
    const pages: [string, string[]][] = [
      ['/admin/schools', ['q', 'level', 'kind', 'page']],
      ['/admin/schools/import', ['imported', 'added', 'changed', 'already', 'expired', 'preview']],
      [`/admin/schools/${code}`, ['added', 'granted']],
      [`/admin/people/${person}`, ['done', 'sessions', 'grants']],
      ['/admin/people', ['search']],
      ['/admin/audit', ['actor', 'action', 'from', 'to', 'client', 'school', 'page']],
      ['/admin/audit.csv', ['actor', 'action', 'from', 'to', 'client', 'school']],
    ];
    for (const [path, names] of pages) {
      for (const value of ODD) {
        const q = new URLSearchParams();
        for (const n of names) {
          q.append(n, value);
          q.append(n, value);
        }
        const res = await c.page(`${path}?${q}`);
        assert.ok(res.status < 500, `${path} with ${JSON.stringify(value.slice(0, 20))}: ${res.status}`);
        assert.ok(!res.body.includes('<script>'), 'what was typed is escaped');
      }
    }
  });

  it('answers odd form fields and ids with a refusal, never a 500', async () => {
    const form = await c.page('/admin/schools/new');
    const posts: [string, string[]][] = [
      ['/admin/schools/new', ['code', 'name', 'level', 'kind', 'district']],
      [`/admin/schools/${code}`, ['name', 'level', 'kind', 'district']],
      [`/admin/schools/${code}/admins`, ['login']],
      [`/admin/schools/${code}/admins/confirm`, ['person', 'login']],
      ['/admin/people', ['q']],
      [`/admin/schools/${code}/admins/${crypto.randomUUID()}/revoke`, []],
      ['/admin/schools/import/commit', ['token']],
      [`/admin/people/${crypto.randomUUID()}/reveal`, ['reason']],
      [`/admin/people/${person}/developer`, ['access']],
      ['/admin/people/0/lock', ['reason']],
      ['/admin/people/..%2F..%2Fadmin/unlock', []],
    ];
    for (const [path, fields] of posts) {
      for (const value of ODD) {
        const res = await postAdmin(c.agent, c.base, path, form, Object.fromEntries(fields.map((f) => [f, value])));
        assert.ok(res.status < 500, `${path} with ${JSON.stringify(value.slice(0, 20))}: ${res.status}`);
      }
    }
    // The administrator's own account is untouched, the odd school still as it was.
    assert.equal((await c.server.storage.db('persons').where({ id: person }).first('status')).status, 'active');
    assert.equal((await c.server.storage.db('schools').where({ code }).first('name')).name, '奇怪輸入國小');
    const named = await c.server.storage.db('identities').where({ school_code: code, role: 'school_admin' }).first();
    assert.equal(named, undefined, 'nobody made an administrator by odd input');
  });
});
