// oidc-provider state in Redis: one hash per entry, plus indexes by grant, uid and user code. Every command and
// script touches one key, so the same code runs on one server and on a Redis Cluster (where keys of several slots
// cannot share a MULTI or a script). A write is ordered steps, each safe if the process stops after it: see stepsOf
// and revokeByGrantId. Within an HTTP request the writes are kept and sent together at its end (deferred-writes.ts):
// on one server as one pipeline.
import crypto from 'node:crypto';
import { type ChainableCommander, Cluster } from 'ioredis';
import type { RedisClient } from '../../platform/storage/redis-connection.ts';
import {
  keepOrSend,
  type PendingWrite,
  READ_TOGETHER,
  requestWrites,
  upsertWrite,
  type WriteSender,
} from './deferred-writes.ts';
import { asPayload, epochSeconds, type OidcAdapter, type Payload } from './types.ts';

/**
 * A Lua script run by its SHA-1 (EVALSHA): the server keeps scripts it has seen, so the text goes over the wire and is
 * hashed there only when it does not know it yet (after a restart or SCRIPT FLUSH, on a new cluster node).
 */
class Script {
  readonly #lua: string;
  readonly #sha: string;

  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = crypto.createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: RedisClient, key: string, ...args: string[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, 1, key, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return redis.eval(this.#lua, 1, key, ...args);
    }
  }

  /** Adds the script to a pipeline, by hash or (`text`) whole. */
  queue(pipeline: ChainableCommander, text: boolean, key: string, ...args: string[]): void {
    if (text) pipeline.eval(this.#lua, 1, key, ...args);
    else pipeline.evalsha(this.#sha, 1, key, ...args);
  }
}

const isNoScript = (err: unknown) => err instanceof Error && err.message.startsWith('NOSCRIPT');

/**
 * Writes an entry (KEYS[1]) whole: its payload ARGV[1], no consumption mark, and a lifetime of ARGV[2] seconds (0 for
 * none). One command, atomic, instead of MULTI DEL HSET EXPIRE EXEC.
 */
const WRITE_ENTRY = new Script(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'payload', ARGV[1])
local seconds = tonumber(ARGV[2])
if seconds > 0 then
  redis.call('EXPIRE', KEYS[1], seconds)
end
return 1`);

/**
 * Adds an entry (ARGV[1]) to its grant's index (KEYS[1]) and keeps the index alive as long as its longest-lived member:
 * ARGV[2] is the entry's lifetime in seconds, 0 for none. An index with a member that never expires never expires.
 */
const ADD_TO_GRANT = new Script(`
local ttl = redis.call('PTTL', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
local seconds = tonumber(ARGV[2])
if seconds == 0 then
  redis.call('PERSIST', KEYS[1])
elseif ttl == -2 or (ttl >= 0 and ttl < seconds * 1000) then
  redis.call('EXPIRE', KEYS[1], seconds)
end
return 1`);

/**
 * Deletes an entry (KEYS[1]) listed in grant ARGV[1]'s index unless it is a JSON object of another grant (or of none):
 * an entry saved again under another grant is not this grant's to revoke, one that cannot be read goes. Returns 1 if
 * it deleted the entry, 0 if it left it, -1 if there was nothing stored.
 */
const REVOKE_ENTRY = new Script(`
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
return 1`);

/** Takes the entries just revoked (ARGV) off the grant's index (KEYS[1]), and the index itself once it is empty. */
const FORGET_REVOKED = new Script(`
for i = 1, #ARGV, 1000 do
  redis.call('SREM', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
if redis.call('SCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
end
return 1`);

/** Marks an entry (KEYS[1]) consumed at ARGV[1], only if it exists: a mark never outlives or resurrects its entry. */
const CONSUME = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'consumed', ARGV[1])
return 1`);

const keyOf = (prefix: string, model: string, id: string) => `${prefix}${model}:${id}`;
const grantKeyOf = (prefix: string, grantId: string) => `${prefix}grant:${grantId}`;
const indexKeyOf = (prefix: string, model: string, field: 'uid' | 'userCode', value: string) =>
  `${prefix}${model}:${field}:${value}`;

/** One command of a write: a script on a key, a lookup set, or a deletion. */
type Step =
  | { script: Script; key: string; args: string[] }
  | { set: string; value: string; seconds: number }
  | { del: string };

/**
 * The steps that store a write, in the order they must run. An upsert is three steps, each on one key: (1) the grant's
 * index lists the entry, (2) the entry itself, atomically (one script), (3) its uid and user-code lookups. Stopped after
 * (1), the index names an entry that is not there (harmless: revoking finds nothing); the other order could leave an
 * entry that revoking its grant would miss. Stopped after (2), the entry is not yet found by uid or user code (the
 * sign-in or device flow starts again; the next save writes them); the other order would lose the lookup for a moment
 * on every save of a session under a new id. The entry expires when it was asked to (when the write was made, not
 * when it is sent).
 */
function stepsOf(prefix: string, w: PendingWrite): Step[] {
  const key = keyOf(prefix, w.model, w.id);
  if (w.kind === 'delete') return [{ del: key }];
  const seconds = w.expiresAt ? Math.max(1, Math.ceil((w.expiresAt.getTime() - Date.now()) / 1000)) : 0;
  const steps: Step[] = [];
  if (w.grantId) steps.push({ script: ADD_TO_GRANT, key: grantKeyOf(prefix, w.grantId), args: [key, String(seconds)] });
  steps.push({ script: WRITE_ENTRY, key, args: [w.json, String(seconds)] });
  for (const field of ['uid', 'userCode'] as const) {
    const value = w[field];
    if (value) steps.push({ set: indexKeyOf(prefix, w.model, field, value), value: w.id, seconds });
  }
  return steps;
}

/** Adds a step to a pipeline (`scriptText`: a script with its text, not by its hash). */
function queue(pipeline: ChainableCommander, step: Step, scriptText: boolean) {
  if ('script' in step) step.script.queue(pipeline, scriptText, step.key, ...step.args);
  else if ('del' in step) pipeline.del(step.del);
  else if (step.seconds) pipeline.set(step.set, step.value, 'EX', step.seconds);
  else pipeline.set(step.set, step.value);
}

/**
 * Sends writes to Redis in the order they were made. On one server (Sentinel's master included) all of them go as one
 * pipeline, one round trip, run by the server in that order. A Redis Cluster takes a pipeline only within one slot, so
 * there each step is a pipeline of its own, awaited, in the same order. Every step is idempotent, so when the server
 * had forgotten a script the pipeline is sent again with the scripts' text.
 */
function writeSender(redis: RedisClient, prefix: string): WriteSender {
  const send = async (steps: Step[], scriptText = false): Promise<void> => {
    const pipeline = redis.pipeline();
    for (const step of steps) queue(pipeline, step, scriptText);
    try {
      await execOrThrow(pipeline);
    } catch (err) {
      if (scriptText || !isNoScript(err)) throw err;
      await send(steps, true);
    }
  };
  return async (writes) => {
    const steps = writes.flatMap((w) => stepsOf(prefix, w));
    if (!(redis instanceof Cluster)) return send(steps);
    for (const step of steps) await send([step]);
  };
}

/** Runs a pipeline; a command's failure, which a pipeline reports in its results, is thrown. */
async function execOrThrow(pipeline: ChainableCommander): Promise<void> {
  for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
}

export class RedisAdapter implements OidcAdapter {
  readonly #redis: RedisClient;
  readonly #model: string;
  readonly #prefix: string;
  readonly #send: WriteSender;

  constructor(redis: RedisClient, prefix: string, model: string) {
    this.#redis = redis;
    this.#model = model;
    this.#prefix = prefix;
    this.#send = writeSender(redis, prefix);
  }

  #key(id: string) {
    return keyOf(this.#prefix, this.#model, id);
  }

  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    return keepOrSend(upsertWrite(this.#model, id, payload, expiresIn), this.#send);
  }

  async find(id: string): Promise<Payload | undefined> {
    // What this request wrote and has not sent yet.
    const writes = requestWrites();
    const pending = writes?.read(this.#model, id);
    if (pending) return pending === 'deleted' ? undefined : pending;
    const entry =
      writes && READ_TOGETHER.has(this.#model)
        ? ((await writes.readTogether(id, this.#model, this.#readMany)) ?? {})
        : await this.#redis.hgetall(this.#key(id));
    const payload = asPayload(entry.payload);
    if (!payload) return undefined;
    const consumed = Number(entry.consumed);
    return Number.isFinite(consumed) && consumed > 0 ? { ...payload, consumed } : payload;
  }

  /** An id's entries in several models: on one server as one pipeline; a Cluster's keys may lie on several nodes. */
  readonly #readMany = async (models: string[], id: string): Promise<Map<string, Record<string, string>>> => {
    const keys = models.map((model) => keyOf(this.#prefix, model, id));
    let entries: Record<string, string>[];
    if (keys.length === 1 || this.#redis instanceof Cluster) {
      entries = await Promise.all(keys.map((key) => this.#redis.hgetall(key)));
    } else {
      const pipeline = this.#redis.pipeline();
      for (const key of keys) pipeline.hgetall(key);
      entries = ((await pipeline.exec()) ?? []).map(([err, entry]) => {
        if (err) throw err;
        return entry as Record<string, string>;
      });
    }
    return new Map(models.map((model, i) => [model, entries[i]!]));
  };

  async #findByIndex(field: 'uid' | 'userCode', value: string) {
    const pending = requestWrites()?.findBy(this.#model, field, value);
    if (pending) return pending;
    const id = await this.#redis.get(indexKeyOf(this.#prefix, this.#model, field, value));
    // find() sees this request's own writes: an entry it saved again under another value, or removed, is not found.
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
    // At once (a code used twice must be seen as such as soon as possible), after what this request wrote before.
    await requestWrites()?.send();
    await CONSUME.run(this.#redis, this.#key(id), String(epochSeconds()));
  }

  destroy(id: string): Promise<void> {
    return keepOrSend({ kind: 'delete', model: this.#model, id, durable: true }, this.#send);
  }

  /**
   * Every entry the grant's index lists is checked and deleted on its own (each in its own slot), then the deleted
   * ones are taken off the index. Members not found are left listed: one may be an entry whose save has written the
   * index and not yet the entry (the first step of a write); they go when the index expires with its longest-lived
   * member. What this request wrote before is sent first.
   */
  async revokeByGrantId(grantId: string): Promise<void> {
    await requestWrites()?.send();
    const grantKey = grantKeyOf(this.#prefix, grantId);
    const keys = await this.#redis.smembers(grantKey);
    const outcomes = await Promise.all(keys.map((key) => REVOKE_ENTRY.run(this.#redis, key, grantId)));
    const revoked = keys.filter((_, i) => outcomes[i] === 1);
    if (revoked.length) await FORGET_REVOKED.run(this.#redis, grantKey, ...revoked);
  }
}
