// The developer portal's forms sent many times at once (the integrity audit's races): an organisation created twice
// at once is one organisation (its page for whoever made it, "name taken" for anyone else, never an error page); an
// application form sent twenty times at once, or again later, makes one application.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { APPLICATION_FIELDS } from '../../helpers/developers.ts';
import { submitLogin } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const SCHOOL = `1${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const tag = () => crypto.randomBytes(4).toString('hex');

describe(`the developer portal's forms sent at the same moment (${storageMode})`, () => {
  let server: TestServer;
  const db = () => server.storage.db;
  const url = (path: string) => `${server.issuer}${path}`;

  before(async () => {
    server = await startTestServer();
    await upsertSchool(server.storage.db, { code: SCHOOL, name: '開發競賽國中', level: 'junior' });
  });
  after(async () => {
    await server?.close();
  });

  async function developer(): Promise<{ agent: Agent; home: Step }> {
    const person = await personWith(server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'dev-race');
    const agent = new Agent();
    const callback = url('/developers/callback');
    const page = await agent.follow(url('/developers'));
    const back = await submitLogin(agent, page, person.email, PERSON_PASSWORD, {}, callback);
    assert.ok(back.location?.startsWith(callback), `back at the portal (${back.status})`);
    const home = await agent.follow(back.location!);
    assert.equal(home.status, 200);
    return { agent, home };
  }

  const post = (agent: Agent, path: string, page: Step, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') });
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
    return agent.request(url(path), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  };

  const orgsNamed = (name: string) => db()('dev_organisations').whereRaw('lower(name) = lower(?)', [name]).pluck('id');

  it('one organisation created ten times at once: one organisation; the other answers say the name is taken (no error page)', async () => {
    const { agent, home } = await developer();
    const name = `資訊組 ${tag()}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(agent, '/developers/organisations', home, { name })),
    );
    const orgs = await orgsNamed(name);
    assert.equal(orgs.length, 1);
    assert.equal((await db()('dev_org_members').where({ org_id: orgs[0] })).length, 1, 'one owner');
    const made = answers.filter((a) => a.status === 303);
    assert.equal(made.length, 1, JSON.stringify(answers.map((a) => a.status)));
    assert.equal(made[0]!.location, url(`/developers/organisations/${orgs[0]}`));
    for (const a of answers.filter((x) => x.status !== 303)) {
      assert.equal(a.status, 400, a.body.slice(0, 300));
      assert.ok(a.body.includes(html(zh('developers.errors.orgTaken'))), 'the name is taken');
      assert.ok(a.body.includes(`/developers/organisations/${orgs[0]}`), 'the page lists the one that was made');
    }
  });

  it('two developers creating one name at once: one organisation; every other answer says the name is taken', async () => {
    const [a, b] = [await developer(), await developer()];
    const name = `廠商 ${tag()}`;
    const answers = await Promise.all(
      [a, b, a, b, a, b].map((d) => post(d.agent, '/developers/organisations', d.home, { name })),
    );
    const orgs = await orgsNamed(name);
    assert.equal(orgs.length, 1);
    assert.deepEqual(answers.map((x) => x.status).sort(), [303, 400, 400, 400, 400, 400]);
    for (const answer of answers.filter((x) => x.status === 400))
      assert.ok(answer.body.includes(html(zh('developers.errors.orgTaken'))));
  });

  it('one application form sent twenty times at once, then again: one application, every answer its page', async () => {
    const { agent, home } = await developer();
    const created = await post(agent, '/developers/organisations', home, { name: `聯絡簿組 ${tag()}` });
    const orgId = /\/developers\/organisations\/([0-9a-f-]{36})$/.exec(created.location!)![1]!;
    const fields = {
      ...APPLICATION_FIELDS,
      org: orgId,
      app_name: `聯絡簿 ${tag()}`,
      redirect_uris: 'https://notes.example.edu.tw/cb',
    };
    const form = await agent.request(url(`/developers/apps/new?org=${orgId}`));
    assert.equal(form.status, 200);
    const submission = hiddenField(form.body, 'submission');
    assert.match(submission, /^[0-9a-f-]{36}$/, 'the form carries its key');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(agent, '/developers/apps/new', form, { ...fields, submission })),
    );
    const apps = await db()('client_applications').where({ org_id: orgId }).pluck('id');
    assert.equal(apps.length, 1, 'one application');
    for (const a of answers)
      assert.deepEqual([a.status, a.location], [303, url(`/developers/apps/${apps[0]}?done=submitted`)]);
    assert.equal((await db()('client_application_events').where({ application_id: apps[0] })).length, 1);
    // The same form sent again later goes to the application it made.
    const again = await post(agent, '/developers/apps/new', form, { ...fields, submission });
    assert.equal(again.location, url(`/developers/apps/${apps[0]}?done=submitted`));
    // A refused form keeps its key; corrected, it makes its application once.
    const second = await agent.request(url(`/developers/apps/new?org=${orgId}`));
    const key = hiddenField(second.body, 'submission');
    assert.notEqual(key, submission, 'a new form, a new key');
    const refused = await post(agent, '/developers/apps/new', second, { ...fields, submission: key, app_name: '' });
    assert.equal(refused.status, 400);
    assert.equal(hiddenField(refused.body, 'submission'), key);
    const sent = await Promise.all(
      [0, 1, 2].map(() => post(agent, '/developers/apps/new', refused, { ...fields, submission: key })),
    );
    const now = await db()('client_applications').where({ org_id: orgId }).pluck('id');
    assert.equal(now.length, 2, 'the second form made one more');
    assert.equal(new Set(sent.map((x) => x.location)).size, 1);
  });
});
