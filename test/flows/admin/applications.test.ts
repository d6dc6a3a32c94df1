// The bureau console's review of applications (issue 15, item 5) over HTTP, where two pages meet: a decision sent
// from a page opened before the application was decided (another tab, another administrator) saves nothing and says
// so — 409, who decided it and when, the note that was typed shown again, a way on — instead of a 400 page without a
// word; the same decision sent twice (a double click) is the one already saved.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { storedDetails } from '../../../src/domain/developers/details.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { taipeiTime } from '../../../src/web/taipei-time.ts';
import { personWith } from '../../helpers/account.ts';
import { postAdmin, signInAdmin, startConsole } from '../../helpers/admin.ts';
import { Agent, hiddenField, html, type Step } from '../../helpers/agent.ts';
import { APPLICATION_FIELDS } from '../../helpers/developers.ts';
import { storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');

describe(`the bureau console's review, decided meanwhile (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let agent: Agent;

  before(async () => {
    ({ server, base, agent } = await startConsole('/admin/applications'));
  });
  after(async () => {
    await server?.close();
  });

  /** An application of an organisation of its own, waiting for review; its id. */
  async function waiting(): Promise<{ id: string; name: string }> {
    const tag = crypto.randomBytes(4).toString('hex');
    const developer = await personWith(server, [{ role: 'teacher' }], 'dev');
    const org = await server.services.developers.organisations.create(`審核測試 ${tag}`, developer.personId);
    const name = `班級通知 ${tag}`;
    const details = storedDetails({
      ...APPLICATION_FIELDS,
      app_name: name,
      redirect_uris: [`https://notes-${tag}.example.edu.tw/callback`],
    });
    assert.ok(details, 'the details are an application');
    // Written as the portal's submission writes it (the portal's own steps are its tests').
    const id = crypto.randomUUID();
    await server.storage.db('client_applications').insert({
      id,
      org_id: org,
      status: 'submitted',
      details: JSON.stringify(details),
      submitted_by: developer.personId,
    });
    return { id, name };
  }

  const review = (a: Agent, id: string): Promise<Step> => a.request(`${base}/admin/applications/${id}`);
  const decide = (a: Agent, id: string, page: Step, fields: Record<string, string>) =>
    postAdmin(a, base, `/admin/applications/${id}/decide`, page, {
      version: hiddenField(page.body, 'version'),
      ...fields,
    });

  it('refuses a decision from a page opened before another administrator approved: 409, who and when, the note kept', async () => {
    const app = await waiting();
    // Another bureau administrator, with a name of their own.
    const other = await personWith(server, [{ role: 'bureau_admin' }], 'bureau');
    await server.storage.db('persons').where({ id: other.personId }).update({ name: '王科員' });
    const theirs = new Agent();
    assert.equal((await signInAdmin(base, theirs, other.email, `/admin/applications/${app.id}`)).status, 200);

    const mine = await review(agent, app.id); // my tab, opened first
    const approved = await decide(theirs, app.id, await review(theirs, app.id), { decision: 'approve' });
    assert.equal(approved.status, 303);

    const note = '隱私權政策沒有說明資料保存多久，\n請補上後再送出。';
    const late = await decide(agent, app.id, mine, { decision: 'reject', note });
    assert.equal(late.status, 409, 'a conflict, not a bad request');
    const row = await server.storage.db('client_applications').where({ id: app.id }).first('status');
    assert.equal(row.status, 'approved', 'nothing decided by the late page');
    const at = (await server.services.developers.applications.events(app.id)).findLast(
      (e) => e.action === 'decided_approve',
    )!.at;
    const said = zh('admin.applications.alreadyDecided.approve', {
      who: '王科員',
      time: taipeiTime(at, 'zh-TW', 'minutes'),
    });
    assert.match(late.body, /id="decide-conflict" role="alert"/, 'an alert, said at once');
    assert.ok(late.body.includes(html(said)), `what happened, by whom and when: ${said}`);
    assert.match(late.body, /<textarea id="conflict-note" readonly[^>]*>([^<]*)<\/textarea>/);
    assert.ok(late.body.includes(`>${html(note)}</textarea>`), 'the note typed, not lost');
    assert.match(late.body, /<a id="conflict-queue" href="\/admin\/applications">/, 'the way on');
    assert.doesNotMatch(late.body, /id="decide-form"/, 'no form to decide again');
    // Nothing mailed for the late page, nor a second decision in the history.
    const decisions = (await server.services.developers.applications.events(app.id)).filter((e) =>
      e.action.startsWith('decided_'),
    );
    assert.equal(decisions.length, 1);
  });

  it('says it was decided by this administrator in another tab, and in English too', async () => {
    const app = await waiting();
    const first = await review(agent, app.id);
    const second = await review(agent, app.id);
    const changes = await decide(agent, app.id, first, { decision: 'changes', note: '請補上隱私權政策。' });
    assert.equal(changes.status, 303);
    const at = (await server.services.developers.applications.events(app.id)).at(-1)!.at;
    const late = await decide(agent, app.id, second, { decision: 'approve' });
    assert.equal(late.status, 409);
    const time = taipeiTime(at, 'zh-TW', 'minutes');
    assert.ok(late.body.includes(html(zh('admin.applications.alreadyDecided.changes', { who: '您', time }))));
    assert.doesNotMatch(late.body, /id="conflict-note"/, 'no note typed, none shown');
    const en = translator('en');
    await agent.request(`${base}/admin/applications?lang=en`);
    const english = await decide(agent, app.id, second, { decision: 'reject', note: 'Not needed.' });
    assert.equal(english.status, 409);
    const said = en('admin.applications.alreadyDecided.changes', { who: 'you', time: taipeiTime(at, 'en', 'minutes') });
    assert.ok(english.body.includes(html(said)), said);
    assert.ok(english.body.includes('>Not needed.</textarea>'));
    await agent.request(`${base}/admin/applications?lang=zh-TW`);
  });

  it('takes the same decision sent twice (a double click) as the one saved', async () => {
    const app = await waiting();
    const page = await review(agent, app.id);
    const first = await decide(agent, app.id, page, { decision: 'approve' });
    assert.equal(first.status, 303);
    const again = await decide(agent, app.id, page, { decision: 'approve' });
    assert.equal(again.status, 303);
    assert.equal(again.location, `${base}/admin/applications/${app.id}?decided=1`);
    // The same page with other settings ticked is not the decision saved: said so.
    const other = await decide(agent, app.id, page, { decision: 'approve', first_party: 'yes' });
    assert.equal(other.status, 409);
  });
});
