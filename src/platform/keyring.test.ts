import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { Keyring } from './keyring.ts';

const ring = new Keyring(crypto.randomBytes(32));

test('seal and open round-trip, each seal differs', () => {
  const a = ring.seal('key-storage', 'secret value');
  const b = ring.seal('key-storage', 'secret value');
  assert.notEqual(a, b);
  assert.equal(ring.open('key-storage', a), 'secret value');
});

test('a sealed value cannot be opened for another purpose or after tampering', () => {
  const sealed = ring.seal('key-storage', 'x');
  assert.throws(() => ring.open('national-id', sealed));
  const parts = sealed.split('.');
  // Flip one bit of the ciphertext (writing a fixed byte would leave it unchanged once in 256 seals).
  const data = Buffer.from(parts[3]!, 'base64url');
  data[0] = (data[0] ?? 0) ^ 1;
  parts[3] = data.toString('base64url');
  assert.throws(() => ring.open('key-storage', parts.join('.')));
  assert.throws(() => new Keyring(crypto.randomBytes(32)).open('key-storage', sealed));
});

test('blind index is deterministic per key and purpose', () => {
  assert.equal(ring.blindIndex('national-id-index', 'A123456789'), ring.blindIndex('national-id-index', 'A123456789'));
  assert.notEqual(ring.blindIndex('national-id-index', 'A123456789'), ring.blindIndex('pairwise', 'A123456789'));
});
