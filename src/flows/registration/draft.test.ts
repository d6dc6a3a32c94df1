import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { loadDraft, saveDraft, type Draft } from './draft.ts';
import { EMPTY_VALUES } from './form.ts';

function memoryStore(): SharedStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    increment: async () => 1, count: async () => 0, reset: async () => {},
    put: async (k, v) => void values.set(k, v),
    peek: async (k) => values.get(k),
    take: async (k) => {
      const v = values.get(k);
      values.delete(k);
      return v;
    },
  };
}

const draft: Draft = { values: { ...EMPTY_VALUES, email: 'a@example.org', nationalId: 'A123456789' }, password: 'Blue-Kettle-1987', ready: true };

describe('registration draft', () => {
  it('comes back with the secret it was saved under, and is stored sealed', async () => {
    const store = memoryStore();
    const secret = await saveDraft(store, undefined, draft);
    assert.match(secret, /^[\w-]{43}$/);
    assert.deepEqual(await loadDraft(store, secret), draft);
    const [key, value] = [...store.values][0]!;
    assert.ok(!key!.includes(secret), 'stored under a digest of the secret');
    for (const clear of ['A123456789', 'Blue-Kettle-1987', 'a@example.org']) assert.ok(!value!.includes(clear));
    // Saving again keeps the secret.
    assert.equal(await saveDraft(store, secret, { ...draft, ready: false }), secret);
    assert.equal((await loadDraft(store, secret))?.ready, false);
  });

  it('opens with nothing else: another secret, a malformed one, a tampered value', async () => {
    const store = memoryStore();
    const secret = await saveDraft(store, undefined, draft);
    const other = await saveDraft(store, undefined, draft);
    assert.notEqual(other, secret);
    assert.equal(await loadDraft(store, 'x'.repeat(43)), undefined);
    assert.equal(await loadDraft(store, 'short'), undefined);
    assert.equal(await loadDraft(store, undefined), undefined);
    // One character of the ciphertext changed (the first: every bit of it counts).
    for (const [key, value] of store.values) {
      const [iv, tag, data] = value.split('.');
      store.values.set(key, [iv, tag, `${data![0] === 'A' ? 'B' : 'A'}${data!.slice(1)}`].join('.'));
    }
    assert.equal(await loadDraft(store, secret), undefined);
  });
});
