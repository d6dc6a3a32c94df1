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
