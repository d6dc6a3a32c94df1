// REDIS_URL naming a Redis Cluster (three masters started here) and a master found through a Sentinel (started here
// too): the whole sign-in works over real requests, a grant whose entries sit in several slots is revoked whole,
// and the keys really spread over the cluster's nodes. PostgreSQL follows the environment (DATABASE_URL, else the
// embedded one), so the test runs in both storage modes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Cluster, Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { newPerson } from '../helpers/account.ts';
import { Agent, formAction, hiddenField } from '../helpers/agent.ts';
import { challengeFields } from '../helpers/challenge.ts';
import { haveRedisServer, type RedisProcesses, redisMasters, redisProcesses, scanPrefix } from '../helpers/redis.ts';
import {
  authorizationUrl,
  CALLBACK,
  discover,
  pkce,
  registerClient,
  signedInOffline,
  signIn,
  submitLogin,
} from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

const SECRET = 'redis-cluster-secret-0123456789abcdef';
const skip =
  !(await haveRedisServer()) && !process.env.CI ? 'redis-server is not installed (CI requires it)' : undefined;

/** redis-server arguments for a node of a test's own: nothing written to disk, no background. */
const nodeArgs = (dir: string, port: number, more: string[] = []) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--dir',
  dir,
  '--save',
  '',
  '--appendonly',
  'no',
  '--daemonize',
  'no',
  ...more,
];

async function countKeys(node: Redis, prefix: string) {
  let n = 0;
  for await (const keys of scanPrefix(node, prefix)) n += keys.length;
  return n;
}

/** Signs the demo student in (by default with consent to offline access) and exchanges the code. */
async function codeSignIn(conf: oidc.Configuration, scope = 'openid offline_access') {
  const p = await pkce();
  const agent = new Agent();
  const url = authorizationUrl(conf, p, { scope, prompt: 'consent' });
  const callback = await signIn(agent, url, 'student', 'Green-Frog-2026');
  const tokens = await oidc.authorizationCodeGrant(conf, callback, {
    pkceCodeVerifier: p.verifier,
    expectedState: p.state,
    expectedNonce: p.nonce,
  });
  return { agent, tokens };
}

describe(`REDIS_URL naming a Redis Cluster or a Sentinel set (${storageMode})`, { skip }, () => {
  let redis: RedisProcesses;
  let server: TestServer;
  let cluster: Cluster;
  let conf: oidc.Configuration;
  const prefix = () => server.env.REDIS_PREFIX!;

  before(async () => {
    redis = redisProcesses();
    const ports = await Promise.all(
      [1, 2, 3].map(() =>
        redis.start((port) =>
          nodeArgs(redis.dir, port, [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            path.join(redis.dir, `nodes-${port}.conf`),
          ]),
        ),
      ),
    );
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await redis.cli(['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    for (const end = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 100))) {
      const states = await Promise.all(ports.map((port) => redis.cli(['-p', String(port), 'cluster', 'info'])));
      if (states.every((info) => info.includes('cluster_state:ok'))) break;
      if (Date.now() > end) assert.fail(`the cluster did not come up: ${states.join('\n')}`);
    }
    server = await startTestServer({ REDIS_URL: `redis+cluster://${nodes.join(',')}/` });
    cluster = server.storage.redis as Cluster;
    await registerClient(
      server,
      {
        client_id: 'rc-rp',
        grant_types: ['authorization_code', 'refresh_token'],
        post_logout_redirect_uris: [CALLBACK],
      },
      SECRET,
    );
    await registerClient(server, { client_id: 'rc-first', first_party: true }, SECRET);
    conf = await discover(server.issuer, 'rc-rp', SECRET);
  });

  after(async () => {
    await server?.close();
    await redis?.stop();
  });

  it('connects to the cluster and signs in: code, ID token, userinfo, a refreshed token', async () => {
    assert.match(server.storage.describe, /\+ Redis Cluster$/);
    assert.equal(redisMasters(cluster).length, 3);
    const { tokens } = await codeSignIn(conf);
    const claims = tokens.claims()!;
    assert.equal(claims.iss, server.issuer);
    assert.ok(tokens.refresh_token, 'offline access gives a refresh token');
    assert.ok((await oidc.fetchUserInfo(conf, tokens.access_token, claims.sub)).sub);
    const refreshed = await oidc.refreshTokenGrant(conf, tokens.refresh_token!);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(conf, refreshed.access_token)).active, true);
  });

  it("revoking a refresh token ends every token of its grant, their keys in several slots of the cluster's nodes", async (t) => {
    const { tokens } = await codeSignIn(conf);
    const refreshed = await oidc.refreshTokenGrant(conf, tokens.refresh_token!);
    const entry = (model: string, id: string) => `${prefix()}${model}:${id}`;
    const { grantId } = JSON.parse((await cluster.hget(entry('AccessToken', tokens.access_token), 'payload'))!);
    const grantIndex = `${prefix()}grant:${grantId}`;
    const members = await cluster.smembers(grantIndex);
    for (const token of [tokens.access_token, refreshed.access_token])
      assert.ok(members.includes(entry('AccessToken', token)), 'the grant lists its access tokens');
    assert.ok(members.includes(entry('RefreshToken', refreshed.refresh_token!)), 'and its refresh token');
    // Where each key lives: a slot, and the node serving it. A MULTI over them would fail with CROSSSLOT.
    const places = await Promise.all(
      [grantIndex, ...members].map(async (key) => {
        const slot = Number(await cluster.cluster('KEYSLOT', key));
        return { slot, node: cluster.slots[slot]![0] };
      }),
    );
    t.diagnostic(`grant index and members: ${places.map((p) => `slot ${p.slot} on ${p.node}`).join(', ')}`);
    assert.ok(new Set(places.map((p) => p.slot)).size > 1, JSON.stringify(places));

    await oidc.tokenRevocation(conf, refreshed.refresh_token!);
    for (const token of [tokens.access_token, refreshed.access_token])
      assert.equal((await oidc.tokenIntrospection(conf, token)).active, false, 'an access token of the grant is dead');
    await assert.rejects(
      oidc.refreshTokenGrant(conf, refreshed.refresh_token!),
      (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
    );
    for (const key of members) assert.equal(await cluster.exists(key), 0, `${key} is gone`);
  });

  it('a code or refresh token sent several times at once: one gets tokens, and they end with the grant', async () => {
    // On a cluster a use is stored at once (one script cannot write keys of several slots), so the request that comes
    // second is refused at that moment, inside oidc-provider, which answers it without ending the grant. The grant must
    // end all the same, as on one server (test/oidc/reuse-at-once.test.ts): the winner's tokens stop working.
    const active = async (token: string) => (await oidc.tokenIntrospection(conf, token)).active;
    async function race(tries: Promise<oidc.TokenEndpointResponse>[]) {
      const settled = await Promise.allSettled(tries);
      for (const t of settled)
        if (t.status === 'rejected') assert.equal((t.reason as oidc.ResponseBodyError).error, 'invalid_grant');
      const won = settled.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
      assert.equal(won.length, 1, `one of ${settled.length} gets tokens`);
      return won[0]!;
    }
    for (let round = 0; round < 4; round++) {
      const { callback, checks } = await signedInOffline(conf);
      const tokens = await race(Array.from({ length: 4 }, () => oidc.authorizationCodeGrant(conf, callback, checks)));
      assert.equal(await active(tokens.access_token), false, `round ${round}: the code's access token ended`);
      const again = await signedInOffline(conf);
      const first = await oidc.authorizationCodeGrant(conf, again.callback, again.checks);
      const rotated = await race(Array.from({ length: 4 }, () => oidc.refreshTokenGrant(conf, first.refresh_token!)));
      assert.equal(await active(rotated.access_token), false, `round ${round}: the refreshed access token ended`);
      await assert.rejects(
        oidc.refreshTokenGrant(conf, rotated.refresh_token!),
        (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
      );
    }
  });

  it("logs out at the RP's request: the session and the grant end, the next sign-in asks for the password", async () => {
    const { agent, tokens } = await codeSignIn(conf, 'openid'); // without offline access the grant ends with it
    const sessionKey = `${prefix()}Session:${agent.cookies.get('_session')}`;
    assert.equal(await cluster.exists(sessionKey), 1);
    const page = await agent.follow(
      oidc.buildEndSessionUrl(conf, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: CALLBACK }).href,
    );
    const done = await agent.submit(
      new URL(/<form[^>]*action="([^"]+)"/.exec(page.body)![1]!, server.issuer).href,
      { xsrf: hiddenField(page.body, 'xsrf'), logout: 'yes' },
      CALLBACK,
    );
    assert.ok(done.location?.startsWith(CALLBACK), `back at the RP, got ${done.status}`);
    assert.equal(await cluster.exists(sessionKey), 0, 'the session is gone');
    assert.equal((await oidc.tokenIntrospection(conf, tokens.access_token)).active, false);
    const again = await agent.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    assert.match(again.body, /name="password"/);
  });

  it('counts failed sign-ins and uses a person check once (counters), and keeps a forced change for one use', async () => {
    const first = await discover(server.issuer, 'rc-first', SECRET);
    const person = await newPerson(server.storage.db);
    const agent = new Agent();
    let page = await agent.follow(String(authorizationUrl(first, await pkce())), CALLBACK);
    for (let i = 0; i < 3; i++) page = await submitLogin(agent, page, person.username, 'wrong');
    assert.equal(page.status, 401);
    assert.match(page.body, /name="question_token"/, 'the person check after the third failure');
    const check = await challengeFields(server.issuer);
    const spent = await submitLogin(agent, page, person.username, 'wrong-again', check);
    assert.equal(spent.status, 401, 'a passed check lets the attempt through');
    const replay = await submitLogin(agent, spent, person.username, person.password, check);
    assert.equal(replay.status, 400, 'a check is good for one attempt only');

    // The forced change at sign-in keeps who signed in as a one-use value between the two pages.
    const changing = await newPerson(server.storage.db);
    await server.storage.db('persons').where({ id: changing.id }).update({ must_change_password: true });
    const fresh = new Agent();
    const login = await fresh.follow(String(authorizationUrl(first, await pkce())), CALLBACK);
    const form = await submitLogin(fresh, login, changing.username, changing.password);
    assert.match(form.url, /\/interaction\/[\w-]+\/password$/, `the change form, got ${form.status}`);
    const fields = {
      password: 'Quiet-Harbour-2031',
      confirm: 'Quiet-Harbour-2031',
      _csrf: hiddenField(form.body, '_csrf'),
    };
    const done = await fresh.submit(formAction(form.body, /\/password$/, form.url), fields, CALLBACK);
    assert.ok(done.location?.startsWith(CALLBACK), `continued to the client, got ${done.status}`);
  });

  it('spreads the keys over the masters (counted on each)', async (t) => {
    const counts = await Promise.all(redisMasters(cluster).map((node) => countKeys(node, prefix())));
    t.diagnostic(`keys per master: ${counts.join(', ')}`);
    assert.ok(counts.filter((n) => n > 0).length > 1, `keys per master: ${counts.join(', ')}`);
  });

  it('finds the master through a Sentinel and signs in there', async () => {
    const master = await redis.start((port) => nodeArgs(redis.dir, port));
    // A Sentinel rewrites its configuration file: one of its own, naming the master to watch.
    const file = path.join(redis.dir, 'sentinel.conf');
    fs.writeFileSync(file, `sentinel monitor campus 127.0.0.1 ${master} 1\n`);
    const sentinel = await redis.start((port) => [file, '--sentinel', '--port', String(port), '--bind', '127.0.0.1']);
    // A second server process on the same PostgreSQL, as a replica would be.
    const other = await startTestServer(
      { REDIS_URL: `redis+sentinel://127.0.0.1:${sentinel}/campus/2`, SECRET_KEY: server.env.SECRET_KEY },
      server.dataDir,
    );
    try {
      assert.match(other.storage.describe, /\+ Redis \(Sentinel\)$/);
      const { tokens } = await codeSignIn(await discover(other.issuer, 'rc-rp', SECRET));
      assert.ok(tokens.claims()?.sub);
      const keys = await redis.cli([
        '-p',
        String(master),
        '-n',
        '2',
        '--scan',
        '--pattern',
        `${other.env.REDIS_PREFIX}*`,
      ]);
      assert.match(keys, new RegExp(`^${other.env.REDIS_PREFIX}Session:`, 'm'), 'the session is on the master, db 2');
    } finally {
      await other.close();
    }
  });
});
