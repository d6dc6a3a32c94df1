// The bureau console's people (issue 15, item 7) over HTTP: the search by name, email, mobile number and national ID
// with masked results; a person's page (identities, links, sign-ins) whose every reading is audited; the audited
// reveal of the national ID with a reason; lock (no sign-in, sessions ended) and unlock; the password-reset mail; the
// developer portal allowed and stopped; someone without bureau_admin refused, an anonymous visitor sent to sign in.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sealNationalId } from '../../../src/domain/people/national-id-store.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { PERSON_PASSWORD, personWith, signedInAgent, signInToAccount } from '../../helpers/account.ts';
import { type Console, postAdmin, signInAdmin, startConsole } from '../../helpers/admin.ts';
import { Agent, html, type Step } from '../../helpers/agent.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { storageMode, type TestServer } from '../../helpers/server.ts';
import { addUpstream } from '../../helpers/upstream.ts';

const zh = translator('zh-TW');

/**
 * The names of a page's regions (a `section` or `role="region"` named by aria-label or aria-labelledby), in order:
 * axe's landmark-unique asks that no two be named alike.
 */
function regionNames(body: string): string[] {
  const text = (id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(body)?.[1] ?? id;
  const names: string[] = [];
  for (const [, tag, attrs = ''] of body.matchAll(/<(section|div)\b([^>]*)>/g)) {
    if (tag !== 'section' && !attrs.includes('role="region"')) continue;
    const label = /aria-label="([^"]*)"/.exec(attrs)?.[1];
    const by = /aria-labelledby="([^"]*)"/.exec(attrs)?.[1];
    const name = label ?? (by ? text(by) : undefined);
    if (name) names.push(name);
  }
  return names;
}
const SCHOOL = `2${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;

describe(`the bureau console's people (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  let admin: Console['admin'];
  let agent: Agent;

  before(async () => {
    ({ server, base, admin, agent } = await startConsole('/admin'));
    await server.storage.db('schools').insert({ code: SCHOOL, name: '人員測試國小', level: 'elementary' });
  });
  after(async () => {
    await server?.close();
  });

  const db = () => server.storage.db;

  /** A person of this test's own: a verified email and mobile number, a national ID, a teacher identity. */
  async function someone() {
    const tag = crypto.randomBytes(4).toString('hex');
    const nationalId = randomNationalId();
    const email = `person-${tag}@example.org`;
    const mobile = `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const name = `林${tag}`;
    const personId = await server.services.enrolment.createActive({
      person: {
        email,
        emailVerified: true,
        mobile,
        name,
        passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
        nationalId: sealNationalId(server.storage.keyring, nationalId),
      },
      audit: { action: 'person.created' },
      identities: [{ role: 'teacher', schoolCode: SCHOOL, source: 'self' }],
    });
    return { personId, email, mobile, name, nationalId };
  }

  const page = (path: string): Promise<Step> => agent.request(`${base}${path}`);

  /** The search form sent: answered with a redirect to its results (nothing typed in the address), followed. */
  async function search(form: Step, q: string, who = agent): Promise<Step> {
    const sent = await postAdmin(who, base, '/admin/people', form, { q });
    assert.equal(sent.status, 303, q);
    assert.match(sent.location!, /^.*\/admin\/people\?search=[\w-]{43}$/);
    return who.request(sent.location!);
  }

  it('finds people by name, email, mobile number and national ID, masked, and audits the search', async () => {
    const p = await someone();
    const masked = `${p.nationalId.slice(0, 3)}****${p.nationalId.slice(-3)}`;
    const form = await page('/admin/people');
    assert.equal(form.status, 200);
    for (const q of [p.name, p.email, p.mobile, p.nationalId.toLowerCase()]) {
      const found = await search(form, q);
      assert.equal(found.status, 200, q);
      assert.match(found.body, new RegExp(`data-person="${p.personId}"`), `found by ${q}`);
      const table = found.body.slice(found.body.indexOf('id="people-table"'));
      assert.ok(table.includes(masked), 'the national ID masked');
      assert.ok(!table.includes(p.nationalId), 'never the whole national ID');
      assert.ok(!table.includes(p.email) && !table.includes(p.mobile), 'contacts masked');
    }
    const none = await search(form, `nobody-${crypto.randomBytes(4).toString('hex')}`);
    assert.ok(none.body.includes('id="people-none"'));
    const searches = await db()('audit_events').where({ actor: admin.personId, action: 'admin.people_searched' });
    assert.ok(searches.length >= 5);
    assert.ok(
      searches.every((e) => !JSON.stringify(e.detail).includes(p.nationalId)),
      'the audit entry never holds the ID',
    );
    assert.ok(searches.some((e) => e.detail.kind === 'national_id'));
  });

  it('answers the search with its results at an address of their own: reload shows them again, for this administrator only', async () => {
    const p = await someone();
    const form = await page('/admin/people');
    const found = await search(form, p.nationalId);
    assert.match(found.body, new RegExp(`data-person="${p.personId}"`));
    assert.ok(!found.url.includes(p.nationalId.slice(1)), 'nothing typed in the address');
    const reloaded = await agent.request(found.url);
    assert.equal(reloaded.status, 200);
    assert.match(reloaded.body, new RegExp(`data-person="${p.personId}"`), 'the same results again');
    assert.match(reloaded.body, new RegExp(`id="q"[^>]*value="${p.nationalId}"`), 'what was searched, in its box');
    // Another administrator given the address: the empty form, and why.
    const second = await personWith(server, [{ role: 'bureau_admin' }], 'bureau');
    const other = new Agent();
    assert.equal((await signInAdmin(base, other, second.email, '/admin/people')).status, 200);
    const elsewhere = await other.request(found.url);
    assert.equal(elsewhere.status, 200);
    assert.doesNotMatch(elsewhere.body, new RegExp(`data-person="${p.personId}"`));
    assert.ok(elsewhere.body.includes('id="people-expired"'));
    const unknown = await agent.request(`${base}/admin/people?search=${'x'.repeat(43)}`);
    assert.ok(unknown.body.includes(html(zh('admin.people.expired'))));
    // An empty search is the empty form.
    const empty = await postAdmin(agent, base, '/admin/people', form, { q: '  ' });
    assert.equal(empty.status, 303);
    assert.equal(empty.location, `${base}/admin/people`);
  });

  it("shows a person's identities, and every look is audited; unknown people are not found", async () => {
    const p = await someone();
    const before = await db()('audit_events').where({ subject: p.personId, action: 'admin.person_viewed' });
    const view = await page(`/admin/people/${p.personId}`);
    assert.equal(view.status, 200);
    assert.ok(view.body.includes(html(p.name)));
    assert.match(view.body, new RegExp(`data-role="teacher" data-school="${SCHOOL}"`));
    assert.match(view.body, /<td>自己申請<\/td>/, "where the identity came from, in words (not 'self')");
    assert.ok(view.body.includes('id="masked-id"'));
    assert.ok(!view.body.includes(p.nationalId));
    const regions = regionNames(view.body);
    assert.ok(regions.includes(zh('admin.people.identities.title')), 'the identities, a region of their own');
    assert.deepEqual(regions, [...new Set(regions)], 'no two regions named alike');
    const afterView = await db()('audit_events').where({
      subject: p.personId,
      action: 'admin.person_viewed',
      actor: admin.personId,
    });
    assert.equal(afterView.length, before.length + 1);
    // Their sign-ins name the app, our own pages in the page's language.
    await signedInAgent(base, p.email, PERSON_PASSWORD);
    assert.match((await page(`/admin/people/${p.personId}`)).body, /<td>帳號管理<\/td>/);
    assert.match((await page(`/admin/people/${p.personId}?lang=en`)).body, /<td>My account<\/td>/);
    await page(`/admin/people/${p.personId}?lang=zh-TW`); // `lang=` is remembered: back to Chinese for what follows
    // A linked account is named by its upstream's name, as the person's own account pages name it.
    const upstream = `up${crypto.randomBytes(3).toString('hex')}`;
    await addUpstream(server.services.upstreams, {
      id: upstream,
      name: '測試登入服務',
      kind: 'oidc',
      issuer: 'http://127.0.0.1:9/',
      clientId: 'campus',
      clientSecret: 'upstream-secret',
    });
    await server.services.federatedLinks.link(
      p.personId,
      { provider: upstream, subject: `s-${upstream}`, email: p.email, emailVerified: true },
      'password',
    );
    const links = (await page(`/admin/people/${p.personId}`)).body;
    assert.match(links.slice(links.indexOf('id="links-table"')), /<td>測試登入服務<\/td>/);
    assert.deepEqual(regionNames(links), [...new Set(regionNames(links))], 'no two regions named alike');
    // The database may be shared with other tests' servers (DATABASE_URL): the upstream goes again.
    await db()('federated_links').where({ provider: upstream }).del();
    await db()('upstream_providers').where({ id: upstream }).del();
    assert.equal((await page(`/admin/people/${crypto.randomUUID()}`)).status, 404);
    assert.equal((await page('/admin/people/not-a-person')).status, 404);
    const post = await postAdmin(agent, base, `/admin/people/${crypto.randomUUID()}/lock`, view, { reason: 'x' });
    assert.equal(post.status, 404);
  });

  it('reveals the whole national ID only with a reason, audited', async () => {
    const p = await someone();
    const view = await page(`/admin/people/${p.personId}`);
    const empty = await postAdmin(agent, base, `/admin/people/${p.personId}/reveal`, view, { reason: ' ' });
    assert.equal(empty.status, 400);
    assert.match(empty.body, /id="reason-error"[^>]*>([^<]*)</);
    assert.ok(empty.body.includes(html(zh('admin.people.errors.reasonRequired'))));
    assert.ok(!empty.body.includes(p.nationalId));
    // The reveal is answered with a redirect (Post/Redirect/Get): the page it leads to shows the number once.
    const sent = await postAdmin(agent, base, `/admin/people/${p.personId}/reveal`, view, {
      reason: '家長來電確認身分',
    });
    assert.equal(sent.status, 303);
    assert.match(sent.location!, new RegExp(`/admin/people/${p.personId}\\?revealed=[\\w-]+$`));
    assert.ok(!sent.body.includes(p.nationalId) && !sent.location!.includes(p.nationalId), 'not in the answer itself');
    const shown = await agent.request(sent.location!);
    assert.equal(shown.status, 200);
    assert.match(shown.body, new RegExp(`id="revealed-id">${p.nationalId}<`));
    const reveals = () =>
      db()('audit_events').where({ subject: p.personId, action: 'admin.national_id_revealed', actor: admin.personId });
    const audit = await reveals();
    assert.equal(audit.length, 1);
    assert.equal(audit[0].detail.reason, '家長來電確認身分');
    // A reload (or Back and Forward to it) shows the masked number and says why; nothing revealed or audited again.
    const reloaded = await agent.request(sent.location!);
    assert.equal(reloaded.status, 200);
    assert.ok(!reloaded.body.includes(p.nationalId), 'the number is not shown again');
    assert.ok(reloaded.body.includes('id="masked-id"'));
    assert.match(
      reloaded.body,
      new RegExp(`id="revealed-gone" role="status">${html(zh('admin.people.reveal.gone'))}<`),
    );
    assert.match(reloaded.body, /id="reveal-form"/, 'the way to see it again: a reason again');
    assert.equal((await reveals()).length, 1, 'audited once');
    // Another administrator given the address sees nothing either.
    const other = await personWith(server, [{ role: 'bureau_admin' }], 'bureau');
    const theirs = new Agent();
    await signInAdmin(base, theirs, other.email, '/admin');
    const sentAgain = await postAdmin(agent, base, `/admin/people/${p.personId}/reveal`, view, {
      reason: '再確認一次',
    });
    const theirView = await theirs.request(sentAgain.location!);
    assert.equal(theirView.status, 200);
    assert.ok(!theirView.body.includes(p.nationalId), "not another administrator's to see");
    assert.match((await agent.request(sentAgain.location!)).body, new RegExp(`id="revealed-id">${p.nationalId}<`));
    assert.equal((await reveals()).length, 2);
    const noCsrf = await agent.request(`${base}/admin/people/${p.personId}/reveal`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'reason=x',
    });
    assert.equal(noCsrf.status, 403, 'no CSRF token, no reveal');
  });

  it('locks a person (no sign-in, every session ended) and unlocks them', async () => {
    const p = await someone();
    const theirs = await signedInAgent(base, p.email, PERSON_PASSWORD);
    assert.equal((await theirs.request(`${base}/account`)).status, 200);

    const view = await page(`/admin/people/${p.personId}`);
    const noReason = await postAdmin(agent, base, `/admin/people/${p.personId}/lock`, view, { reason: '' });
    assert.equal(noReason.status, 400);
    assert.ok(noReason.body.includes('id="lock-reason-error"'));
    const locked = await postAdmin(agent, base, `/admin/people/${p.personId}/lock`, view, { reason: '疑似被盜用' });
    assert.equal(locked.status, 303);
    assert.equal(locked.location, `${base}/admin/people/${p.personId}?done=locked`);
    assert.equal((await db()('persons').where({ id: p.personId }).first('status')).status, 'locked');
    const after1 = await agent.request(locked.location!);
    assert.ok(after1.body.includes(html(zh('admin.people.done.locked'))));
    assert.ok(after1.body.includes('id="unlock-form"'));

    // Their browser's session is over, and the password no longer signs in.
    const portal = await theirs.request(`${base}/account`);
    assert.match(portal.location ?? '', /\/account\/sign-in/, 'the account portal asks to sign in again');
    await assert.rejects(signInToAccount(base, new Agent(), p.email, PERSON_PASSWORD), /did not reach the callback/);
    const audit = await db()('audit_events')
      .where({ subject: p.personId })
      .whereIn('action', ['admin.person_locked', 'session.ended_everywhere']);
    assert.equal(audit.length, 2);
    assert.equal(audit.find((e) => e.action === 'admin.person_locked').actor, admin.personId);

    // Locking twice: not active any more.
    const again = await postAdmin(agent, base, `/admin/people/${p.personId}/lock`, view, { reason: 'again' });
    assert.equal(again.status, 400);
    // Said at the top: the lock form (where its message went) is not drawn for a locked account.
    assert.match(again.body, /<p class="alert" id="person-error" role="alert">這個帳號不是使用中的狀態/);

    const unlocked = await postAdmin(agent, base, `/admin/people/${p.personId}/unlock`, view, {});
    assert.equal(unlocked.status, 303);
    assert.equal((await db()('persons').where({ id: p.personId }).first('status')).status, 'active');
    const back = await signInToAccount(base, new Agent(), p.email, PERSON_PASSWORD);
    assert.equal(back.status, 200, 'signs in again');
    assert.equal((await postAdmin(agent, base, `/admin/people/${p.personId}/unlock`, view, {})).status, 400);
  });

  it('sends the password-reset mail, ends sessions, allows and stops the developer portal', async () => {
    const p = await someone();
    const view = await page(`/admin/people/${p.personId}`);
    const sent = await postAdmin(agent, base, `/admin/people/${p.personId}/password-reset`, view, {});
    assert.equal(sent.status, 303);
    const mail = await db()('outbox_messages').where({ recipient: p.email, kind: 'password_reset' }).first();
    assert.ok(mail, 'the reset mail is queued');
    assert.match(mail.text_body, /\/password\/reset\?token=[\w-]+/);
    assert.equal(
      (await db()('audit_events').where({ subject: p.personId, action: 'admin.password_reset_sent' })).length,
      1,
    );

    const theirs = await signedInAgent(base, p.email, PERSON_PASSWORD);
    const ended = await postAdmin(agent, base, `/admin/people/${p.personId}/sessions/end`, view, {});
    assert.equal(ended.status, 303);
    assert.match(ended.location!, /done=sessionsEnded&sessions=[1-9]/);
    assert.match((await theirs.request(`${base}/account`)).location ?? '', /\/account\/sign-in/);

    // A teacher already has the portal; a person without a school identity gets it from the bureau.
    assert.ok(view.body.includes(html(zh('admin.people.actions.developerBySchool'))));
    const vendor = await personWith(server, [], 'vendor');
    const vendorPage = await page(`/admin/people/${vendor.personId}`);
    assert.ok(vendorPage.body.includes(html(zh('admin.people.actions.developerNot'))));
    const allow = await postAdmin(agent, base, `/admin/people/${vendor.personId}/developer`, vendorPage, {
      access: 'allow',
    });
    assert.equal(allow.status, 303);
    assert.ok(await server.services.developers.organisations.isDeveloperAccount(vendor.personId));
    const stop = await postAdmin(agent, base, `/admin/people/${vendor.personId}/developer`, vendorPage, {
      access: 'stop',
    });
    assert.equal(stop.status, 303);
    assert.ok(!(await server.services.developers.organisations.isDeveloperAccount(vendor.personId)));
    const bad = await postAdmin(agent, base, `/admin/people/${vendor.personId}/developer`, vendorPage, {
      access: 'maybe',
    });
    assert.equal(bad.status, 400);
  });

  it('without a verified email, says what would reset the password for this person — a mobile number only when they have one', async () => {
    /** A person with neither a verified email nor a mobile number, unless given. */
    const without = async (mobile?: string) => {
      const personId = await server.services.enrolment.createActive({
        person: {
          email: `unverified-${crypto.randomBytes(4).toString('hex')}@example.org`,
          emailVerified: false,
          ...(mobile ? { mobile } : {}),
          name: '張沒信',
          passwordHash: await server.services.passwords.hash(PERSON_PASSWORD),
        },
        audit: { action: 'person.created' },
        identities: [],
      });
      if (mobile) await db()('persons').where({ id: personId }).update({ mobile_verified: true });
      return personId;
    };
    const refusal = async (personId: string) => {
      const view = await page(`/admin/people/${personId}`);
      const sent = await postAdmin(agent, base, `/admin/people/${personId}/password-reset`, view, {});
      assert.equal(sent.status, 400);
      // The answer stands for the person's page with the refusal kept (?typed=): Back, reload and the language link
      // ask for it, never to send the button again.
      assert.match(sent.body, new RegExp(`<body[^>]* data-form-page="/admin/people/${personId}\\?typed=[\\w-]+"`));
      return /id="person-error"[^>]*>([^<]*)</.exec(sent.body)?.[1];
    };

    const nothing = await without();
    const page1 = await page(`/admin/people/${nothing}`);
    assert.match(page1.body.slice(page1.body.indexOf('id="person-facts"')), /手機<\/dt><dd>沒有/);
    const none = await refusal(nothing);
    assert.equal(none, html(zh('admin.people.errors.noEmailNoWay')));
    assert.ok(!none!.includes('手機號碼重設'), 'no mobile number to reset with is offered');

    const mobile = `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;
    assert.equal(await refusal(await without(mobile)), html(zh('admin.people.errors.noEmailUseMobile')));

    const linked = await without();
    const upstream = `nomail${crypto.randomBytes(3).toString('hex')}`;
    await addUpstream(server.services.upstreams, {
      id: upstream,
      name: '沒信的登入服務',
      kind: 'oidc',
      issuer: 'http://127.0.0.1:9/',
      clientId: 'campus',
      clientSecret: 'upstream-secret',
    });
    await server.services.federatedLinks.link(
      linked,
      { provider: upstream, subject: `s-${upstream}`, emailVerified: false },
      'password',
    );
    try {
      assert.equal(await refusal(linked), html(zh('admin.people.errors.noEmailUseLink')));
    } finally {
      await db()('federated_links').where({ provider: upstream }).del();
      await db()('upstream_providers').where({ id: upstream }).del();
    }
    assert.equal(
      (await db()('outbox_messages').whereIn('recipient', [mobile]).where({ kind: 'password_reset' })).length,
      0,
    );
  });

  it('refuses someone without bureau_admin (403) and sends an anonymous visitor to sign in', async () => {
    const anonymous = await new Agent().request(`${base}/admin/people`);
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.location!, /\/admin\/sign-in\?return_to=%2Fadmin%2Fpeople$/);
    const teacher = await personWith(server, [{ role: 'school_admin', schoolCode: SCHOOL }], 'notbureau');
    const refused = await signInAdmin(base, new Agent(), teacher.email, '/admin/people');
    assert.equal(refused.status, 403);
    assert.ok(refused.body.includes(html(zh('admin.notAdmin.title'))));
  });
});
