// oidc-provider state in Redis: one hash per entry, plus indexes by grant, uid and user code. Every command and
// script touches one key, so the same code runs on one server and on a Redis Cluster (where keys of several slots
// cannot share a MULTI or a script). What used to be one MULTI is now ordered steps, each safe if the process stops
// after it: see upsert and revokeByGrantId.
import type { RedisClient } from '../../platform/storage/redis-connection.ts';
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

/**
 * Deletes an entry (KEYS[1]) listed in grant ARGV[1]'s index unless it is a JSON object of another grant (or of none):
 * an entry saved again under another grant is not this grant's to revoke, one that cannot be read goes. Returns 1 if
 * it deleted the entry, 0 if it left it, -1 if there was nothing stored.
 */
const REVOKE_ENTRY = `
local raw = redis.call('HGET', KEYS[1], 'payload')
if not raw then
  return -1
end
local ok, payload = pcall(cjson.decode, raw)
local object = ok and type(payload) == 'table' and next(payload) ~= nil and payload[1] == nil
if object and payload.grantId ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1`;

/** Takes the entries just revoked (ARGV) off the grant's index (KEYS[1]), and the index itself once it is empty. */
const FORGET_REVOKED = `
for i = 1, #ARGV, 1000 do
  redis.call('SREM', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
if redis.call('SCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
end
return 1`;

/** Marks an entry (KEYS[1]) consumed at ARGV[1], only if it exists: a mark never outlives or resurrects its entry. */
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'consumed', ARGV[1])
return 1`;

export class RedisAdapter implements OidcAdapter {
  readonly #redis: RedisClient;
  readonly #model: string;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string, model: string) {
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

  #indexKey(field: 'uid' | 'userCode', value: string) {
    return `${this.#prefix}${this.#model}:${field}:${value}`;
  }

  /**
   * In three steps, each on one key, in this order: (1) the grant's index lists the entry, (2) the entry itself,
   * atomically (MULTI), (3) its uid and user-code lookups. Stopped after (1), the index names an entry that is not
   * there (harmless: revoking finds nothing); the other order could leave an entry that revoking its grant would
   * miss. Stopped after (2), the entry is not yet found by uid or user code (the sign-in or device flow starts
   * again; the next save writes them); the other order would lose the lookup for a moment on every save of a
   * session under a new id.
   */
  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    if (payload.grantId)
      await this.#redis.eval(ADD_TO_GRANT, 1, this.#grantKey(payload.grantId), key, String(expiresIn ?? 0));
    const tx = this.#redis.multi().del(key).hset(key, 'payload', JSON.stringify(payload));
    if (expiresIn) tx.expire(key, expiresIn);
    // A MULTI reports the failure of a single command in its results rather than by rejecting.
    for (const [err] of (await tx.exec()) ?? []) if (err) throw err;
    const lookups = (['uid', 'userCode'] as const).flatMap((field) => {
      const value = payload[field];
      return value ? [this.#indexKey(field, value)] : [];
    });
    await Promise.all(
      lookups.map((key) => (expiresIn ? this.#redis.set(key, id, 'EX', expiresIn) : this.#redis.set(key, id))),
    );
  }

  async find(id: string): Promise<Payload | undefined> {
    const entry = await this.#redis.hgetall(this.#key(id));
    const payload = asPayload(entry.payload);
    if (!payload) return undefined;
    const consumed = Number(entry.consumed);
    return Number.isFinite(consumed) && consumed > 0 ? { ...payload, consumed } : payload;
  }

  async #findByIndex(field: 'uid' | 'userCode', value: string) {
    const id = await this.#redis.get(this.#indexKey(field, value));
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
    await this.#redis.eval(CONSUME, 1, this.#key(id), String(epochSeconds()));
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.#key(id));
  }

  /**
   * Every entry the grant's index lists is checked and deleted on its own (each in its own slot), then the deleted
   * ones are taken off the index. Members not found are left listed: one may be an entry whose save has written the
   * index and not yet the entry (upsert's step 1); they go when the index expires with its longest-lived member.
   */
  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = this.#grantKey(grantId);
    const keys = await this.#redis.smembers(grantKey);
    const outcomes = await Promise.all(keys.map((key) => this.#redis.eval(REVOKE_ENTRY, 1, key, grantId)));
    const revoked = keys.filter((_, i) => outcomes[i] === 1);
    if (revoked.length) await this.#redis.eval(FORGET_REVOKED, 1, grantKey, ...revoked);
  }
}
