import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskEmail, maskMobile, maskName } from './masks.ts';

test('names keep their first and last character', () => {
  assert.equal(maskName('吳三寶'), '吳○寶');
  assert.equal(maskName('歐陽小明'), '歐○○明');
  assert.equal(maskName('王明'), '王○');
  assert.equal(maskName('明'), '○');
  assert.equal(maskName(' Lin Hua '), 'L○○○○○a');
});

test('emails and mobile numbers show only their ends', () => {
  assert.equal(maskEmail('parent@example.com'), 'par***@example.com');
  assert.equal(maskEmail('ab@example.com'), 'a***@example.com');
  assert.equal(maskEmail('broken'), '***');
  assert.equal(maskMobile('0912345678'), '0912***678');
});
