// Ids in URLs and forms that are not UUIDs (36 characters of hex digits and hyphens in any order, among others): the
// developer portal and the bureau console answer them as they answer an unknown id (PostgreSQL would refuse them in a
// uuid column: they were answered with a server error, 500).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith } from '../helpers/account.ts';
import { type Console, startConsole } from '../helpers/admin.ts';
import { Agent, hiddenField, html, type Step } from '../helpers/agent.ts';
import { APPLICATION_FIELDS } from '../helpers/developers.ts';
import { CALLBACK, submitLogin } from '../helpers/rp.ts';
import { storageMode } from '../helpers/server.ts';

const SCHOOL = `3${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const zh = translator('zh-TW');

/** Not UUIDs, though the first ones are 36 characters of hex digits and hyphens. */
const NOT_UUIDS = [
  'a'.repeat(36),
  '0'.repeat(36),
  '-'.repeat(36),
  `${'f'.repeat(32)}----`,
  '0000000-000000000-0000-000000000000',
  crypto.randomUUID().replaceAll('-', ''),
  crypto.randomUUID().toUpperCase(),
];

describe(`ids that are not UUIDs in the portal and the console (${storageMode})`, () => {
  let c: Console;
  let dev: Agent;
  let devHome: Step;
  let orgId: string;
  let appId: string;

  before(async () => {
    c = await startConsole('/admin');
    await c.server.storage.db('schools').insert({ code: SCHOOL, name: '編號測試國中', level: 'junior' });
    const developer = await personWith(c.server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'dev');
    dev = new Agent();
    const callback = `${c.base}/developers/callback`;
    const page = await dev.follow(`${c.base}/developers`);
    const back = await submitLogin(dev, page, developer.email, PERSON_PASSWORD, {}, callback);
    assert.ok(back.location?.startsWith(callback), `signed in to the portal (${back.status})`);
    devHome = await dev.follow(back.location!);
    assert.equal(devHome.status, 200);
    const created = await post(dev, '/developers/organisations', devHome, { name: `編號測試 ${SCHOOL}` });
    assert.equal(created.status, 303);
    orgId = /\/developers\/organisations\/([0-9a-f-]{36})$/.exec(created.location!)![1]!;
    const form = await dev.request(`${c.base}/developers/apps/new?org=${orgId}`);
    const submitted = await post(dev, '/developers/apps/new', form, {
      ...APPLICATION_FIELDS,
      app_name: '編號測試',
      redirect_uris: CALLBACK,
      org: orgId,
      submission: hiddenField(form.body, 'submission'),
    });
    assert.equal(submitted.status, 303);
    appId = /\/developers\/apps\/([0-9a-f-]{36})\?/.exec(submitted.location!)![1]!;
  });
  after(async () => {
    await c?.server.close();
  });

  /** A form of `page` sent (its CSRF token with it), the answer not followed. */
  function post(agent: Agent, path: string, page: Step, fields: Record<string, string | string[]>): Promise<Step> {
    const body = new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') });
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
    return agent.request(`${c.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }

  /** The card of a page (what the error page says), without the support code (one per request). */
  const card = (page: Step) =>
    /<section class="card">[\s\S]*?<\/section>/.exec(page.body)?.[0].replace(/<p class="code">.*?<\/p>/, '');

  /** Each request, sent with an unknown UUID and with each id that is not one: the same 404 page for all. */
  async function sameAsUnknown(request: (id: string) => Promise<Step>) {
    const unknown = await request(crypto.randomUUID());
    assert.equal(unknown.status, 404);
    assert.ok(unknown.body.includes(html(zh('error.notFound'))), 'the page that is not found');
    for (const id of NOT_UUIDS) {
      const answer = await request(id);
      assert.equal(answer.status, 404, id);
      assert.equal(card(answer), card(unknown), id);
    }
  }

  it("the developer portal's pages of an organisation or an app", async () => {
    const get = (path: string) => dev.request(`${c.base}${path}`);
    await sameAsUnknown((id) => get(`/developers/organisations/${id}`));
    await sameAsUnknown((id) => get(`/developers/apps/${id}`));
    await sameAsUnknown((id) => get(`/developers/apps/${id}/edit`));
    await sameAsUnknown((id) => get(`/developers/apps/${id}/quick-start`));
    await sameAsUnknown((id) => get(`/developers/apps/new?org=${id}`));
    for (const action of ['secret', 'rotate', 'disable', 'edit'])
      await sameAsUnknown((id) => post(dev, `/developers/apps/${id}/${action}`, devHome, {}));
    await sameAsUnknown((id) => post(dev, `/developers/organisations/${id}/members/${id}/remove`, devHome, {}));
    await sameAsUnknown((id) => post(dev, '/developers/apps/new', devHome, { ...APPLICATION_FIELDS, org: id }));
  });

  it('removing a member who is not a UUID from an organisation of ours: no such account (400)', async () => {
    for (const id of NOT_UUIDS) {
      const answer = await post(dev, `/developers/organisations/${orgId}/members/${id}/remove`, devHome, {});
      assert.equal(answer.status, 400, id);
      assert.ok(answer.body.includes(html(zh('developers.errors.memberUnknown'))), id);
    }
    const org = await dev.request(`${c.base}/developers/organisations/${orgId}`);
    assert.equal(org.status, 200, 'the owner is still there');
  });

  it("a new application's form key that is not a UUID makes an application without one", async () => {
    const form = await dev.request(`${c.base}/developers/apps/new?org=${orgId}`);
    const fields = { ...APPLICATION_FIELDS, app_name: '編號測試二', redirect_uris: CALLBACK, org: orgId };
    const made = await post(dev, '/developers/apps/new', form, { ...fields, submission: 'a'.repeat(36) });
    assert.equal(made.status, 303);
    const id = /\/developers\/apps\/([0-9a-f-]{36})\?/.exec(made.location!)![1]!;
    assert.notEqual(id, appId);
    const row = await c.server.storage.db('client_applications').where({ id }).first('submission_key');
    assert.equal(row.submission_key, null);
  });

  it("the bureau console's person and application pages, and their buttons", async () => {
    const home = await c.page('/admin');
    await sameAsUnknown((id) => c.page(`/admin/people/${id}`));
    for (const action of ['reveal', 'lock', 'unlock', 'password-reset', 'sessions/end', 'developer'])
      await sameAsUnknown((id) => post(c.agent, `/admin/people/${id}/${action}`, home, { reason: '查核' }));
    await sameAsUnknown((id) => c.page(`/admin/applications/${id}`));
    for (const action of ['decide', 'enable', 'disable'])
      await sameAsUnknown((id) => post(c.agent, `/admin/applications/${id}/${action}`, home, {}));
    await sameAsUnknown((id) => post(c.agent, `/admin/schools/${SCHOOL}/admins/${id}/revoke`, home, {}));
    const app = await c.page(`/admin/applications/${appId}`);
    assert.equal(app.status, 200, 'a real one still opens');
  });
});
