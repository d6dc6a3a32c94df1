// The developer portal's forms sent many times at once (the integrity audit's races): an organisation created twice
// at once is one organisation (its page for whoever made it, "name taken" for anyone else, never an error page); an
// application form sent twenty times at once, or again later, makes one application. The bureau decides only on what
// its review page showed: a developer's edit after the page was opened, of a new application or of a change to an
// approved app, refuses the decision (409, the page again as it is now); two administrators saving one app's settings:
// the second, on the settings as they were loaded, writes nothing (409).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { APPLICATION_FIELDS } from '../../helpers/developers.ts';
import { submitLogin } from '../../helpers/rp.ts';
import { signInOffice } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const SCHOOL = `1${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
/** The version a console form carries (none on a page without it: the value is then empty). */
const versionOf = (page: Step) => /name="version" value="([^"]*)"/.exec(page.body)?.[1] ?? '';
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
    // One answer says it was sent; the others (a browser shows the last) that it had been, and no second one made.
    const app = url(`/developers/apps/${apps[0]}`);
    assert.deepEqual(
      answers.map((a) => [a.status, a.location]).sort(),
      [
        [303, `${app}?done=alreadySent`],
        [303, `${app}?done=submitted`],
      ]
        .flatMap((x, i) => Array.from({ length: i ? 1 : 19 }, () => x))
        .sort(),
    );
    assert.equal((await db()('client_application_events').where({ application_id: apps[0] })).length, 1);
    // The same form sent again later goes to the application it made.
    const again = await post(agent, '/developers/apps/new', form, { ...fields, submission });
    assert.equal(again.location, `${app}?done=alreadySent`);
    // A refused form keeps its key; corrected, it makes its application (another app: the same details sent again
    // would be the first one's) once.
    const second = await agent.request(url(`/developers/apps/new?org=${orgId}`));
    const key = hiddenField(second.body, 'submission');
    assert.notEqual(key, submission, 'a new form, a new key');
    const refused = await post(agent, '/developers/apps/new', second, { ...fields, submission: key, app_name: '' });
    assert.equal(refused.status, 400);
    assert.equal(hiddenField(refused.body, 'submission'), key);
    const another = { ...fields, app_name: `第二個 ${tag()}`, submission: key };
    const sent = await Promise.all([0, 1, 2].map(() => post(agent, '/developers/apps/new', refused, another)));
    const now = await db()('client_applications').where({ org_id: orgId }).pluck('id');
    assert.equal(now.length, 2, 'the second form made one more');
    assert.equal(new Set(sent.map((x) => x.location?.replace(/\?.*$/, ''))).size, 1);
  });
  async function bureauAdmin(path: string): Promise<{ agent: Agent; page: Step }> {
    const person = await personWith(server, [{ role: 'bureau_admin' }], 'bureau-race');
    const agent = new Agent();
    const page = await signInOffice(server.issuer, agent, person.email, path);
    assert.equal(page.status, 200, page.url);
    return { agent, page };
  }

  /** An application for a new organisation, submitted through the portal: its id, the developer and the fields. */
  async function application() {
    const dev = await developer();
    const created = await post(dev.agent, '/developers/organisations', dev.home, { name: `審核組 ${tag()}` });
    const orgId = /\/developers\/organisations\/([0-9a-f-]{36})$/.exec(created.location!)![1]!;
    const fields = {
      ...APPLICATION_FIELDS,
      app_name: `聯絡簿 ${tag()}`,
      redirect_uris: 'https://notes.example.edu.tw/cb',
    };
    const form = await dev.agent.request(url(`/developers/apps/new?org=${orgId}`));
    const sent = await post(dev.agent, '/developers/apps/new', form, {
      ...fields,
      org: orgId,
      submission: hiddenField(form.body, 'submission'),
    });
    const appId = /\/developers\/apps\/([0-9a-f-]{36})\?/.exec(sent.location!)![1]!;
    const edit = (changes: Record<string, string | string[]>) =>
      dev.agent.request(url(`/developers/apps/${appId}/edit`)).then((page) =>
        post(dev.agent, `/developers/apps/${appId}/edit`, page, {
          ...fields,
          version: hiddenField(page.body, 'version'),
          ...changes,
        }),
      );
    return { appId, edit };
  }

  it('the developer edits the application after the bureau opened it: approving refuses (409) and shows it as it is now', async () => {
    const { appId, edit } = await application();
    const review = `/admin/applications/${appId}`;
    const admin = await bureauAdmin(review);
    assert.ok(admin.page.body.includes('https://notes.example.edu.tw/cb'));
    const moved = await edit({
      redirect_uris: 'https://notes.example.edu.tw/other-cb',
      scopes: ['profile', 'email', 'phone'],
    });
    assert.equal(moved.status, 303);
    const approve = (page: Step) =>
      post(admin.agent, `${review}/decide`, page, { version: versionOf(page), decision: 'approve' });
    const refused = await approve(admin.page);
    assert.equal(refused.status, 409);
    assert.ok(refused.body.includes(html(zh('admin.applications.changedSince'))), 'said in words');
    assert.ok(refused.body.includes('https://notes.example.edu.tw/other-cb'), 'the application as it is now');
    const row = await db()('client_applications').where({ id: appId }).first();
    assert.deepEqual([row.status, row.client_id, row.live], ['submitted', null, null], 'nothing decided');
    assert.equal(
      (await db()('client_application_events').where({ application_id: appId, action: 'decided_approve' })).length,
      0,
    );
    // Read again and approved: the client is what the bureau read.
    const approved = await approve(refused);
    assert.equal(approved.status, 303);
    const clientId: string = (await db()('client_applications').where({ id: appId }).first()).client_id;
    const client = await server.services.clients.describe(clientId);
    assert.deepEqual(client?.redirect_uris, ['https://notes.example.edu.tw/other-cb']);

    // A change of the approved app, changed again after the bureau opened it: the app keeps its approved settings.
    assert.equal(
      (await edit({ redirect_uris: 'https://notes.example.edu.tw/third-cb' })).location,
      url(`/developers/apps/${appId}?done=review`),
    );
    const change = await admin.agent.request(url(`${review}?lang=en`));
    assert.ok(change.body.includes('https://notes.example.edu.tw/third-cb'));
    assert.equal((await edit({ redirect_uris: 'https://evil.example.com/cb' })).status, 303);
    const stale = await approve(change);
    assert.equal(stale.status, 409);
    assert.ok(stale.body.includes(html(en('admin.applications.changedSince'))), 'in English too');
    assert.ok(stale.body.includes('https://evil.example.com/cb'), 'the change as it is now');
    assert.deepEqual((await server.services.clients.describe(clientId))?.redirect_uris, [
      'https://notes.example.edu.tw/other-cb',
    ]);
    assert.equal((await db()('client_applications').where({ id: appId }).first()).status, 'submitted');
    // Asking for changes (or refusing) on a page that is out of date is refused the same way.
    const asked = await post(admin.agent, `${review}/decide`, change, {
      version: versionOf(change),
      decision: 'reject',
      note: '不行',
    });
    assert.equal(asked.status, 409);
    await admin.agent.request(url('/admin?lang=zh-TW'));
  });

  it('two administrators saving one app’s settings: the second, on the settings as loaded, writes nothing (409)', async () => {
    const { appId } = await application();
    const a = await bureauAdmin(`/admin/applications/${appId}`);
    assert.equal(
      (
        await post(a.agent, `/admin/applications/${appId}/decide`, a.page, {
          version: versionOf(a.page),
          decision: 'approve',
        })
      ).status,
      303,
    );
    const clientId: string = (await db()('client_applications').where({ id: appId }).first()).client_id;
    const settings = `/admin/clients/${clientId}/settings`;
    const pageA = await a.agent.request(url(`/admin/clients/${clientId}`));
    const b = await bureauAdmin(`/admin/clients/${clientId}`);
    const first = await post(a.agent, settings, pageA, {
      version: versionOf(pageA),
      first_party: 'yes',
    });
    assert.equal(first.status, 303);
    const second = await post(b.agent, settings, b.page, {
      version: versionOf(b.page),
      may_request_idno: 'yes',
    });
    assert.equal(second.status, 409);
    assert.ok(second.body.includes(html(zh('admin.clients.changedSince'))), 'said in words');
    assert.match(second.body, /id="first_party"[^>]*checked/, 'the settings as they are now');
    assert.doesNotMatch(second.body, /id="may_request_idno"[^>]*checked/);
    let metadata = await server.services.clients.describe(clientId);
    assert.deepEqual([metadata?.first_party, metadata?.may_request_idno === true], [true, false], "A's change is kept");
    // Made again on the form that came back: saved, with A's.
    const again = await post(b.agent, settings, second, {
      version: versionOf(second),
      first_party: 'yes',
      may_request_idno: 'yes',
    });
    assert.equal(again.status, 303);
    metadata = await server.services.clients.describe(clientId);
    assert.deepEqual([metadata?.first_party, metadata?.may_request_idno], [true, true]);
  });
});
