import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import Provider from 'oidc-provider';
import { rememberClientMetadata } from './client-metadata.ts';

const stored = new Map<string, Record<string, unknown>>();
/** Clients as a registration would store them; nothing else is kept. */
class Clients {
  readonly model: string;
  constructor(model: string) {
    this.model = model;
  }
  async find(id: string) {
    return this.model === 'Client' ? stored.get(id) : undefined;
  }
  async upsert() {}
  async findByUid() {}
  async findByUserCode() {}
  async consume() {}
  async destroy() {}
  async revokeByGrantId() {}
}

function provider(): Provider {
  const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return new Provider('http://localhost:3000', {
    adapter: Clients,
    jwks: { keys: [{ ...key, alg: 'ES256', use: 'sig' }] },
    features: { devInteractions: { enabled: false } },
    extraClientMetadata: { properties: ['allowed_roles'] },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    clients: [{ client_id: 'static', client_secret: 's'.repeat(40), redirect_uris: ['https://rp.test/cb'] }],
  });
}

describe('rememberClientMetadata', () => {
  it("gives what oidc-provider builds, a copy each time, and a changed client's new metadata", async () => {
    stored.set('dyn', {
      client_id: 'dyn',
      client_secret: 'd'.repeat(40),
      redirect_uris: ['https://rp.test/cb'],
      allowed_roles: ['teacher'],
    });
    const plain = provider();
    const kept = provider();
    rememberClientMetadata(kept);
    for (const id of ['static', 'dyn'])
      assert.deepEqual((await kept.Client.find(id))!.metadata(), (await plain.Client.find(id))!.metadata());

    const client = (await kept.Client.find('dyn'))!;
    const first = client.metadata();
    first.client_name = 'changed by a caller';
    first.allowed_roles = [];
    assert.equal(client.metadata().client_name, undefined, "one caller's change is not another's");
    assert.deepEqual(client.metadata().allowed_roles, ['teacher']);

    stored.set('dyn', { ...stored.get('dyn'), allowed_roles: ['parent'] });
    assert.deepEqual((await kept.Client.find('dyn'))!.metadata().allowed_roles, ['parent'], 'a changed client');
  });
});
