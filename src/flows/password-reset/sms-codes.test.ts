import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { issueResetToken, peekResetToken, resetTokenKey, stillValid, takeResetToken } from './reset-tokens.ts';
import { checkSmsCode, CODE_MAX_TRIES, issueSmsCode, ticketKey } from './sms-codes.ts';

/** A SharedStore in a Map (no expiry: the real stores' TTLs are tested over HTTP). */
function memoryStore(): SharedStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  const counts = new Map<string, number>();
  return {
    values,
    async increment(key) { counts.set(key, (counts.get(key) ?? 0) + 1); return counts.get(key)!; },
    async count(key) { return counts.get(key) ?? 0; },
    async reset(key) { counts.delete(key); },
    async put(key, value) { values.set(key, value); },
    async peek(key) { return values.get(key); },
    async take(key) { const v = values.get(key); values.delete(key); return v; },
  };
}

const PERSON = '6f1c9f6e-3b7a-4c1e-9a55-2f4d8e0b7c11';
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('SMS codes', () => {
  it('accepts the right code once, keeping only its hash', async () => {
    const store = memoryStore();
    const { ticket, code } = await issueSmsCode(store, PERSON, 'uid-1');
    assert.match(code, /^\d{6}$/);
    assert.ok(!store.values.get(ticketKey(ticket))!.includes(code));
    assert.deepEqual({ ...(await checkSmsCode(store, ticket, code)), issuedAt: 0 }, { result: 'ok', personId: PERSON, interaction: 'uid-1', issuedAt: 0 });
    assert.deepEqual(await checkSmsCode(store, ticket, code), { result: 'expired' });
  });

  it(`allows ${CODE_MAX_TRIES} wrong tries, the last of which ends the ticket`, async () => {
    const store = memoryStore();
    const { ticket, code } = await issueSmsCode(store, PERSON);
    for (let left = CODE_MAX_TRIES - 1; left > 0; left--) {
      assert.deepEqual(await checkSmsCode(store, ticket, wrong(code)), { result: 'wrong', triesLeft: left, interaction: undefined });
    }
    assert.equal((await checkSmsCode(store, ticket, wrong(code))).result, 'too_many');
    assert.equal((await checkSmsCode(store, ticket, code)).result, 'expired');
  });

  it('never accepts a code for a ticket without a person', async () => {
    const store = memoryStore();
    const { ticket, code } = await issueSmsCode(store, null);
    assert.equal((await checkSmsCode(store, ticket, code)).result, 'wrong');
  });

  it('treats malformed tickets and stored garbage as expired', async () => {
    const store = memoryStore();
    assert.deepEqual(await checkSmsCode(store, '../../etc', '123456'), { result: 'expired' });
    assert.deepEqual(await checkSmsCode(store, 42, '123456'), { result: 'expired' });
    const ticket = 'A'.repeat(22);
    await store.put(ticketKey(ticket), '{"personId":"not a uuid"', 600);
    assert.deepEqual(await checkSmsCode(store, ticket, '123456'), { result: 'expired' });
  });
});

describe('reset tokens', () => {
  it('stores a hash, peeks without spending, takes once', async () => {
    const store = memoryStore();
    const token = await issueResetToken(store, { personId: PERSON, via: 'email' }, 3600);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(store.values.has(resetTokenKey(token)));
    assert.ok(![...store.values.keys()].some((k) => k.includes(token)));
    assert.equal((await peekResetToken(store, token))?.personId, PERSON);
    assert.equal((await takeResetToken(store, token))?.personId, PERSON);
    assert.equal(await takeResetToken(store, token), undefined);
    assert.equal(await peekResetToken(store, 'short'), undefined);
  });

  it('is void once the password changed after it was issued', () => {
    const grant = { personId: PERSON, via: 'email' as const, issuedAt: Date.parse('2026-11-23T10:00:00Z') };
    assert.equal(stillValid(grant, null), true);
    assert.equal(stillValid(grant, new Date('2026-11-23T09:00:00Z')), true);
    assert.equal(stillValid(grant, new Date('2026-11-23T10:00:01Z')), false);
  });
});
