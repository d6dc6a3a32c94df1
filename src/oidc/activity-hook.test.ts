import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recentWrites } from './activity-hook.ts';

describe('recentWrites', () => {
  it('lets a key be written once a minute, and again at once after a failed write', () => {
    let now = 1_000_000;
    const recent = recentWrites(() => now);
    assert.equal(recent.due('grant a'), true);
    assert.equal(recent.due('grant a'), false);
    assert.equal(recent.due('grant b'), true, 'another key is its own');
    now += 59_999;
    assert.equal(recent.due('grant a'), false);
    now += 1;
    assert.equal(recent.due('grant a'), true, 'a minute later');
    recent.forget('grant a');
    assert.equal(recent.due('grant a'), true, 'forgotten after a failure');
  });

  it('remembers at most 10,000 keys, forgetting the oldest', () => {
    const recent = recentWrites(() => 0);
    for (let i = 0; i < 10_001; i++) assert.equal(recent.due(`k${i}`), true);
    assert.equal(recent.due('k0'), true, 'the oldest was dropped');
    assert.equal(recent.due('k10000'), false, 'the newest is kept');
  });
});
