// The developer portal's forms met again as a browser meets them (a browser walk's findings): reloading the page a
// post answered (a browser sends the post again when the post answered with the page itself, and reads the page
// again when it answered with a redirect), Back and send, two tabs of one form. A new secret is made once and shown
// once (the secret in use keeps its grace); the first secret and an organisation's token likewise; a save from an
// older edit form does not undo a change saved from another tab (409, what was typed and what is saved now); Back
// and send of a new application leads to the application it made; and every bad or repeated redirect address is
// named at once.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { detailsSchema } from '../../../src/domain/developers/details.ts';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { APPLICATION_FIELDS } from '../../helpers/developers.ts';
import { submitLogin } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const en = translator('en');
const SCHOOL = `1${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const FORM = 'application/x-www-form-urlencoded';
const tag = () => crypto.randomBytes(4).toString('hex');
const secretIn = (page: Step) => /id="client-secret">([^<]+)</.exec(page.body)?.[1];
/** A hidden field's value, or none (a page from before the field). */
const fieldOf = (page: Step, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.body)?.[1];

describe(`the developer portal's pages reloaded, sent again and opened twice (${storageMode})`, () => {
  let server: TestServer;
  const db = () => server.storage.db;
  const url = (path: string) => `${server.issuer}${path}`;

  before(async () => {
    server = await startTestServer();
    await upsertSchool(server.storage.db, { code: SCHOOL, name: '重送測試國中', level: 'junior' });
  });
  after(async () => {
    await server?.close();
  });

  async function developer(): Promise<{ agent: Agent; home: Step; personId: string; orgId: string }> {
    const person = await personWith(server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'dev-resend');
    const agent = new Agent();
    const callback = url('/developers/callback');
    const page = await agent.follow(url('/developers'));
    const back = await submitLogin(agent, page, person.email, PERSON_PASSWORD, {}, callback);
    assert.ok(back.location?.startsWith(callback), `back at the portal (${back.status})`);
    const home = await agent.follow(back.location!);
    assert.equal(home.status, 200);
    const created = await post(agent, '/developers/organisations', home, { name: `重送組 ${tag()}` });
    const orgId = /\/developers\/organisations\/([0-9a-f-]{36})$/.exec(created.location!)![1]!;
    return { agent, home, personId: person.personId, orgId };
  }

  function post(agent: Agent, path: string, page: Step, fields: Record<string, string | string[]>) {
    const body = new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') });
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
    return agent.request(url(path), { method: 'POST', headers: { 'content-type': FORM }, body: body.toString() });
  }

  /**
   * A form sent as a browser sends it, and the page it ends on reloaded as a browser reloads it: a redirect's page is
   * read again; a page given as the post's own answer is asked for by sending the post again.
   */
  async function sendAndReload(agent: Agent, path: string, page: Step, fields: Record<string, string | string[]>) {
    const answer = await post(agent, path, page, fields);
    const shown = answer.location ? await agent.request(answer.location) : answer;
    const reloaded = answer.location ? await agent.request(answer.location) : await post(agent, path, page, fields);
    return { answer, shown, reloaded };
  }

  /** An approved web app of the developer's organisation (through the domain: the review is not what is tested). */
  async function approvedApp(dev: { personId: string; orgId: string }, redirect = 'https://notes.example.edu.tw/cb') {
    const apps = server.services.developers.applications;
    const id = await apps.submit(
      dev.orgId,
      detailsSchema({ development: true }).parse({
        ...APPLICATION_FIELDS,
        app_name: `聯絡簿 ${tag()}`,
        redirect_uris: [redirect],
      }),
      dev.personId,
    );
    const bureau = { firstParty: false, permissions: [], mayRequestIdno: false };
    await apps.decide(id, { decision: 'approve', note: '', bureau, version: (await apps.get(id))!.version }, 'test');
    return { id, clientId: (await apps.get(id))!.clientId! };
  }

  const introspect = (clientId: string, secret: string) =>
    fetch(url('/token/introspection'), {
      method: 'POST',
      headers: {
        'content-type': FORM,
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: 'token=nothing',
    }).then((r) => r.status);

  const rotationsOf = async (id: string) =>
    (await db()('client_application_events').where({ application_id: id, action: 'secret_rotated' })).length;

  it('a new secret, its page reloaded: made once, shown once; the secret in use keeps its grace', async () => {
    const dev = await developer();
    const app = await approvedApp(dev);
    const appPath = `/developers/apps/${app.id}`;
    const inUse = (await server.services.developers.applications.revealSecret(app.id, dev.personId))!;
    assert.equal(await introspect(app.clientId, inUse), 200);

    // A new secret with a day's grace, its page reloaded: one new secret, shown once; the one in use still works.
    const page = await dev.agent.request(url(appPath));
    const rotated = await sendAndReload(dev.agent, `${appPath}/rotate`, page, {
      grace: '86400',
      rotations: fieldOf(page, 'rotations') ?? '',
    });
    assert.equal(await rotationsOf(app.id), 1, 'reloaded: not made again');
    assert.equal(await introspect(app.clientId, inUse), 200, 'the secret in use works during its grace');
    const next = secretIn(rotated.shown);
    assert.ok(next && next !== inUse, 'the new secret is shown');
    assert.equal(await introspect(app.clientId, next), 200);
    assert.equal(secretIn(rotated.reloaded), undefined, 'reloaded: not shown again');
    assert.ok(rotated.reloaded.body.includes(html(zh('developers.app.secretShownOnce'))), 'said plainly');
    assert.equal(rotated.answer.status, 303, 'the post answers with a redirect');
    assert.ok(rotated.shown.body.includes(html(zh('developers.app.rotated'))));
    assert.match(rotated.shown.body, /id="rotate-form"/, 'a new secret can still be asked for on that page');

    // The rotation form of the page from before (another tab, Back) sent again: nothing changes, and the page says so.
    const stale = await post(dev.agent, `${appPath}/rotate`, page, {
      grace: '86400',
      rotations: fieldOf(page, 'rotations') ?? '',
    });
    assert.equal(await rotationsOf(app.id), 1);
    assert.equal(await introspect(app.clientId, inUse), 200, 'still in its grace');
    assert.equal(await introspect(app.clientId, next), 200);
    assert.equal(stale.status, 409);
    assert.ok(stale.body.includes(html(zh('developers.app.secretChangedSince'))), 'said in words');
    assert.equal(secretIn(stale), undefined);
    // From the page as it is now, a new secret is made (the one it replaces keeps the grace).
    const again = await post(dev.agent, `${appPath}/rotate`, stale, {
      grace: '3600',
      rotations: fieldOf(stale, 'rotations') ?? '',
    });
    assert.equal(again.status, 303);
    const third = secretIn(await dev.agent.request(again.location!));
    assert.ok(third && third !== next);
    assert.equal(await introspect(app.clientId, next), 200);
    assert.equal(await rotationsOf(app.id), 2);

    // The address of a secret shown already, opened again (history, Back) — also in English: nothing shown, said why.
    const later = await dev.agent.follow(`${again.location!}&lang=en`);
    assert.equal(secretIn(later), undefined);
    assert.ok(later.body.includes(html(en('developers.app.secretShownOnce'))));
    await dev.agent.request(url('/developers?lang=zh-TW'));
  });

  it('the first secret, its page reloaded: shown once, and the page says so plainly', async () => {
    const dev = await developer();
    const app = await approvedApp(dev);
    const appPath = `/developers/apps/${app.id}`;
    const page = await dev.agent.request(url(appPath));
    const first = await sendAndReload(dev.agent, `${appPath}/secret`, page, {});
    const inUse = secretIn(first.shown);
    assert.ok(inUse, 'the secret is shown');
    assert.equal(await introspect(app.clientId, inUse), 200);
    assert.equal(secretIn(first.reloaded), undefined, 'not shown a second time');
    assert.ok(first.reloaded.body.includes(html(zh('developers.app.secretShownOnce'))), 'said plainly');
    assert.equal(first.answer.status, 303, 'the post answers with a redirect');
    assert.ok(first.answer.location?.startsWith(url(`${appPath}?`)));
  });

  it("an organisation's registration token reloaded: made once, shown once", async () => {
    const dev = await developer();
    const orgPath = `/developers/organisations/${dev.orgId}`;
    const page = await dev.agent.request(url(orgPath));
    const sent = await sendAndReload(dev.agent, `${orgPath}/token`, page, {});
    assert.equal((await db()('dev_org_tokens').where({ org_id: dev.orgId })).length, 1, 'reloaded: not made again');
    const token = /id="registration-token">([^<]+)</.exec(sent.shown.body)?.[1];
    assert.ok(token, 'the token is shown');
    assert.doesNotMatch(sent.reloaded.body, /id="registration-token"/, 'not shown again');
    assert.ok(sent.reloaded.body.includes(html(zh('developers.org.tokenShownOnce'))));
    assert.equal(sent.answer.status, 303);
  });

  it('an edit form from before another tab saved: refused (409) with what was typed and what is saved now', async () => {
    const dev = await developer();
    const app = await approvedApp(dev);
    const editPath = `/developers/apps/${app.id}/edit`;
    const current = await server.services.developers.applications.get(app.id);
    const fields = {
      ...APPLICATION_FIELDS,
      app_name: current!.details.app_name,
      redirect_uris: 'https://notes.example.edu.tw/cb',
    };
    const withVersion = (page: Step, changes: Record<string, string | string[]>) => ({
      ...fields,
      ...changes,
      ...(fieldOf(page, 'version') === undefined ? {} : { version: fieldOf(page, 'version')! }),
    });
    const [tabA, tabB] = [await dev.agent.request(url(editPath)), await dev.agent.request(url(editPath))];

    // Tab A adds a redirect address: a change that waits for review.
    const added = 'https://notes.example.edu.tw/cb\nhttps://notes.example.edu.tw/second-cb';
    const saved = await post(dev.agent, editPath, tabA, withVersion(tabA, { redirect_uris: added }));
    assert.equal(saved.location, url(`/developers/apps/${app.id}?done=review`));

    // Tab B, drawn before, changes only the name: nothing is saved; what was typed and what is saved now are shown.
    const refused = await post(dev.agent, editPath, tabB, withVersion(tabB, { app_name: '改名的聯絡簿' }));
    assert.equal(refused.status, 409);
    assert.ok(refused.body.includes(html(zh('developers.form.stale'))), 'said in words');
    assert.match(refused.body, /id="app_name"[^>]*value="改名的聯絡簿"/, 'the name typed is kept');
    const now = /id="redirect_uris-now"[\s\S]*?<\/div>/.exec(refused.body)?.[0] ?? '';
    assert.ok(now.includes('https://notes.example.edu.tw/second-cb'), 'the address saved from tab A is shown');
    assert.ok(/id="app_name-now"[\s\S]*?<\/div>/.exec(refused.body)?.[0].includes(fields.app_name));
    let row = await server.services.developers.applications.get(app.id);
    assert.deepEqual(row?.details.redirect_uris, added.split('\n'), "tab A's change is kept");
    assert.equal(row?.details.app_name, fields.app_name, 'the name is not changed');
    assert.equal(row?.status, 'submitted', 'the change still waits for review');

    // Sent again from the page that came back (both changes now in it): saved.
    const merged = await post(
      dev.agent,
      editPath,
      refused,
      withVersion(refused, { app_name: '改名的聯絡簿', redirect_uris: added }),
    );
    assert.equal(merged.status, 303);
    row = await server.services.developers.applications.get(app.id);
    assert.deepEqual([row?.details.app_name, row?.details.redirect_uris], ['改名的聯絡簿', added.split('\n')]);

    // An older form that says just what is saved now undoes nothing: no refusal, nothing changed.
    const same = await post(dev.agent, editPath, tabB, { ...fields, app_name: '改名的聯絡簿', redirect_uris: added });
    assert.equal(same.location, url(`/developers/apps/${app.id}?done=unchanged`));

    // In English too; and a form without the version (a page from before it) is taken as older.
    const tabC = await dev.agent.request(url(`${editPath}?lang=en`));
    const changes = { app_name: '改名的聯絡簿', redirect_uris: added };
    assert.equal(
      (await post(dev.agent, editPath, tabC, withVersion(tabC, { ...changes, contact_phone: '02-1' }))).status,
      303,
    );
    const refusedEn = await post(dev.agent, editPath, tabC, withVersion(tabC, { ...changes, contact_phone: '02-2' }));
    assert.equal(refusedEn.status, 409);
    assert.ok(refusedEn.body.includes(html(en('developers.form.stale'))));
    const unversioned = await post(dev.agent, editPath, tabC, { ...fields, ...changes, contact_phone: '02-3' });
    assert.equal(unversioned.status, 409);
    assert.equal((await server.services.developers.applications.get(app.id))?.details.contact_phone, '02-1');
    await dev.agent.request(url('/developers?lang=zh-TW'));
  });

  it('Back and send of a new application, or a form without its key sent twice: one application, said so', async () => {
    const dev = await developer();
    const newPath = `/developers/apps/new?org=${dev.orgId}`;
    const fields = {
      ...APPLICATION_FIELDS,
      org: dev.orgId,
      app_name: `聯絡簿 ${tag()}`,
      redirect_uris: 'https://notes.example.edu.tw/cb',
    };
    const form = await dev.agent.request(url(newPath));
    const sent = await post(dev.agent, '/developers/apps/new', form, {
      ...fields,
      submission: hiddenField(form.body, 'submission'),
    });
    assert.equal(sent.status, 303);
    const appId = /\/developers\/apps\/([0-9a-f-]{36})\?done=submitted$/.exec(sent.location!)![1]!;

    // Back: the browser draws the form anew (a new key) and puts back what was typed; sent again.
    const drawnAgain = await dev.agent.request(url(newPath));
    assert.notEqual(hiddenField(drawnAgain.body, 'submission'), hiddenField(form.body, 'submission'));
    const resent = await post(dev.agent, '/developers/apps/new', drawnAgain, {
      ...fields,
      submission: hiddenField(drawnAgain.body, 'submission'),
    });
    assert.equal(resent.status, 303);
    assert.equal(resent.location, url(`/developers/apps/${appId}?done=alreadySent`), 'to the application it made');
    const notice = await dev.agent.request(resent.location!);
    assert.ok(notice.body.includes(html(zh('developers.app.alreadySentDone'))), 'said in words');
    assert.equal((await db()('client_applications').where({ org_id: dev.orgId })).length, 1, 'one application');

    // A form without its key (a page from before it), sent twice in a moment: one application.
    const other = { ...fields, app_name: `通知 ${tag()}` };
    const twice = await Promise.all([0, 1].map(() => post(dev.agent, '/developers/apps/new', form, other)));
    assert.equal((await db()('client_applications').where({ org_id: dev.orgId })).length, 2, 'one more, not two');
    assert.equal(new Set(twice.map((a) => a.location?.replace(/\?.*$/, ''))).size, 1, 'both to the same');

    // A different application from a new form is made, of course.
    const third = await dev.agent.request(url(newPath));
    const made = await post(dev.agent, '/developers/apps/new', third, {
      ...fields,
      app_name: `第三個 ${tag()}`,
      submission: hiddenField(third.body, 'submission'),
    });
    assert.match(made.location ?? '', /\?done=submitted$/);
    assert.equal((await db()('client_applications').where({ org_id: dev.orgId })).length, 3);
  });

  it('every bad or repeated redirect address is named, each with its line, all at once', async () => {
    const dev = await developer();
    const form = await dev.agent.request(url(`/developers/apps/new?org=${dev.orgId}`));
    const typed = [
      'http://example.com/cb',
      'https://*.example.com/cb',
      '',
      'https://user:pw@x.example/cb',
      'https://x.example/cb#frag',
      '/relative',
      'https://x.example/cb',
      'https://x.example/cb',
    ];
    const answer = await post(dev.agent, '/developers/apps/new', form, {
      ...APPLICATION_FIELDS,
      org: dev.orgId,
      app_name: '網址測試',
      redirect_uris: typed.join('\n'),
      post_logout_redirect_uris: 'https://x.example/bye\nhttps://x.example/bye',
    });
    assert.equal(answer.status, 400);
    const under = /id="redirect_uris-error">([\s\S]*?)<\/div>/.exec(answer.body)?.[1] ?? '';
    const line = (n: number, problem: string) =>
      html(zh('developers.errors.line', { line: n, value: typed[n - 1], problem: zh(`developers.errors.${problem}`) }));
    for (const [n, problem] of [
      [1, 'notHttps'],
      [2, 'wildcard'],
      [4, 'credentials'],
      [5, 'fragment'],
      [6, 'notUrl'],
    ] as const)
      assert.ok(under.includes(line(n, problem)), `line ${n}: ${problem}`);
    const repeated = html(
      zh('developers.errors.line', {
        line: 8,
        value: 'https://x.example/cb',
        problem: zh('developers.errors.duplicate', { line: 7 }),
      }),
    );
    assert.ok(under.includes(repeated), 'the repeated line is refused, pointing at the first');
    assert.doesNotMatch(under, /第 7 行「/, 'the good line is not named');
    assert.ok(
      /id="post_logout_redirect_uris-error">[^<]*</
        .exec(answer.body)?.[0]
        .includes(html(zh('developers.errors.duplicate', { line: 1 }))),
      'the sign-out addresses too',
    );
    assert.ok(answer.body.includes('https://user:pw@x.example/cb'), 'what was typed is kept');
    assert.equal((await db()('client_applications').where({ org_id: dev.orgId })).length, 0);
  });
});
