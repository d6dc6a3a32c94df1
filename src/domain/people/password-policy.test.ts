import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPasswordPolicy, type PasswordContext } from './password-policy.ts';

const person = { username: 'teacher', email: 'wang.xm@school.example.edu.tw', name: '王小明' };
const check = (password: string, context: PasswordContext = person) => checkPasswordPolicy(password, context);

describe('checkPasswordPolicy', () => {
  it('accepts a long, unusual password', () => {
    assert.equal(check('Blue-Kettle-1987'), undefined);
    assert.equal(check('correct horse battery staple'), undefined);
    assert.equal(check('我的密碼是藍色茶壺'), undefined, 'Chinese characters count as characters');
    assert.equal(check(`${'x'.repeat(7)}y`), undefined, 'exactly 8 characters');
  });

  it('refuses fewer than 8 characters, counted as characters, not bytes or UTF-16 units', () => {
    assert.equal(check(''), 'password.policy.tooShort');
    assert.equal(check('Ab3$ef7'), 'password.policy.tooShort');
    assert.equal(check('藍色茶壺好'), 'password.policy.tooShort', '5 characters, 15 bytes');
    assert.equal(check('😀😀😀😀ab'), 'password.policy.tooShort', '6 characters, 10 UTF-16 units');
  });

  it('refuses more than 72 bytes of UTF-8 (what bcrypt reads)', () => {
    assert.equal(check(`${'k'.repeat(71)}z`), undefined);
    assert.equal(check(`${'k'.repeat(72)}z`), 'password.policy.tooLong');
    assert.equal(check('藍色茶壺'.repeat(6)), undefined, '24 characters = 72 bytes');
    assert.equal(check(`${'藍色茶壺'.repeat(6)}a`), 'password.policy.tooLong', '25 characters = 73 bytes');
  });

  it('refuses one character repeated', () => {
    assert.equal(check('aaaaaaaa'), 'password.policy.repeated');
    assert.equal(check('00000000000'), 'password.policy.repeated');
    assert.equal(check('😀😀😀😀😀😀😀😀'), 'password.policy.repeated');
    assert.equal(check('aaaaaaab'), undefined);
  });

  it('refuses common passwords, whatever their case', () => {
    for (const p of [
      'password',
      'Password1',
      '12345678',
      'QWERTYUIOP',
      'iloveyou',
      '1qaz2wsx',
      'Passw0rd',
      'campus-sso',
    ]) {
      assert.equal(check(p), 'password.policy.common', p);
    }
  });

  it('refuses the account name, the email, its local part or the name, also inside the password', () => {
    assert.equal(check('Teacher2026!'), 'password.policy.personal');
    assert.equal(check('wang.xm@school.example.edu.tw'), 'password.policy.personal');
    assert.equal(check('WANG.XM-rocks'), 'password.policy.personal');
    assert.equal(check('王小明的新密碼啦'), 'password.policy.personal');
    assert.equal(
      check('Lin Hsiao-Hua 99', { username: null, email: null, name: 'lin hsiao-hua' }),
      'password.policy.personal',
    );
    // A very short word only counts when it is the whole password.
    assert.equal(check('xy-Kettle-1987', { username: 'xy', email: null, name: null }), undefined);
  });

  it('needs no context', () => {
    assert.equal(checkPasswordPolicy('Blue-Kettle-1987', {}), undefined);
    assert.equal(checkPasswordPolicy('Blue-Kettle-1987', { username: null, email: null, name: null }), undefined);
  });
});
