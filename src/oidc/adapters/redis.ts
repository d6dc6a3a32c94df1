// oidc-provider state in Redis: one hash per entry, plus indexes by grant, uid and user code.
import type { Redis } from 'ioredis';
import { asPayload, epochSeconds, type OidcAdapter, type Payload } from './types.ts';

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
    if (payload.grantId) {
      const grantKey = this.#grantKey(payload.grantId);
      tx.sadd(grantKey, key);
      // The index lives as long as its longest member.
      if (expiresIn) tx.expire(grantKey, expiresIn, 'GT').expire(grantKey, expiresIn, 'NX');
    }
    for (const [field, value] of [['uid', payload.uid], ['userCode', payload.userCode]] as const) {
      if (value) {
        const indexKey = `${this.#prefix}${this.#model}:${field}:${value}`;
        tx.set(indexKey, id);
        if (expiresIn) tx.expire(indexKey, expiresIn);
      }
    }
    await tx.exec();
  }

  async find(id: string): Promise<Payload | undefined> {
    const entry = await this.#redis.hgetall(this.#key(id));
    const payload = asPayload(entry.payload);
    if (!payload) return undefined;
    const consumed = Number(entry.consumed);
    return Number.isFinite(consumed) && consumed > 0 ? { ...payload, consumed } : payload;
  }

  async #findByIndex(field: string, value: string) {
    const id = await this.#redis.get(`${this.#prefix}${this.#model}:${field}:${value}`);
    return id ? this.find(id) : undefined;
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
    await this.#redis.del(...keys, grantKey);
  }
}
