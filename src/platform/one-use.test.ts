import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { Keyring } from './keyring.ts';
import { OneUseStore } from './one-use.ts';
import type { SharedStore } from './shared-store/types.ts';

/** A SharedStore in a Map (no expiry: the real stores' TTLs are tested over HTTP and in the store contract). */
function memoryStore(): SharedStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  const counts = new Map<string, number>();
  return {
    values,
    async increment(key) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return counts.get(key)!;
    },
    async count(key) {
      return counts.get(key) ?? 0;
    },
    async decrement(key) {
      if ((counts.get(key) ?? 0) > 0) counts.set(key, counts.get(key)! - 1);
    },
    async reset(key) {
      counts.delete(key);
    },
    async put(key, value) {
      values.set(key, value);
    },
    async peek(key) {
      return values.get(key);
    },
    async take(key) {
      const v = values.get(key);
      values.delete(key);
      return v;
    },
  };
}

const keyring = new Keyring(crypto.randomBytes(32));
const PERSON = '6f1c9f6e-3b7a-4c1e-9a55-2f4d8e0b7c11';
const Value = z.object({ personId: z.uuid() });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('one-use values', () => {
  it('keeps neither the token nor the value readable in the store; peeks without spending; takes once', async () => {
    const store = memoryStore();
    const kind = new OneUseStore(store, keyring).kind({ name: 'ticket', schema: Value, ttlSeconds: 60 });
    const token = await kind.issue({ personId: PERSON });
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(![...store.values.keys()].some((k) => k.includes(token)), 'keys hold a digest of the token');
    assert.ok(![...store.values.values()].some((v) => v.includes(PERSON)), 'values are sealed');
    assert.deepEqual(await kind.peek(token), { personId: PERSON });
    assert.deepEqual(await kind.take(token), { personId: PERSON });
    assert.equal(await kind.take(token), undefined);
  });

  it('opens a value only with its own token, kind and master secret', async () => {
    const store = memoryStore();
    const one = new OneUseStore(store, keyring);
    const token = await one.kind({ name: 'a', schema: Value, ttlSeconds: 60 }).issue({ personId: PERSON });
    const [key, sealed] = [...store.values][0]!;
    store.values.set(key.replace(':a:', ':b:'), sealed);
    assert.equal(await one.kind({ name: 'b', schema: Value, ttlSeconds: 60 }).peek(token), undefined, 'another kind');
    assert.equal(
      await new OneUseStore(store, new Keyring(crypto.randomBytes(32)))
        .kind({ name: 'a', schema: Value, ttlSeconds: 60 })
        .peek(token),
      undefined,
      'another master secret',
    );
  });

  it('treats malformed tokens and stored garbage as missing', async () => {
    const store = memoryStore();
    const kind = new OneUseStore(store, keyring).kind({ name: 'ticket', schema: Value, ttlSeconds: 60 });
    for (const token of ['../../etc', 42, undefined, 'x'.repeat(100)]) assert.equal(await kind.peek(token), undefined);
    const token = await kind.issue({ personId: PERSON });
    const [key] = [...store.values][0]!;
    store.values.set(key, 'v1.garbage');
    assert.equal(await kind.take(token), undefined);
  });
});

describe('verification codes', () => {
  const MAX = 5;
  const codes = (store = memoryStore()) => ({
    store,
    kind: new OneUseStore(store, keyring).codes({ name: 'otp', schema: Value, ttlSeconds: 600, maxTries: MAX }),
  });

  it('accepts the right code once, keeping neither the code nor the value readable', async () => {
    const { store, kind } = codes();
    const { ticket, code } = await kind.issue({ personId: PERSON });
    assert.match(code, /^\d{6}$/);
    assert.ok(![...store.values.values()].some((v) => v.includes(code) || v.includes(PERSON)));
    assert.deepEqual(await kind.check(ticket, code), { result: 'ok', value: { personId: PERSON } });
    assert.deepEqual(await kind.check(ticket, code), { result: 'expired' });
  });

  it(`allows ${MAX} wrong tries, the last of which ends the ticket`, async () => {
    const { kind } = codes();
    const { ticket, code } = await kind.issue({ personId: PERSON });
    for (let left = MAX - 1; left > 0; left--) {
      assert.deepEqual(await kind.check(ticket, wrong(code)), {
        result: 'wrong',
        triesLeft: left,
        value: { personId: PERSON },
      });
    }
    assert.equal((await kind.check(ticket, wrong(code))).result, 'too_many');
    assert.equal((await kind.check(ticket, code)).result, 'expired');
  });

  it('issuing again under the same ticket replaces the code and starts the tries anew', async () => {
    const { kind } = codes();
    const first = await kind.issue({ personId: PERSON }, `email:${PERSON}`);
    for (let i = 0; i < MAX - 1; i++) await kind.check(first.ticket, wrong(first.code));
    const second = await kind.issue({ personId: PERSON }, `email:${PERSON}`);
    assert.equal(second.ticket, first.ticket);
    if (second.code !== first.code)
      assert.equal((await kind.check(second.ticket, first.code)).result, 'wrong', 'the old code is void');
    assert.equal((await kind.check(second.ticket, second.code)).result, 'ok');
  });

  it('treats malformed tickets and stored garbage as expired', async () => {
    const { store, kind } = codes();
    assert.deepEqual(await kind.check('../../etc', '123456'), { result: 'expired' });
    assert.deepEqual(await kind.check(42, '123456'), { result: 'expired' });
    const { ticket } = await kind.issue({ personId: PERSON });
    const [key] = [...store.values][0]!;
    store.values.set(key, '{"value":"not sealed"}');
    assert.deepEqual(await kind.check(ticket, '123456'), { result: 'expired' });
  });
});
