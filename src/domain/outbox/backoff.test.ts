import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, DEFAULT_BACKOFF } from './backoff.ts';

const exact = () => 0.5; // no jitter

test('the default schedule is 5 s, 30 s, 2 min, 10 min, then 1 h', () => {
  const delays = [1, 2, 3, 4, 5, 6, 20].map((n) => backoffMs(n, DEFAULT_BACKOFF, exact));
  assert.deepEqual(delays, [5000, 30_000, 120_000, 600_000, 3_600_000, 3_600_000, 3_600_000]);
});

test('the base scales the schedule and the cap bounds it', () => {
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffMs(n, { baseMs: 10, capMs: 1000 }, exact)),
    [10, 60, 240],
  );
  assert.equal(backoffMs(4, { baseMs: 10, capMs: 1000 }, exact), 1000);
  assert.equal(backoffMs(0, { baseMs: 10, capMs: 1000 }, exact), 10);
});

test('jitter stays within ±10 %', () => {
  assert.equal(
    backoffMs(1, DEFAULT_BACKOFF, () => 0),
    4500,
  );
  assert.equal(
    backoffMs(1, DEFAULT_BACKOFF, () => 1),
    5500,
  );
});
