import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { MAX_SIGNED_TOKEN_LIFETIME } from '../../src/oidc/configuration.ts';
import { rotateKeys } from '../../src/oidc/keys.ts';
import { freePort } from '../../src/platform/storage/embedded-postgres.ts';
import { Agent } from '../helpers/agent.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, signIn } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

const SECRET = 'keys-test-secret-0123456789abcdefghij';
const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid as string;
const jwksOf = async (base: string) =>
  ((await (await fetch(`${base}/jwks`)).json()) as { keys: { kid: string; alg: string }[] }).keys;

describe(`keys shared by two processes, and rotation (${storageMode})`, () => {
  let a: TestServer;
  let b: TestServer;
  let issuer: string;

  before(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    a = await startTestServer({ PORT: String(port), ISSUER: issuer });
    // The second process shares the database (and, embedded, the same DATA_DIR and cluster) and the issuer.
    b = await startTestServer({ ISSUER: issuer, REDIS_PREFIX: a.env.REDIS_PREFIX }, a.dataDir);
    await registerClient(a, { client_id: 'rp-keys', first_party: true }, SECRET);
  });
  after(async () => {
    await b.close();
    await a.close();
  });

  it('serves the same JWKS from both processes, with RS256 and ES256 keys and no private parts', async () => {
    const ja = await jwksOf(`http://localhost:${a.port}`);
    const jb = await jwksOf(`http://localhost:${b.port}`);
    assert.deepEqual(jb, ja);
    assert.deepEqual([...new Set(ja.map((k) => k.alg))].sort(), ['ES256', 'RS256']);
    assert.ok(
      ja.every((k) => !('d' in k) && !('p' in k)),
      'no private key material',
    );
  });

  it('accepts a session cookie set by the other process', async () => {
    const conf = await discover(issuer, 'rp-keys', SECRET);
    const agent = new Agent();
    await signIn(agent, authorizationUrl(conf, await pkce()), 'teacher', 'Blue-Chalk-2026');
    const p = await pkce();
    const onB = new URL(authorizationUrl(conf, p));
    onB.port = String(b.port);
    const step = await agent.request(onB.href);
    assert.ok(step.location?.startsWith(CALLBACK), `B should answer with a code, got ${step.status} ${step.location}`);
    const tokens = await oidc.authorizationCodeGrant(conf, new URL(step.location!), {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    assert.ok(tokens.claims()!.sub);
  });

  it('publishes a rotated key before it signs with it, and keeps the old one published', async () => {
    const conf = await discover(issuer, 'rp-keys', SECRET);
    const flow = async () => {
      const p = await pkce();
      const callback = await signIn(new Agent(), authorizationUrl(conf, p), 'teacher', 'Blue-Chalk-2026');
      return oidc.authorizationCodeGrant(conf, callback, {
        pkceCodeVerifier: p.verifier,
        expectedState: p.state,
        expectedNonce: p.nonce,
      });
    };
    const before = await flow();
    const oldKid = kidOf(before.id_token!);

    const upcoming = await rotateKeys(a.storage.db, a.storage.keyring, {
      publishLeadSeconds: 3600,
      maxTokenLifetimeSeconds: MAX_SIGNED_TOKEN_LIFETIME,
      actor: 'test',
    });
    assert.equal(await a.holder.refresh(), true);
    assert.equal(await b.holder.refresh(), true);
    const published = (await jwksOf(`http://localhost:${a.port}`)).map((k) => k.kid);
    for (const kid of upcoming.slice(0, 2)) assert.ok(published.includes(kid), 'new key is published in advance');
    assert.equal(kidOf((await flow()).id_token!), oldKid, 'but the old key still signs');

    const current = await rotateKeys(a.storage.db, a.storage.keyring, {
      publishLeadSeconds: 0,
      maxTokenLifetimeSeconds: MAX_SIGNED_TOKEN_LIFETIME,
      actor: 'test',
    });
    await a.holder.refresh();
    await b.holder.refresh();
    const afterRotation = await flow();
    assert.ok(current.includes(kidOf(afterRotation.id_token!)), 'the newest key signs once active');
    const jwks = (await jwksOf(`http://localhost:${a.port}`)).map((k) => k.kid);
    assert.ok(jwks.includes(oldKid), 'the retired key stays published until its tokens expire');
    assert.deepEqual(await jwksOf(`http://localhost:${b.port}`), await jwksOf(`http://localhost:${a.port}`));
  });

  it('keeps sessions made before a cookie-key rotation', async () => {
    const conf = await discover(issuer, 'rp-keys', SECRET);
    const agent = new Agent();
    await signIn(agent, authorizationUrl(conf, await pkce()), 'student', 'Green-Frog-2026');
    await rotateKeys(a.storage.db, a.storage.keyring, {
      publishLeadSeconds: 0,
      maxTokenLifetimeSeconds: MAX_SIGNED_TOKEN_LIFETIME,
      actor: 'test',
    });
    await a.holder.refresh();
    const step = await agent.request(String(authorizationUrl(conf, await pkce())));
    assert.ok(step.location?.startsWith(CALLBACK), 'still signed in');
  });
});
