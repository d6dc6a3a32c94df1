// The developer portal and the bureau's review over HTTP (issue 15): a teacher forms an organisation and applies for
// an app (bad input answered field by field), the bureau asks for changes (mailed), the developer edits, the bureau
// approves with the `sis` permission, the secret is shown once, an openid-client app signs in with it and the SIS API
// answers it; a new secret with a grace period (the old one works, then not), disabling (sign-in refused), and a
// developer of another organisation who cannot see any of it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { detailsSchema } from '../../../src/domain/developers/details.ts';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { taipeiTime } from '../../../src/web/taipei-time.ts';
import { PERSON_PASSWORD, personWith } from '../../helpers/account.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { APPLICATION_FIELDS } from '../../helpers/developers.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, signIn, submitLogin } from '../../helpers/rp.ts';
import { signInOffice } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';
import { taipeiToday } from '../../helpers/taipei.ts';

const SCHOOL = `1${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const FORM = 'application/x-www-form-urlencoded';

describe(`the developer portal and the review (${storageMode})`, () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, { code: SCHOOL, name: '開發測試國中', level: 'junior' });
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;

  async function signInDeveloper(agent: Agent, email: string): Promise<Step> {
    const callback = `${base}/developers/callback`;
    const page = await agent.follow(`${base}/developers`);
    assert.match(page.url, /\/interaction\/[\w-]+$/, 'at our sign-in page');
    const back = await submitLogin(agent, page, email, PERSON_PASSWORD, {}, callback);
    assert.ok(back.location?.startsWith(callback), `back at the portal (${back.status})`);
    return agent.follow(back.location!);
  }

  const post = (agent: Agent, path: string, page: Step, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') });
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
    return agent.request(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: body.toString(),
    });
  };

  const sisLookup = (clientId: string, secret: string) =>
    fetch(`${base}/api/sis/lookup`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: '{}',
    });

  const introspect = (clientId: string, secret: string) =>
    fetch(`${base}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': FORM,
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      },
      body: 'token=nothing',
    });

  const good = { ...APPLICATION_FIELDS, app_name: '班級聯絡簿', redirect_uris: CALLBACK };

  it('apply → changes requested → edit → approve → secret once → sign-in and SIS API → rotate → disable', async () => {
    const developer = await personWith(server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'dev');
    const dev = new Agent();
    const home = await signInDeveloper(dev, developer.email);
    assert.equal(home.status, 200);
    assert.ok(home.body.includes('id="no-orgs"'));

    // An organisation, then the application form.
    const created = await post(dev, '/developers/organisations', home, { name: `資訊組 ${SCHOOL}` });
    assert.equal(created.status, 303);
    const orgId = /\/developers\/organisations\/([0-9a-f-]{36})$/.exec(created.location!)![1]!;
    const again = await post(dev, '/developers/organisations', home, { name: `資訊組 ${SCHOOL}` });
    assert.equal(again.status, 400, 'a name already taken');

    const form = await dev.request(`${base}/developers/apps/new?org=${orgId}`);
    assert.equal(form.status, 200);
    const bad = await post(dev, '/developers/apps/new', form, {
      ...good,
      org: orgId,
      app_name: '',
      redirect_uris: 'https://notes.example.edu.tw/*\nhttp://notes.example.edu.tw/cb\nhttps://a.example/cb#x',
      scopes: ['idno'],
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /id="app_name-error"/);
    const uriErrors = /id="redirect_uris-error">([\s\S]*?)<\/div>/.exec(bad.body)?.[1] ?? '';
    assert.match(uriErrors, /<li>[^<]*https:\/\/notes\.example\.edu\.tw\/\*/, 'the wildcard named');
    assert.match(uriErrors, /<li>[^<]*https:\/\/a\.example\/cb#x/, 'and the fragment, at once');
    assert.match(bad.body, /id="reason_idno-error"/, 'a reason needed for national IDs');
    assert.ok(bad.body.includes('https://notes.example.edu.tw/*'), 'what was typed is kept');
    assert.equal(await db()('client_applications').where({ org_id: orgId }).first(), undefined, 'nothing written');
    // The summary names each field and its mistake in the page's language, its punctuation included.
    const [zh, en] = [translator('zh-TW'), translator('en')];
    const summaryItem = (tr: typeof zh) =>
      `href="#app_name">${tr('labelled', { label: tr('developers.form.field.app_name'), text: tr('developers.errors.required') })}<`;
    assert.ok(bad.body.includes(summaryItem(zh)), 'the summary in Chinese');
    assert.ok(summaryItem(zh).includes('：') && summaryItem(en).includes(': '));
    const formEn = await dev.request(`${base}/developers/apps/new?org=${orgId}&lang=en`);
    const badEn = await post(dev, '/developers/apps/new', formEn, { ...good, org: orgId, app_name: '' });
    assert.equal(badEn.status, 400);
    assert.ok(badEn.body.includes(summaryItem(en)), 'the summary in English');
    assert.ok(!/[：、（]/.test(badEn.body), 'no Chinese punctuation on the English page');
    await dev.request(`${base}/developers?lang=zh-TW`);

    const sent = await post(dev, '/developers/apps/new', form, { ...good, org: orgId });
    assert.equal(sent.status, 303);
    const appId = /\/developers\/apps\/([0-9a-f-]{36})\?done=submitted$/.exec(sent.location!)![1]!;

    // The bureau asks for changes (a note is needed), which is mailed.
    const bureau = await personWith(server, [{ role: 'bureau_admin' }], 'bureau');
    const admin = new Agent();
    const queue = await signInOffice(base, admin, bureau.email, '/admin/applications');
    assert.equal(queue.status, 200, queue.url);
    assert.ok(queue.body.includes(`/admin/applications/${appId}`), 'in the queue');
    const review = await admin.request(`${base}/admin/applications/${appId}`);
    // What the app asks for, in words (the code beside a scope, as on the developer's form), and when, in Taipei time.
    const fieldsTable = /<table[^>]*id="application-fields"[\s\S]*?<\/table>/.exec(review.body)?.[0] ?? '';
    assert.ok(fieldsTable.includes(`<td class="pre">${zh('developers.kinds.web')}</td>`), 'the kind in words');
    assert.ok(
      fieldsTable.includes(`<td class="pre"><span class="muted">${zh('admin.applications.blank')}</span></td>`),
      'a field left empty (the phone number) says so',
    );
    assert.ok(fieldsTable.includes(zh('admin.applications.allRoles')), 'no roles chosen: every identity');
    assert.ok(
      fieldsTable.includes(`${zh('developers.scopes.profile')}（profile）\n${zh('developers.scopes.email')}（email）`),
    );
    const submittedAt = (await db()('client_application_events').where({ application_id: appId }).first()).at as Date;
    const inTaipei = new Intl.DateTimeFormat('zh-TW', {
      timeZone: 'Asia/Taipei',
      dateStyle: 'medium',
      timeStyle: 'short',
      hourCycle: 'h23',
    }).format(submittedAt);
    assert.ok(review.body.includes(`<td>${inTaipei}</td>`), `the history's time in Taipei time (${inTaipei})`);
    const noNote = await post(admin, `/admin/applications/${appId}/decide`, review, {
      version: hiddenField(review.body, 'version'),
      decision: 'changes',
      note: '',
      first_party: 'yes',
    });
    assert.equal(noNote.status, 400);
    // What the bureau chose and ticked comes back as it was (the choice was lost, the ticks redrawn from the record).
    assert.match(noNote.body, /id="decision-changes"[^>]*checked/);
    assert.match(noNote.body, /id="first_party"[^>]*checked/);
    assert.match(noNote.body, /id="note"[^>]*aria-invalid="true"/);
    const undecided = await post(admin, `/admin/applications/${appId}/decide`, review, {
      version: hiddenField(review.body, 'version'),
      note: '再想想',
    });
    assert.equal(undecided.status, 400);
    assert.match(undecided.body, /<textarea id="note"[^>]*>再想想<\/textarea>/);
    assert.doesNotMatch(undecided.body, /name="decision"[^>]*checked/);
    const asked = await post(admin, `/admin/applications/${appId}/decide`, review, {
      version: hiddenField(review.body, 'version'),
      decision: 'changes',
      note: '請補上隱私權政策的中文版網址。',
    });
    assert.equal(asked.status, 303);
    const mail = await db()('outbox_messages')
      .where({ kind: 'developer_decision', recipient: developer.email })
      .first();
    assert.ok(mail?.text_body.includes('請補上隱私權政策'), 'the developer is mailed the note');

    let page = await dev.request(`${base}/developers/apps/${appId}`);
    assert.match(page.body, /id="bureau-note"[\s\S]*請補上隱私權政策/);
    const edit = await dev.request(`${base}/developers/apps/${appId}/edit`);
    const edited = await post(dev, `/developers/apps/${appId}/edit`, edit, {
      ...good,
      version: hiddenField(edit.body, 'version'),
      privacy_url: 'https://notes.example.edu.tw/zh/privacy',
    });
    assert.equal(edited.status, 303);
    assert.equal(edited.location, `${base}/developers/apps/${appId}?done=resubmitted`);
    assert.equal((await db()('client_applications').where({ id: appId }).first()).status, 'submitted');

    // Sent again: the page says it waits for review, and the note it answered is labelled as the earlier one.
    const events = await db()('client_application_events').where({ application_id: appId }).orderBy('id');
    const [askedAt, resentAt] = [
      events.find((e) => e.action === 'decided_changes').at as Date,
      events.find((e) => e.action === 'resubmitted').at as Date,
    ];
    const justSent = await dev.request(edited.location!);
    assert.ok(justSent.body.includes(`id="done" role="status">${html(zh('developers.app.resubmittedDone'))}<`));
    page = await dev.request(`${base}/developers/apps/${appId}`);
    assert.ok(page.body.includes(`id="app-status">${zh('developers.status.submitted')}<`));
    const waiting = zh('developers.app.waitingAgain', { when: taipeiTime(resentAt, 'zh-TW', 'minutes') });
    assert.ok(page.body.includes(`id="review-waiting">${html(waiting)}<`), 'waiting for review, since when');
    assert.doesNotMatch(page.body, /id="bureau-note"/, 'the answered note is not shown as the current one');
    const earlier = /<div id="earlier-note">([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '';
    assert.ok(
      earlier.includes(html(zh('developers.app.earlierNote', { when: taipeiTime(askedAt, 'zh-TW', 'minutes') }))),
    );
    assert.ok(earlier.includes('請補上隱私權政策'), 'the earlier note, labelled as such');
    const pageEn = await dev.request(`${base}/developers/apps/${appId}?lang=en`);
    assert.ok(
      pageEn.body.includes(html(en('developers.app.earlierNote', { when: taipeiTime(askedAt, 'en', 'minutes') }))),
    );
    assert.ok(
      pageEn.body.includes(html(en('developers.app.waitingAgain', { when: taipeiTime(resentAt, 'en', 'minutes') }))),
    );
    await dev.request(`${base}/developers?lang=zh-TW`);

    // Approved, with the school-affairs API.
    const review2 = await admin.request(`${base}/admin/applications/${appId}`);
    assert.equal(
      (
        await post(admin, `/admin/applications/${appId}/decide`, review2, {
          version: hiddenField(review2.body, 'version'),
          decision: 'approve',
          permissions: 'sis',
        })
      ).status,
      303,
    );
    const row = await db()('client_applications').where({ id: appId }).first();
    assert.equal(row.status, 'approved');
    const clientId: string = row.client_id;

    // The secret, once.
    page = await dev.request(`${base}/developers/apps/${appId}`);
    assert.doesNotMatch(page.body, /id="(review-waiting|earlier-note|bureau-note)"/, 'approved without a note');
    assert.match(page.body, /id="reveal-form"/);
    const shown = await dev.follow(`${base}/developers/apps/${appId}/secret`, undefined, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams({ _csrf: hiddenField(page.body, '_csrf') }).toString(),
    });
    const secret = /id="client-secret">([^<]+)</.exec(shown.body)?.[1];
    assert.ok(secret, 'the secret is shown');
    const twice = await post(dev, `/developers/apps/${appId}/secret`, page, {});
    assert.doesNotMatch((await dev.request(twice.location!)).body, /id="client-secret"/, 'not a second time');

    // An openid-client app signs in with it; its ids are pairwise; the SIS API takes it.
    const config = await discover(base, clientId, secret);
    const p = await pkce();
    const callback = await signIn(new Agent(), authorizationUrl(config, p), developer.email, PERSON_PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    assert.notEqual(tokens.claims()!.sub, developer.personId, 'a third-party app sees a pairwise id');
    assert.equal(
      (await sisLookup(clientId, secret!)).status,
      400,
      'authenticated and allowed: the empty body is refused',
    );
    await server.signIns.flush(); // counted in memory, added within a second
    page = await dev.request(`${base}/developers/apps/${appId}`);
    assert.match(page.body, new RegExp(`<td>${taipeiToday()}</td><td>[1-9]\\d*</td>`), "counted on Taipei's today");
    const quick = await dev.request(`${base}/developers/apps/${appId}/quick-start`);
    assert.ok(quick.body.includes(clientId) && quick.body.includes('mod_auth_openidc'));

    // A new secret; the old one works during its grace, then not. (The form carries how many new secrets its page
    // knew of: the page is read anew each time, as a person would press the button on the page the last one showed.)
    const rotate = async () => {
      const current = await dev.request(`${base}/developers/apps/${appId}`);
      const sent = await post(dev, `/developers/apps/${appId}/rotate`, current, {
        grace: '86400',
        rotations: hiddenField(current.body, 'rotations'),
      });
      assert.equal(sent.status, 303);
      return /id="client-secret">([^<]+)</.exec((await dev.request(sent.location!)).body)?.[1];
    };
    const next = await rotate();
    assert.ok(next && next !== secret);
    assert.equal((await introspect(clientId, secret!)).status, 200, 'the old secret during its grace');
    assert.equal((await introspect(clientId, next)).status, 200);
    assert.equal((await sisLookup(clientId, secret!)).status, 400);
    const stored = (await db()('oidc_clients').where({ client_id: clientId }).first()).metadata;
    const metadata = typeof stored === 'string' ? JSON.parse(stored) : stored;
    metadata.previous_client_secrets[0].until = Math.floor(Date.now() / 1000) - 1;
    await db()('oidc_clients')
      .where({ client_id: clientId })
      .update({ metadata: JSON.stringify(metadata) });
    server.services.clients.forget(clientId);
    assert.equal((await introspect(clientId, secret!)).status, 401, 'the grace is over');
    assert.equal((await sisLookup(clientId, secret!)).status, 401);
    assert.equal((await introspect(clientId, next)).status, 200);

    // Two new secrets in a row, each with a grace: only the one just replaced still works, not the one before it.
    const second = await rotate();
    const third = await rotate();
    assert.ok(second && third && second !== third);
    assert.equal((await introspect(clientId, next)).status, 401, 'replaced two rotations ago: ended');
    assert.equal((await introspect(clientId, second)).status, 200, 'the one just replaced, in its grace');
    assert.equal((await introspect(clientId, third)).status, 200);

    // Sent without its "yes": said under the box, nothing disabled.
    const unconfirmed = await post(dev, `/developers/apps/${appId}/disable`, page, {});
    assert.equal(unconfirmed.status, 400);
    assert.match(unconfirmed.body, /<input id="disable-confirm"[^>]*aria-describedby="disable-confirm-error"/);
    assert.ok(unconfirmed.body.includes(zh('developers.app.disableConfirmRequired')));
    assert.equal((await introspect(clientId, third)).status, 200, 'still enabled');
    // Disabled: nobody signs in with it any more.
    const disabled = await post(dev, `/developers/apps/${appId}/disable`, page, { confirm: 'yes' });
    assert.equal(disabled.status, 303);
    const refused = await new Agent().follow(authorizationUrl(config, await pkce()).href, CALLBACK);
    assert.equal(refused.status, 400);
    assert.doesNotMatch(refused.body, /name="password"/);
    assert.equal((await introspect(clientId, next)).status, 401);

    // Another organisation's developer sees none of it.
    const other = await personWith(server, [{ schoolCode: SCHOOL, role: 'staff' }], 'dev2');
    const stranger = new Agent();
    await signInDeveloper(stranger, other.email);
    assert.equal((await stranger.request(`${base}/developers/apps/${appId}`)).status, 404);
    assert.equal((await stranger.request(`${base}/developers/organisations/${orgId}`)).status, 404);
    assert.equal((await stranger.request(`${base}/developers/apps/new?org=${orgId}`)).status, 404);

    // The bureau's console is not theirs.
    const notAdmin = new Agent();
    const refusedConsole = await signInOffice(base, notAdmin, other.email, '/admin');
    assert.equal(refusedConsole.status, 403);
  });

  it('a change to an approved app waits for review while the app keeps running; other changes apply at once', async () => {
    const developer = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'dev3');
    const dev = new Agent();
    const home = await signInDeveloper(dev, developer.email);
    const created = await post(dev, '/developers/organisations', home, { name: `廠商 ${crypto.randomUUID()}` });
    const orgId = created.location!.split('/').pop()!;
    const appId = await server.services.developers.applications.submit(
      orgId,
      detailsSchema({ development: true }).parse({ ...good, redirect_uris: [CALLBACK] }),
      developer.personId,
    );
    await server.services.developers.applications.decide(
      appId,
      {
        decision: 'approve',
        note: '',
        bureau: { firstParty: false, permissions: [], mayRequestIdno: false },
        version: (await server.services.developers.applications.get(appId))!.version,
      },
      'test',
    );
    const clientId = (await server.services.developers.applications.get(appId))!.clientId!;

    let edit = await dev.request(`${base}/developers/apps/${appId}/edit`);
    const renamed = await post(dev, `/developers/apps/${appId}/edit`, edit, {
      ...good,
      version: hiddenField(edit.body, 'version'),
      app_name: '新的聯絡簿',
    });
    assert.equal(renamed.location, `${base}/developers/apps/${appId}?done=applied`);
    assert.equal((await server.services.clients.describe(clientId))?.client_name, '新的聯絡簿');

    edit = await dev.request(`${base}/developers/apps/${appId}/edit`);
    const moved = await post(dev, `/developers/apps/${appId}/edit`, edit, {
      ...good,
      version: hiddenField(edit.body, 'version'),
      app_name: '新的聯絡簿',
      redirect_uris: 'http://127.0.0.1:9/other',
    });
    assert.equal(moved.location, `${base}/developers/apps/${appId}?done=review`);
    const described = await server.services.clients.describe(clientId);
    assert.deepEqual(described?.redirect_uris, [CALLBACK], 'the approved redirect stays until review');
    const page = await dev.request(`${base}/developers/apps/${appId}`);
    assert.match(page.body, /id="pending"/);

    // The bureau disables the client from its apps page: the developer sees the app disabled, and enabled again.
    const bureau = await personWith(server, [{ role: 'bureau_admin' }], 'bureau2');
    const admin = new Agent();
    const clientPage = await signInOffice(base, admin, bureau.email, `/admin/clients/${clientId}`);
    assert.equal(clientPage.status, 200, clientPage.url);
    assert.equal(clientPage.url, `${base}/admin/clients/${clientId}`, 'back where the sign-in began');
    assert.equal((await post(admin, `/admin/clients/${clientId}/disable`, clientPage, {})).status, 303);
    assert.equal((await server.services.developers.applications.get(appId))?.status, 'disabled');
    assert.equal(await server.services.clients.find(clientId), undefined, 'the provider finds no such client');
    assert.equal((await post(admin, `/admin/clients/${clientId}/enable`, clientPage, {})).status, 303);
    assert.ok(await server.services.clients.find(clientId));
  });

  it("the bureau's settings of an app are saved all or nothing; a refusal is in words and keeps what was ticked", async () => {
    const zh = translator('zh-TW');
    const clientId = `settings-${crypto.randomBytes(4).toString('hex')}`;
    await registerClient(server, { client_id: clientId }, crypto.randomBytes(24).toString('base64url'));
    const vocational = `2${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
    await upsertSchool(db(), { code: vocational, name: '開發測試高職', level: 'vocational' });
    const bureau = await personWith(server, [{ role: 'bureau_admin' }], 'bureau3');
    const admin = new Agent();
    const page = await signInOffice(base, admin, bureau.email, `/admin/clients/${clientId}`);
    assert.equal(page.status, 200, page.url);
    const metadata = () => server.services.clients.describe(clientId);
    const audits = async () =>
      Number((await db()('audit_events').where({ subject: clientId }).count({ n: '*' }))[0]!.n);
    const before = await audits();

    // National IDs and the SIS API ticked, but the roster API for a school that cannot have it (a junior high):
    // nothing is saved, not even what came before the roster in the form.
    const ticked = {
      version: hiddenField(page.body, 'version'),
      first_party: 'yes',
      may_request_idno: 'yes',
      sis: 'yes',
      roster: 'yes',
    };
    const refused = await post(admin, `/admin/clients/${clientId}/settings`, page, { ...ticked, schools: SCHOOL });
    assert.equal(refused.status, 400);
    assert.ok(refused.body.includes(zh('admin.clients.refusals.notRosterSchool', { school: SCHOOL })), 'in words');
    assert.doesNotMatch(refused.body, /cannot use roster registration/, 'not the command line’s English');
    for (const id of ['first_party', 'may_request_idno', 'sis', 'roster'])
      assert.match(refused.body, new RegExp(`id="${id}"[^>]*checked`), `${id} stays ticked`);
    assert.match(refused.body, new RegExp(`id="schools"[^>]*value="${SCHOOL}"`));
    assert.match(refused.body, /id="schools"[^>]*aria-invalid="true"/);
    const unchanged = await metadata();
    assert.equal(unchanged?.first_party, undefined);
    assert.equal(unchanged?.may_request_idno, undefined);
    assert.equal(unchanged?.permissions, undefined);
    assert.equal(await audits(), before, 'no audit entry for what was not saved');

    const unknown = await post(admin, `/admin/clients/${clientId}/settings`, page, { ...ticked, schools: '999999' });
    assert.equal(unknown.status, 400);
    assert.ok(unknown.body.includes(zh('admin.clients.refusals.unknownSchool', { school: '999999' })));

    const saved = await post(admin, `/admin/clients/${clientId}/settings`, page, { ...ticked, schools: vocational });
    assert.equal(saved.status, 303);
    const after = await metadata();
    assert.equal(after?.first_party, true);
    assert.equal(after?.may_request_idno, true);
    assert.deepEqual(after?.permissions, ['sis', 'roster']);
    assert.deepEqual(after?.school_codes, [vocational]);
    assert.equal(await audits(), before + 3, 'the change and the two permissions, each audited');
  });

  it("the developer portal is listed among the account's apps by its name in the page's language", async () => {
    const developer = await personWith(server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'dev6');
    const dev = new Agent();
    await signInDeveloper(dev, developer.email);
    const zhPage = await dev.follow(`${base}/account/apps`); // signed in to the account pages without a password
    assert.equal(zhPage.status, 200, zhPage.url);
    assert.match(zhPage.body, /<strong class="acct-app-name">開發者專區<\/strong>/);
    assert.doesNotMatch(zhPage.body, /campus-sso/, 'no publisher: it is this service');
    const enPage = await dev.request(`${base}/account/apps`, { headers: { 'accept-language': 'en' } });
    assert.match(enPage.body, /<strong class="acct-app-name">Developer portal<\/strong>/);
    assert.doesNotMatch(enPage.body, /開發者專區/);
  });

  it('an organisation token registers third-party pairwise clients that are listed as its own', async () => {
    const developer = await personWith(server, [{ schoolCode: SCHOOL, role: 'teacher' }], 'dev4');
    const member = await personWith(server, [{ schoolCode: SCHOOL, role: 'staff' }], 'dev5');
    const dev = new Agent();
    const home = await signInDeveloper(dev, developer.email);
    const created = await post(dev, '/developers/organisations', home, { name: `自動 ${crypto.randomUUID()}` });
    const orgPath = new URL(created.location!).pathname;
    let org = await dev.request(`${base}${orgPath}`);
    assert.equal(org.status, 200, `${created.status} ${orgPath} ${org.body.slice(0, 300)}`);
    const added = await post(dev, `${orgPath}/members`, org, { login: member.email });
    assert.equal(added.status, 303);
    const unknown = await post(dev, `${orgPath}/members`, org, { login: 'nobody@example.org' });
    assert.equal(unknown.status, 400);
    org = await dev.request(`${base}${orgPath}`);
    assert.ok(org.body.includes(member.email) || org.body.includes('陳老師'));
    const tokenSent = await post(dev, `${orgPath}/token`, org, {});
    assert.equal(tokenSent.status, 303, 'the token is shown by the page the post redirects to');
    const tokenPage = await dev.request(tokenSent.location!);
    const token = /id="registration-token">([^<]+)</.exec(tokenPage.body)?.[1];
    assert.ok(token);
    const registered = await fetch(`${base}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ redirect_uris: [CALLBACK], client_name: '自動註冊', first_party: true }),
    });
    const body = (await registered.json()) as Record<string, unknown>;
    assert.equal(registered.status, 201, JSON.stringify(body));
    assert.equal(body.subject_type, 'pairwise');
    assert.notEqual(body.first_party, true);
    org = await dev.request(`${base}${orgPath}`);
    assert.ok(org.body.includes(String(body.client_id)), 'listed on the organisation page');

    // A token that got out: the owner stops every token; they register nothing more, the clients stay.
    const zh = translator('zh-TW');
    assert.ok(org.body.includes(zh('developers.org.liveTokens', { count: 1 })), 'the page counts the live token');
    const ended = await post(dev, `${orgPath}/tokens/end`, org, {});
    assert.equal(ended.status, 303);
    org = await dev.request(ended.location!);
    assert.ok(org.body.includes(zh('developers.org.tokensEnded', { count: 1 })), org.body.slice(0, 200));
    assert.ok(!org.body.includes('id="end-tokens-form"'), 'nothing left to stop');
    assert.ok(org.body.includes(String(body.client_id)), 'the registered client stays');
    const again = await fetch(`${base}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ redirect_uris: [CALLBACK], client_name: '再註冊' }),
    });
    assert.equal(again.status, 400);
    assert.match(((await again.json()) as { error_description: string }).error_description, /not valid any more/);
    const audit = await db()('audit_events').where({ action: 'developer.registration_tokens_ended' }).first();
    assert.ok(audit, 'audited');
    // Only an owner may stop them: a member's try is refused.
    const memberAgent = new Agent();
    const memberHome = await signInDeveloper(memberAgent, member.email);
    const refused = await post(memberAgent, `${orgPath}/tokens/end`, memberHome, {});
    assert.equal(refused.status, 403);
  });
});
