import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PASSWORD_BYTES, Passwords } from './passwords.ts';

test('a password longer than bcrypt reads never matches, though its first 72 bytes do', async () => {
  const passwords = new Passwords(4);
  const exact = 'a'.repeat(MAX_PASSWORD_BYTES);
  const hash = await passwords.hash(exact);
  assert.equal(await passwords.verify(exact, hash), true);
  assert.equal(await passwords.verify(`${exact}anything`, hash), false);
  assert.equal(await passwords.verify(exact.slice(1), hash), false);
});

test('argon2id (PASSWORD_HASH=argon2id): OWASP parameters; bcrypt hashes still match and are due for a rehash', async () => {
  const argon = new Passwords(4, 'argon2id');
  const bcryptOnly = new Passwords(4);
  const hash = await argon.hash('Blue-Kettle-1987');
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await argon.verify('Blue-Kettle-1987', hash), true);
  assert.equal(await argon.verify('Blue-Kettle-1988', hash), false);
  assert.equal(argon.needsRehash(hash), false);

  const old = await bcryptOnly.hash('Blue-Kettle-1987');
  assert.equal(await argon.verify('Blue-Kettle-1987', old), true, 'a bcrypt hash signs in under argon2id');
  assert.equal(argon.needsRehash(old), true);
  // Back to bcrypt: an argon2id hash still signs in, and is replaced.
  assert.equal(await bcryptOnly.verify('Blue-Kettle-1987', hash), true);
  assert.equal(bcryptOnly.needsRehash(hash), true);
  assert.equal(bcryptOnly.needsRehash(old), false);
  // Other argon2 parameters are due for a rehash too; a broken hash never matches.
  const weaker = hash.replace('m=19456,t=2', 'm=19456,t=1');
  assert.equal(argon.needsRehash(weaker), true);
  assert.equal(await argon.verify('Blue-Kettle-1987', '$argon2id$broken'), false);
  assert.equal(
    await argon.verify('a'.repeat(MAX_PASSWORD_BYTES + 1), await argon.hash('a'.repeat(MAX_PASSWORD_BYTES + 1))),
    false,
  );
});
