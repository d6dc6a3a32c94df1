import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRocDate, parseRocDate, rocYear, termOn } from './calendar.ts';

test('academic terms follow the Taiwanese school year', () => {
  assert.deepEqual(termOn(new Date(2026, 7, 1)), { academicYear: 115, semester: 1 });
  assert.deepEqual(termOn(new Date(2026, 10, 23)), { academicYear: 115, semester: 1 });
  assert.deepEqual(termOn(new Date(2027, 0, 20)), { academicYear: 115, semester: 1 });
  assert.deepEqual(termOn(new Date(2027, 1, 1)), { academicYear: 115, semester: 2 });
  assert.deepEqual(termOn(new Date(2027, 6, 31)), { academicYear: 115, semester: 2 });
  assert.equal(rocYear(new Date(2026, 0, 1)), 115);
});

test('ROC dates as schools write them, to ISO dates and back', () => {
  assert.equal(parseRocDate('104/08/31'), '2015-08-31');
  assert.equal(parseRocDate(' 105/1/30 '), '2016-01-30');
  assert.equal(parseRocDate('99.2.1'), '2010-02-01');
  assert.equal(parseRocDate('104-08-31'), '2015-08-31');
  assert.equal(parseRocDate('104/02/30'), undefined, 'no 30 February');
  assert.equal(parseRocDate('104/13/01'), undefined);
  assert.equal(parseRocDate('2015/08/31'), undefined, 'a western year is not an ROC year');
  assert.equal(parseRocDate('104年8月31日'), undefined);
  assert.equal(parseRocDate(''), undefined);
  assert.equal(formatRocDate('2015-08-31'), '104/08/31');
  assert.equal(formatRocDate(parseRocDate('105/1/30')!), '105/01/30');
});
