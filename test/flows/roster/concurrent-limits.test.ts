// Attempt limits under tries sent at the same moment: each try is counted before its check (Throttle.attempt's way),
// so a burst gets no more real checks, and no fewer person checks, than the same tries one after another. The roster
// slip's password check (per network address: the person check after 3, the stop after 20), the school-affairs and
// roster APIs' client authentication (per client id and per address) and the second factor's address count.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { countedTry } from '../../../src/domain/people/second-factor.ts';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { API_CLIENT_AUTH, ROSTER_CHECK, SECOND_FACTOR } from '../../../src/platform/limits.ts';
import { Agent, hiddenField } from '../../helpers/agent.ts';
import { challengeFields } from '../../helpers/challenge.ts';
import { registerClient } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const zh = translator('zh-TW');
const FORM = 'application/x-www-form-urlencoded';
const tag = () => crypto.randomBytes(4).toString('hex');
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const LOCAL = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];
const BURST = 30;

describe(`attempt limits under concurrent tries (${storageMode})`, () => {
  let server: TestServer;
  let base: string;
  const school = String(crypto.randomInt(900000, 1000000));
  const roster = { id: `roster-burst-${tag()}`, secret: `roster-secret-${tag()}-0123456789abcdef` };
  const slip = { account: `s${tag()}`, password: `pw-${tag()}` };

  const resetLocal = async () => {
    for (const ip of LOCAL)
      for (const limit of [ROSTER_CHECK.address, API_CLIENT_AUTH.address])
        await server.services.throttle.reset(limit, ip);
  };

  before(async () => {
    server = await startTestServer();
    base = server.issuer;
    await upsertSchool(server.storage.db, {
      code: school,
      name: `私立併發高職${school}`,
      level: 'vocational',
      kind: 'private',
    });
    await registerClient(
      server,
      { client_id: roster.id, permissions: ['roster'], school_codes: [school] },
      roster.secret,
    );
    const res = await fetch(`${base}/api/schools/${school}/roster-credentials`, {
      method: 'PUT',
      headers: { authorization: basic(roster.id, roster.secret), 'content-type': 'application/json' },
      body: JSON.stringify([{ role: 'student', ...slip, name: '陳同學' }]),
    });
    assert.equal(res.status, 200, await res.text());
    await resetLocal();
  });
  after(async () => {
    await resetLocal();
    await server?.close();
  });

  /** A roster-slip form with its own page and CSRF token: a made-up account, or the real slip (`right`). */
  async function rosterForm(right = false) {
    const agent = new Agent();
    const page = await agent.request(`${base}/register/roster`);
    const fields: Record<string, string> = {
      _csrf: hiddenField(page.body, '_csrf'),
      school,
      kind: 'student',
      ...(right ? slip : { account: `nobody-${tag()}`, password: 'not-it' }),
    };
    return { agent, fields };
  }
  const postRoster = ({ agent, fields }: Awaited<ReturnType<typeof rosterForm>>) =>
    agent.request(`${base}/register/roster`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams(fields).toString(),
    });

  /** BURST roster-slip forms, each with its own page and CSRF token (and a solved person check), posted at once. */
  async function rosterBurst(withPersonCheck: boolean) {
    const forms = [];
    for (let i = 0; i < BURST; i++) {
      const { agent, fields } = await rosterForm();
      if (withPersonCheck) Object.assign(fields, await challengeFields(base));
      forms.push({ agent, fields });
    }
    const answers = await Promise.all(forms.map(postRoster));
    return {
      checked: answers.filter((a) => a.status === 400 && a.body.includes(zh('roster.errors.wrong'))).length,
      personCheck: answers.filter((a) => a.status === 400 && a.body.includes(zh('challenge.required'))).length,
      limited: answers.filter((a) => a.status === 429 && a.body.includes(zh('roster.errors.limited'))).length,
    };
  }

  it('a roster slip: of 30 wrong passwords sent at once, 3 are checked, the rest asked for the person check or stopped', async () => {
    await resetLocal();
    const { checked, personCheck, limited } = await rosterBurst(false);
    assert.equal(checked, ROSTER_CHECK.addressChallengeAfter);
    // A try refused for the person check checked nothing and is taken back afterwards, so how many of the rest meet the
    // stop depends on when those refunds land; none of them is checked.
    assert.equal(personCheck + limited, BURST - ROSTER_CHECK.addressChallengeAfter);
    await resetLocal();
  });

  it('a roster slip: of 30 wrong passwords sent at once with the person check, 20 are checked, the rest 429', async () => {
    await resetLocal();
    const { checked, limited } = await rosterBurst(true);
    assert.equal(checked, ROSTER_CHECK.address.max);
    assert.equal(limited, BURST - ROSTER_CHECK.address.max);
    await resetLocal();
  });

  it('a roster slip: a class signing up from one address is not stopped, and right slips wipe no wrong tries', async () => {
    await resetLocal();
    // More right slips than the address's stop, one after another (the class in the computer room): none is refused
    // or asked for the person check.
    for (let i = 0; i < ROSTER_CHECK.address.max + 5; i++) {
      const answer = await postRoster(await rosterForm(true));
      assert.equal(answer.status, 303, `pupil ${i + 1}: ${answer.status}`);
    }
    // Two wrong tries, then a right one: the wrong ones still count.
    for (let i = 0; i < 2; i++) assert.equal((await postRoster(await rosterForm())).status, 400);
    assert.equal((await postRoster(await rosterForm(true))).status, 303);
    const counted = await Promise.all(LOCAL.map((ip) => server.services.throttle.count(ROSTER_CHECK.address, ip)));
    assert.equal(Math.max(...counted), 2);
    await resetLocal();
  });

  const apiCall = (id: string, secret: string) =>
    fetch(`${base}/api/schools/${school}/roster-credentials`, { headers: { authorization: basic(id, secret) } });

  it('the roster API: of 30 wrong secrets for one client sent at once, 20 are checked (401), the rest 429', async () => {
    await resetLocal();
    const statuses = await Promise.all(
      Array.from({ length: BURST }, () => apiCall(roster.id, 'wrong').then((r) => r.status)),
    );
    assert.equal(statuses.filter((s) => s === 401).length, API_CLIENT_AUTH.client.max);
    assert.equal(statuses.filter((s) => s === 429).length, BURST - API_CLIENT_AUTH.client.max);
    // The right secret is refused too from this address until the window ends; from another address it is not: wrong
    // secrets sent by someone else cannot shut the school's system out.
    assert.equal((await apiCall(roster.id, roster.secret)).status, 429);
    assert.equal(await callFrom('127.0.0.2', roster.id, roster.secret), 200);
    for (const ip of LOCAL) await server.services.throttle.reset(API_CLIENT_AUTH.client, `${roster.id}\0${ip}`);
    await resetLocal();
    assert.equal((await apiCall(roster.id, roster.secret)).status, 200);
  });

  /** A roster API call from another loopback address (the status). */
  const callFrom = (localAddress: string, id: string, secret: string) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(`${base}/api/schools/${school}/roster-credentials`);
      http
        .get(url, { localAddress, headers: { authorization: basic(id, secret) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });

  it('the roster API: of 130 unknown clients tried at once from one address, 100 are checked, the rest 429', async () => {
    await resetLocal();
    const many = API_CLIENT_AUTH.address.max + BURST;
    const statuses = await Promise.all(
      Array.from({ length: many }, () => apiCall(`nobody-${tag()}`, 'wrong').then((r) => r.status)),
    );
    assert.equal(statuses.filter((s) => s === 401).length, API_CLIENT_AUTH.address.max);
    assert.equal(statuses.filter((s) => s === 429).length, BURST);
    await resetLocal();
  });

  it('the second factor: tries at many people sent at once from one address get no more checks than its limit', async () => {
    const address = `198.51.100.${crypto.randomInt(1, 250)}`;
    const { throttle } = server.services;
    await throttle.reset(SECOND_FACTOR.address, address);
    let checks = 0;
    const results = await Promise.all(
      Array.from({ length: SECOND_FACTOR.address.max + BURST }, () =>
        countedTry(throttle, { personId: crypto.randomUUID(), address }, async () => {
          checks++;
          return false;
        }),
      ),
    );
    assert.equal(checks, SECOND_FACTOR.address.max);
    assert.equal(results.filter((r) => r === 'wrong').length, SECOND_FACTOR.address.max - 1);
    assert.equal(results.filter((r) => r === 'limited').length, BURST + 1);
    // A right code takes back only its own try from the address's count: someone's own right code does not wipe the
    // wrong ones tried at others.
    await throttle.reset(SECOND_FACTOR.address, address);
    for (let i = 0; i < 3; i++)
      assert.equal(await countedTry(throttle, { personId: crypto.randomUUID(), address }, async () => false), 'wrong');
    assert.equal(await countedTry(throttle, { personId: crypto.randomUUID(), address }, async () => true), 'ok');
    assert.equal(await throttle.count(SECOND_FACTOR.address, address), 3);
  });
});
