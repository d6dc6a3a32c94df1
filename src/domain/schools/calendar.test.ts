import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rocYear, termOn } from './calendar.ts';

test('academic terms follow the Taiwanese school year', () => {
  assert.deepEqual(termOn(new Date(2026, 7, 1)), { academicYear: 115, semester: 1 });
  assert.deepEqual(termOn(new Date(2026, 10, 23)), { academicYear: 115, semester: 1 });
  assert.deepEqual(termOn(new Date(2027, 0, 20)), { academicYear: 115, semester: 1 });
  assert.deepEqual(termOn(new Date(2027, 1, 1)), { academicYear: 115, semester: 2 });
  assert.deepEqual(termOn(new Date(2027, 6, 31)), { academicYear: 115, semester: 2 });
  assert.equal(rocYear(new Date(2026, 0, 1)), 115);
});
