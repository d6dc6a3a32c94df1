import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcrypt';
import * as oidc from 'openid-client';
import { findPersonByLogin } from '../../src/domain/people/persons.ts';
import { Agent } from '../helpers/agent.ts';
import {
  authorizationUrl,
  CALLBACK,
  discover,
  logoutTokenListener,
  pkce,
  registerClient,
  signIn,
} from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

const SECRET = 'advanced-test-secret-0123456789abcdef';

async function codeFlow(
  server: TestServer,
  clientId: string,
  agent = new Agent(),
  extra: Record<string, string> = {},
  opts: { DPoP?: oidc.DPoPHandle } = {},
) {
  const conf = await discover(server.issuer, clientId, SECRET);
  const p = await pkce();
  const callback = await signIn(
    agent,
    authorizationUrl(conf, p, extra),
    'teacher',
    'Blue-Chalk-2026',
    extra.redirect_uri ?? CALLBACK,
  );
  const tokens = await oidc.authorizationCodeGrant(
    conf,
    callback,
    { pkceCodeVerifier: p.verifier, expectedState: p.state, expectedNonce: p.nonce },
    undefined,
    opts,
  );
  return { conf, tokens, agent };
}

describe(`advanced protocol features (${storageMode})`, () => {
  let server: TestServer;
  let teacherId: string;

  before(async () => {
    server = await startTestServer();
    teacherId = (await findPersonByLogin(server.storage.db, 'teacher'))!.id;
  });
  after(() => server.close());

  it('lets first-party clients skip consent but asks for third-party ones', async () => {
    await registerClient(server, { client_id: 'rp-first', first_party: true, allowed_roles: ['teacher'] }, SECRET);
    await registerClient(server, { client_id: 'rp-third', allowed_roles: ['teacher'] }, SECRET);
    const agent = new Agent();
    const first = await codeFlow(server, 'rp-first', agent);
    assert.equal(first.tokens.claims()!.sub, teacherId);
    const conf = await discover(server.issuer, 'rp-third', SECRET);
    const step = await agent.follow(String(authorizationUrl(conf, await pkce())), CALLBACK);
    assert.match(step.body, /「rp-third」想使用您的資料/);
  });

  it('gives pairwise subjects to clients that ask, stable per sector and different from the public sub', async () => {
    await registerClient(server, { client_id: 'rp-pairwise', subject_type: 'pairwise', first_party: true }, SECRET);
    await registerClient(
      server,
      {
        client_id: 'rp-pairwise-2',
        subject_type: 'pairwise',
        first_party: true,
        redirect_uris: ['http://localhost:9/cb'],
      },
      SECRET,
    );
    const a = await codeFlow(server, 'rp-pairwise');
    const again = await codeFlow(server, 'rp-pairwise');
    const sub = a.tokens.claims()!.sub;
    assert.notEqual(sub, teacherId);
    assert.equal(again.tokens.claims()!.sub, sub);
    const other = (await codeFlow(server, 'rp-pairwise-2', new Agent(), { redirect_uri: 'http://localhost:9/cb' }))
      .tokens;
    assert.notEqual(other.claims()!.sub, sub, 'another sector sees another subject');
    assert.notEqual(other.claims()!.sub, teacherId);
    assert.ok(sub.length > 20);
  });

  it('keeps a pairwise subject when the app moves to another host or port (the sector is pinned)', async () => {
    await registerClient(server, { client_id: 'rp-moving', subject_type: 'pairwise', first_party: true }, SECRET);
    const before = (await codeFlow(server, 'rp-moving')).tokens.claims()!.sub;
    const stored = await server.services.clients.describe('rp-moving');
    assert.equal(stored?.pairwise_sector, '127.0.0.1:9', 'the sector it was first stored with');
    // The app moves: its only redirect address is now on another host.
    await server.services.clients.update(
      'rp-moving',
      { addRedirectUris: ['http://localhost:9/cb'], removeRedirectUris: [CALLBACK] },
      'test',
    );
    const after = await codeFlow(server, 'rp-moving', new Agent(), { redirect_uri: 'http://localhost:9/cb' });
    assert.equal(after.tokens.claims()!.sub, before, 'the same person, the same sub');
    // Configuration written again (config/clients.json, the demo seed) keeps the pinned sector too.
    await registerClient(
      server,
      { client_id: 'rp-moving', subject_type: 'pairwise', first_party: true, redirect_uris: ['http://localhost:8/cb'] },
      SECRET,
    );
    assert.equal((await server.services.clients.describe('rp-moving'))?.pairwise_sector, '127.0.0.1:9');
  });

  it('gives a pairwise client pairwise ids everywhere: the identity, every identity, each child (its own sub)', async () => {
    const scope = 'openid identity identities children';
    for (const [id, uri] of [
      ['rp-pw-ids', CALLBACK],
      ['rp-pw-ids-2', 'http://localhost:9/cb'],
    ] as const) {
      await registerClient(
        server,
        { client_id: id, subject_type: 'pairwise', first_party: true, redirect_uris: [uri] },
        SECRET,
      );
    }
    const signInAt = async (clientId: string, callback: string, login: string, password: string) => {
      const conf = await discover(server.issuer, clientId, SECRET);
      const p = await pkce();
      const url = oidc.buildAuthorizationUrl(conf, {
        redirect_uri: callback,
        scope,
        code_challenge: p.challenge,
        code_challenge_method: 'S256',
        state: p.state,
        nonce: p.nonce,
      });
      const back = await signIn(new Agent(), url, login, password, callback);
      const tokens = await oidc.authorizationCodeGrant(conf, back, {
        pkceCodeVerifier: p.verifier,
        expectedState: p.state,
        expectedNonce: p.nonce,
      });
      const claims = tokens.claims()!;
      return { sub: claims.sub, userinfo: await oidc.fetchUserInfo(conf, tokens.access_token, claims.sub) };
    };
    type Ids = { identity: { id: string }; identities: { id: string }[]; children: { sub: string }[] };
    const teacher = await signInAt('rp-pw-ids', CALLBACK, 'teacher', 'Blue-Chalk-2026');
    const ids = teacher.userinfo as unknown as Ids;
    const real = (await server.storage.db('identities').where({ person_id: teacherId }).select('id')).map(
      (r: { id: string }) => r.id,
    );
    const pupilId = (await findPersonByLogin(server.storage.db, 'pupil'))!.id;
    assert.ok(ids.identity.id && !real.includes(ids.identity.id), 'the chosen identity: not its real id');
    assert.equal(ids.identities.length, real.length);
    for (const i of ids.identities) assert.ok(!real.includes(i.id), 'no real identity id');
    assert.ok(
      ids.identities.some((i) => i.id === ids.identity.id),
      'the same identity has the same id in both claims',
    );
    assert.equal(ids.children.length, 1);
    assert.notEqual(ids.children[0]!.sub, pupilId, "not the child's real id");
    // The child's id at this client is the sub this client gets when the child signs in.
    const pupil = await signInAt('rp-pw-ids', CALLBACK, 'pupil', 'Yellow-Duck-2026');
    assert.equal(ids.children[0]!.sub, pupil.sub);
    // Another sector sees other ids.
    const other = (await signInAt('rp-pw-ids-2', 'http://localhost:9/cb', 'teacher', 'Blue-Chalk-2026'))
      .userinfo as unknown as Ids;
    assert.notEqual(other.identity.id, ids.identity.id);
    assert.notEqual(other.children[0]!.sub, ids.children[0]!.sub);
  });

  it('accepts signed request objects (JAR)', async () => {
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as { publicKey: CryptoKey; privateKey: CryptoKey };
    const publicJwk = {
      ...(await crypto.subtle.exportKey('jwk', keys.publicKey)),
      kid: 'rp-key-1',
      use: 'sig',
      alg: 'ES256',
    };
    await registerClient(
      server,
      { client_id: 'rp-jar', first_party: true, jwks: { keys: [publicJwk] }, request_object_signing_alg: 'ES256' },
      SECRET,
    );
    const conf = await discover(server.issuer, 'rp-jar', SECRET);
    const p = await pkce();
    const url = await oidc.buildAuthorizationUrlWithJAR(
      conf,
      {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: p.challenge,
        code_challenge_method: 'S256',
        state: p.state,
        nonce: p.nonce,
      },
      { key: keys.privateKey, kid: 'rp-key-1' },
    );
    assert.ok(url.searchParams.get('request'));
    const callback = await signIn(new Agent(), url, 'teacher', 'Blue-Chalk-2026');
    const tokens = await oidc.authorizationCodeGrant(conf, callback, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    assert.equal(tokens.claims()!.sub, teacherId);

    // A request object signed by someone else is refused.
    const other = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as { publicKey: CryptoKey; privateKey: CryptoKey };
    const forged = await oidc.buildAuthorizationUrlWithJAR(
      conf,
      { redirect_uri: CALLBACK, scope: 'openid', code_challenge: p.challenge, code_challenge_method: 'S256' },
      { key: other.privateKey, kid: 'rp-key-1' },
    );
    const res = await new Agent().request(String(forged));
    const back = res.location ? new URL(res.location) : undefined;
    assert.ok(res.status === 400 || back?.searchParams.get('error') === 'invalid_request_object');
  });

  it('binds tokens to a DPoP key', async () => {
    await registerClient(server, { client_id: 'rp-dpop', first_party: true }, SECRET);
    const conf = await discover(server.issuer, 'rp-dpop', SECRET);
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const DPoP = oidc.getDPoPHandle(conf, keyPair);
    const { tokens } = await codeFlow(server, 'rp-dpop', new Agent(), {}, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
    const info = await oidc.fetchUserInfo(conf, tokens.access_token, tokens.claims()!.sub, { DPoP });
    assert.equal(info.sub, teacherId);
    // Without the proof the token is useless.
    const bare = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(bare.status, 401);
  });

  it('sends back-channel logout tokens to clients of the ended session', async () => {
    const rp = await logoutTokenListener();
    const { received } = rp;
    try {
      await registerClient(
        server,
        {
          client_id: 'rp-bcl',
          first_party: true,
          backchannel_logout_uri: rp.uri,
          backchannel_logout_session_required: true,
          post_logout_redirect_uris: ['http://127.0.0.1:9/bye'],
        },
        SECRET,
      );
      const { conf, tokens, agent } = await codeFlow(server, 'rp-bcl');
      const page = await agent.follow(
        oidc.buildEndSessionUrl(conf, {
          id_token_hint: tokens.id_token!,
          post_logout_redirect_uri: 'http://127.0.0.1:9/bye',
        }).href,
      );
      const action = /<form[^>]*action="([^"]+)"/.exec(page.body)![1]!;
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)![1]!;
      await agent.submit(new URL(action, server.issuer).href, { xsrf, logout: 'yes' }, 'http://127.0.0.1:9/bye');
      for (let i = 0; i < 50 && !received.length; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(received.length, 1);
      const payload = JSON.parse(Buffer.from(received[0]!.split('.')[1]!, 'base64url').toString());
      assert.equal(payload.sub, teacherId);
      assert.equal(payload.aud, 'rp-bcl');
      assert.equal(payload.sid, tokens.claims()!.sid);
      assert.ok(payload.events['http://schemas.openid.net/event/backchannel-logout']);
    } finally {
      rp.close();
    }
  });

  it('upgrades a password hash made at another bcrypt cost on sign-in', async () => {
    const db = server.storage.db;
    await db('persons')
      .where({ username: 'teacher' })
      .update({ password_hash: await bcrypt.hash('Blue-Chalk-2026', 5) });
    await registerClient(server, { client_id: 'rp-rehash', first_party: true }, SECRET);
    await codeFlow(server, 'rp-rehash');
    const person = await findPersonByLogin(db, 'teacher');
    assert.equal(bcrypt.getRounds(person!.password_hash!), Number(server.env.BCRYPT_COST));
  });
});
