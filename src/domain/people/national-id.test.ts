import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidNationalId, maskNationalId, nationalIdKind } from './national-id.ts';

test('accepts valid national IDs and both resident-certificate formats', () => {
  assert.equal(nationalIdKind('A123456789'), 'national_id');
  assert.equal(nationalIdKind('F131104093'), 'national_id');
  assert.equal(nationalIdKind(' a123456789 '), 'national_id', 'case and spaces are normalised');
  assert.equal(nationalIdKind('Ａ１２３４５６７８９'), 'national_id', 'full-width input is normalised');
  assert.equal(nationalIdKind('A800000014'), 'resident_new');
  assert.equal(nationalIdKind('AC01234567'), 'resident_old');
});

test('refuses wrong checksums, shapes and letters', () => {
  for (const bad of [
    'A123456788',
    'A323456789',
    'A12345678',
    'A1234567890',
    '1123456789',
    'AE01234567',
    'A80000001X',
    '',
    'A800000015',
    'AC01234568',
  ]) {
    assert.equal(isValidNationalId(bad), false, bad);
  }
});

test('masks all but the first three and last three characters', () => {
  assert.equal(maskNationalId('A123456789'), 'A12****789');
  assert.equal(maskNationalId('ac01234567'), 'AC0****567');
});
