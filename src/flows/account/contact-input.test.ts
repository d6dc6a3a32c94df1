import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCode, parseContact, parseContactPhone } from './contact-input.ts';

test('email addresses are trimmed and lower-cased; malformed ones are refused', () => {
  assert.deepEqual(parseContact('email', '  Wang.Teacher@Example.TEST '), { value: 'wang.teacher@example.test' });
  assert.deepEqual(parseContact('email', 'no-at-sign'), { error: 'account.contact.invalidEmail' });
  assert.deepEqual(parseContact('email', `${'a'.repeat(250)}@example.test`), { error: 'account.contact.invalidEmail' });
  assert.deepEqual(parseContact('email', '   '), { error: 'account.contact.required.email' });
  assert.deepEqual(parseContact('mobile', ''), { error: 'account.contact.required.mobile' });
});

test('mobile numbers are stored as 09xxxxxxxx, from any usual way of writing them', () => {
  for (const typed of ['0912-345-678', '+886 912 345 678', '0912345678', '０９１２３４５６７８']) {
    assert.deepEqual(parseContact('mobile', typed), { value: '0912345678' }, typed);
  }
  assert.deepEqual(parseContact('mobile', '02-2345-6789'), { error: 'account.contact.invalidMobile' });
});

test('codes: six digits, full-width and spaces allowed', () => {
  assert.equal(parseCode(' 123 456 '), '123456');
  assert.equal(parseCode('１２３４５６'), '123456');
  assert.equal(parseCode('12345'), undefined);
  assert.equal(parseCode('12345a'), undefined);
});

test('contact phones are read as registration reads them: mobiles and landlines, full-width too', () => {
  for (const [typed, stored] of [
    ['0912-000-000', '0912000000'],
    ['＋８８６ ９１２ ０００ ０００', '0912000000'],
    [' (02)2123-0000 ', '02-21230000'],
    ['０２－２１２３００００', '02-21230000'],
    ['02-2123-0000 轉 123', '02-21230000#123'],
    ['037-322150', '037-322150'],
  ]) {
    assert.deepEqual(parseContactPhone(typed!, false), { value: stored }, typed);
  }
  for (const typed of ['12345', '02-0123-4567', 'call me', '0912-000-000-000'])
    assert.deepEqual(parseContactPhone(typed, true), { error: 'account.contactPhone.invalid' }, typed);
  assert.deepEqual(parseContactPhone(' 　', false), { error: 'account.contactPhone.required' });
  assert.deepEqual(parseContactPhone('', true), { error: 'account.contactPhone.requiredOrRemove' });
});
