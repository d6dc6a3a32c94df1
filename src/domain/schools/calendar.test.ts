import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRocDate, parseIsoDate, parseRocDate, parseTypedDate, rocYear, termOn } from './calendar.ts';

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

test('ISO dates only when they are real calendar dates (Date.parse takes 2013-02-30 for 2 March)', () => {
  assert.equal(parseIsoDate('2013-02-28'), '2013-02-28');
  assert.equal(parseIsoDate('2012-02-29'), '2012-02-29', 'a leap day');
  assert.equal(parseIsoDate('2013-02-29'), undefined);
  assert.equal(parseIsoDate('2013-02-30'), undefined);
  assert.equal(parseIsoDate('2026-13-45'), undefined);
  assert.equal(parseIsoDate('2013-2-3'), undefined, 'the ISO form only');
  assert.equal(parseIsoDate('0999-01-01'), undefined);
});

test('dates as people type them: ISO, with slashes, or in the ROC calendar', () => {
  assert.equal(parseTypedDate('2013-09-02'), '2013-09-02');
  assert.equal(parseTypedDate('2013/9/2'), '2013-09-02');
  assert.equal(parseTypedDate(' 2013.09.02 '), '2013-09-02');
  assert.equal(parseTypedDate('102/09/02'), '2013-09-02');
  assert.equal(parseTypedDate('102/9/2'), '2013-09-02');
  assert.equal(parseTypedDate('2013-02-30'), undefined);
  assert.equal(parseTypedDate('102/02/30'), undefined);
  assert.equal(parseTypedDate('yesterday'), undefined);
});
