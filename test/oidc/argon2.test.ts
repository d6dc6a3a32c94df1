// PASSWORD_HASH=argon2id (issue 16, item 4): a person whose password was hashed with bcrypt signs in as before, and the
// stored hash becomes argon2id; signing in again works with the new hash.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcrypt';
import { PERSON_PASSWORD, personWith, signInToAccount } from '../helpers/account.ts';
import { Agent } from '../helpers/agent.ts';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';

describe(`argon2id passwords (${storageMode})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ PASSWORD_HASH: 'argon2id' });
  });
  after(async () => {
    await server?.close();
  });

  it('rehashes a bcrypt password with argon2id at the next sign-in', async () => {
    const { personId, email } = await personWith(server, [{ role: 'parent', schoolCode: '353604' }], 'argon');
    const db = server.storage.db;
    await db('persons')
      .where({ id: personId })
      .update({ password_hash: await bcrypt.hash(PERSON_PASSWORD, 4) });
    const first = await signInToAccount(server.issuer, new Agent(), email, PERSON_PASSWORD);
    assert.equal(first.status, 200);
    const stored = (await db('persons').where({ id: personId }).first()).password_hash as string;
    assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const again = await signInToAccount(server.issuer, new Agent(), email, PERSON_PASSWORD);
    assert.equal(again.status, 200);
  });
});
