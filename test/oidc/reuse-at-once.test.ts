// A code or a refresh token sent several times at the same moment: one request gets tokens, the others are refused
// (invalid_grant), and — as when one comes a second time later (RFC 6749 §4.1.2, RFC 9700 §4.14.2) — the grant it
// came from ends: the tokens the winning request got stop working too. Before, the winner's tokens stayed good when
// the refusal was found as the requests' writes were stored (2 of 4 runs of an audit's script).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { discover, registerClient, signedInOffline } from '../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

describe(`a code or refresh token sent several times at once (${storageMode})`, () => {
  let server: TestServer;
  let conf: oidc.Configuration;
  const secret = crypto.randomBytes(24).toString('base64url');

  before(async () => {
    server = await startTestServer();
    await registerClient(
      server,
      { client_id: 'rp-reuse', grant_types: ['authorization_code', 'refresh_token'] },
      secret,
    );
    conf = await discover(server.issuer, 'rp-reuse', secret);
  });
  after(() => server.close());

  /** The tries' outcomes: the ones refused, and the tokens of those that were not. */
  async function race<T>(tries: Promise<T>[]): Promise<T[]> {
    const settled = await Promise.allSettled(tries);
    for (const t of settled)
      if (t.status === 'rejected') assert.equal((t.reason as oidc.ResponseBodyError).error, 'invalid_grant');
    const won = settled.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
    assert.equal(won.length, 1, `one of ${settled.length} gets tokens`);
    return won;
  }

  const active = async (token: string) => (await oidc.tokenIntrospection(conf, token)).active;

  it('a code: one gets tokens, and they end with the grant', async () => {
    for (let round = 0; round < 4; round++) {
      const { callback, checks } = await signedInOffline(conf);
      const [tokens] = await race(Array.from({ length: 4 }, () => oidc.authorizationCodeGrant(conf, callback, checks)));
      assert.equal(await active(tokens!.access_token), false, `round ${round}: the access token ended`);
      await assert.rejects(
        oidc.refreshTokenGrant(conf, tokens!.refresh_token!),
        (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
      );
    }
  });

  it('a refresh token: one gets new tokens, and they end with the grant', async () => {
    for (let round = 0; round < 4; round++) {
      const { callback, checks } = await signedInOffline(conf);
      const first = await oidc.authorizationCodeGrant(conf, callback, checks);
      const [tokens] = await race(Array.from({ length: 4 }, () => oidc.refreshTokenGrant(conf, first.refresh_token!)));
      assert.equal(await active(tokens!.access_token), false, `round ${round}: the new access token ended`);
      await assert.rejects(
        oidc.refreshTokenGrant(conf, tokens!.refresh_token!),
        (e: oidc.ResponseBodyError) => e.error === 'invalid_grant',
      );
    }
  });
});
