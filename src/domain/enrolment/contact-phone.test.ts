import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseContactPhone } from './contact-phone.ts';

describe('normaliseContactPhone', () => {
  it('keeps mobiles in the one stored form', () => {
    for (const input of ['0980123456', '0980-123-456', '+886 980 123 456', '886980123456']) {
      assert.equal(normaliseContactPhone(input), '0980123456', input);
    }
  });

  it('accepts landlines as in the seed (02-21235678) with the area code split off', () => {
    assert.equal(normaliseContactPhone('02-21235678'), '02-21235678');
    assert.equal(normaliseContactPhone('(02)2753-5316'), '02-27535316');
    assert.equal(normaliseContactPhone('02 2123 5678'), '02-21235678');
    assert.equal(normaliseContactPhone('0221235678'), '02-21235678');
    assert.equal(normaliseContactPhone('+886-2-2123-5678'), '02-21235678');
    assert.equal(normaliseContactPhone('037-322150'), '037-322150');
    assert.equal(normaliseContactPhone('04-2345-6789'), '04-23456789');
    assert.equal(normaliseContactPhone('(02)2753-5316轉246'), '02-27535316#246');
    assert.equal(normaliseContactPhone('02-27535316 ext. 712'), '02-27535316#712');
    assert.equal(normaliseContactPhone('０２－２１２３５６７８'), '02-21235678', 'full-width digits');
  });

  it('refuses what is neither', () => {
    for (const input of [
      '',
      '12345',
      '09345678',
      '02-1234567',
      '00-21235678',
      '02-0123456',
      '02-212356789012',
      'phone',
      '02-2123x5678',
      '0912345678901',
    ]) {
      assert.equal(normaliseContactPhone(input), undefined, input);
    }
  });
});
