// oidc-provider state in Redis: one hash per entry, plus indexes by grant, uid and user code.
import type { Redis } from 'ioredis';
import { asPayload, epochSeconds, type OidcAdapter, type Payload } from './types.ts';

/**
 * Adds an entry (ARGV[1]) to its grant's index (KEYS[1]) and keeps the index alive as long as its longest-lived member:
 * ARGV[2] is the entry's lifetime in seconds, 0 for none. An index with a member that never expires never expires.
 */
const ADD_TO_GRANT = `
local ttl = redis.call('PTTL', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
local seconds = tonumber(ARGV[2])
if seconds == 0 then
  redis.call('PERSIST', KEYS[1])
elseif ttl == -2 or (ttl >= 0 and ttl < seconds * 1000) then
  redis.call('EXPIRE', KEYS[1], seconds)
end
return 1`;

export class RedisAdapter implements OidcAdapter {
  readonly #redis: Redis;
  readonly #model: string;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string, model: string) {
    this.#redis = redis;
    this.#model = model;
    this.#prefix = prefix;
  }

  #key(id: string) {
    return `${this.#prefix}${this.#model}:${id}`;
  }

  #grantKey(grantId: string) {
    return `${this.#prefix}grant:${grantId}`;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    const tx = this.#redis.multi().del(key).hset(key, 'payload', JSON.stringify(payload));
    if (expiresIn) tx.expire(key, expiresIn);
    if (payload.grantId) tx.eval(ADD_TO_GRANT, 1, this.#grantKey(payload.grantId), key, String(expiresIn ?? 0));
    for (const [field, value] of [
      ['uid', payload.uid],
      ['userCode', payload.userCode],
    ] as const) {
      if (value) {
        const indexKey = `${this.#prefix}${this.#model}:${field}:${value}`;
        tx.set(indexKey, id);
        if (expiresIn) tx.expire(indexKey, expiresIn);
      }
    }
    // A MULTI reports the failure of a single command in its results rather than by rejecting.
    for (const [err] of (await tx.exec()) ?? []) if (err) throw err;
  }

  async find(id: string): Promise<Payload | undefined> {
    const entry = await this.#redis.hgetall(this.#key(id));
    const payload = asPayload(entry.payload);
    if (!payload) return undefined;
    const consumed = Number(entry.consumed);
    return Number.isFinite(consumed) && consumed > 0 ? { ...payload, consumed } : payload;
  }

  async #findByIndex(field: 'uid' | 'userCode', value: string) {
    const id = await this.#redis.get(`${this.#prefix}${this.#model}:${field}:${value}`);
    const payload = id ? await this.find(id) : undefined;
    // Indexes are not cleaned up when an entry is re-saved with another value or destroyed: check they still hold.
    return payload?.[field] === value ? payload : undefined;
  }

  findByUid(uid: string) {
    return this.#findByIndex('uid', uid);
  }

  findByUserCode(userCode: string) {
    return this.#findByIndex('userCode', userCode);
  }

  async consume(id: string): Promise<void> {
    const key = this.#key(id);
    // Only mark entries that exist, so a consumed mark never outlives (or resurrects) its entry.
    if (await this.#redis.exists(key)) await this.#redis.hset(key, 'consumed', String(epochSeconds()));
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = this.#grantKey(grantId);
    const keys = await this.#redis.smembers(grantKey);
    // An entry re-saved under another grant is still listed here, but is no longer this grant's to revoke.
    const stored = keys.length
      ? ((await this.#redis.pipeline(keys.map((key) => ['hget', key, 'payload'])).exec()) ?? [])
      : [];
    const members = keys.filter((_, i) => {
      const payload = asPayload(stored[i]?.[1]);
      return !payload || payload.grantId === grantId;
    });
    await this.#redis.del(...members, grantKey);
  }
}
