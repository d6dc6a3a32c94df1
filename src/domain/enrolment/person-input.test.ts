import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPersonInput, type PersonValues } from './person-input.ts';

const values: PersonValues = {
  school: '353604',
  kind: 'teacher',
  email: ' Teacher@Mail.com ',
  name: ' 何  超人 ',
  nationalId: ' n123456780 ',
  phone: '02-21235678',
  gender: 'male',
};
const typed = { password: 'Blue-Kettle-1987', confirm: 'Blue-Kettle-1987' };

describe('checkPersonInput', () => {
  it('normalises what passes', () => {
    const { errors, valid } = checkPersonInput(
      { ...values, email: values.email.trim(), nationalId: values.nationalId.trim() },
      typed,
    );
    assert.deepEqual(errors, {});
    assert.deepEqual(valid, {
      schoolCode: '353604',
      kind: 'teacher',
      email: 'teacher@mail.com',
      name: '何 超人',
      nationalId: 'N123456780',
      phone: '02-21235678',
      gender: 'male',
      password: 'Blue-Kettle-1987',
    });
  });

  it('leaves optional fields out when empty', () => {
    const { valid } = checkPersonInput({ ...values, phone: '', gender: '' }, typed);
    assert.equal(valid?.phone, undefined);
    assert.equal(valid?.gender, undefined);
  });

  it('keeps an earlier password when both fields are left empty, checked again against the new name', () => {
    assert.equal(
      checkPersonInput(values, { password: '', confirm: '' }, 'Blue-Kettle-1987').valid?.password,
      'Blue-Kettle-1987',
    );
    assert.deepEqual(checkPersonInput(values, { password: '', confirm: '' }).errors, {
      password: 'password.field.required',
    });
    const renamed = checkPersonInput({ ...values, name: 'Kettle' }, { password: '', confirm: '' }, 'Blue-Kettle-1987');
    assert.deepEqual(renamed.errors, { password: 'password.policy.personal' });
    assert.equal(renamed.password, undefined, 'a password that no longer passes is not kept');
    // Typing a new one replaces it.
    assert.equal(
      checkPersonInput(values, { password: 'Green-Teapot-2001', confirm: 'Green-Teapot-2001' }, 'Blue-Kettle-1987')
        .valid?.password,
      'Green-Teapot-2001',
    );
  });

  it('keeps a password that passed even when another field did not', () => {
    const { errors, password, valid } = checkPersonInput({ ...values, email: 'nope' }, typed);
    assert.deepEqual(errors, { email: 'registration.errors.emailInvalid' });
    assert.equal(password, 'Blue-Kettle-1987');
    assert.equal(valid, undefined);
  });

  it('refuses a name of emoji or symbols, with the name message (the one name check: domain/people/person-name.ts)', () => {
    for (const name of ['😀🎉', '陳小明😀', '★', '--'])
      assert.deepEqual(checkPersonInput({ ...values, name }, typed).errors, {
        name: 'registration.errors.nameInvalid',
      });
    assert.deepEqual(checkPersonInput({ ...values, name: ' ' }, typed).errors, {
      name: 'registration.errors.nameRequired',
    });
    assert.deepEqual(checkPersonInput({ ...values, name: '陳'.repeat(51) }, typed).errors, {
      name: 'registration.errors.nameTooLong',
    });
    assert.equal(checkPersonInput({ ...values, name: '麥可·喬丹' }, typed).valid?.name, '麥可·喬丹');
  });
});
