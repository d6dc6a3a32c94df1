import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { isUuid } from './uuid.ts';

test('a UUID as we make and store it passes', () => {
  assert.equal(isUuid(crypto.randomUUID()), true);
  assert.equal(isUuid('00000000-0000-0000-0000-000000000000'), true);
});

test('36 characters of the right kind that are not a UUID do not, nor do other spellings or types', () => {
  for (const id of [
    'a'.repeat(36),
    '-'.repeat(36),
    '0'.repeat(36),
    `${'0'.repeat(32)}----`,
    '0000000-00000-0000-0000-000000000000',
    crypto.randomUUID().toUpperCase(),
    `{${crypto.randomUUID()}}`,
    crypto.randomUUID().replaceAll('-', ''),
    `${crypto.randomUUID()}\n`,
    ` ${crypto.randomUUID()}`,
    'g0000000-0000-0000-0000-000000000000',
    '',
  ])
    assert.equal(isUuid(id), false, id);
  for (const value of [undefined, null, 1, {}, [crypto.randomUUID()]]) assert.equal(isUuid(value), false);
});
