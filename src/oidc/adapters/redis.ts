// oidc-provider state in Redis: one hash per entry, plus indexes by grant, uid and user code. Every command and
// script touches one key (but those marked as for one server only), so the same code runs on one server and on a
// Redis Cluster (where keys of several slots cannot share a MULTI or a script). A write is ordered steps, each safe
// if the process stops after it: see stepsOf and revokeByGrantId. Within an HTTP request the writes are kept and sent
// together at its end (deferred-writes.ts): on one server as one pipeline, or with what the request used once as one
// script (USE_AND_WRITE).
import crypto from 'node:crypto';
import { type ChainableCommander, Cluster } from 'ioredis';
import type { RedisClient } from '../../platform/storage/redis-connection.ts';
import {
  GRANT_BOUND,
  keepOrSend,
  keepUpsert,
  type PendingWrite,
  READ_TOGETHER,
  type RequestWrites,
  requestWrites,
  rowPayload,
  type StoredRow,
  USED_ONCE,
  usedMeanwhile,
  type WriteSender,
} from './deferred-writes.ts';
import { epochSeconds, type OidcAdapter, type Payload } from './types.ts';

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

  run(redis: RedisClient, key: string, ...args: string[]): Promise<unknown> {
    return this.runOn(redis, [key], args);
  }

  /** Runs the script on `keys` with `args`. */
  async runOn(redis: RedisClient, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return redis.eval(this.#lua, keys.length, ...keys, ...args);
    }
  }

  /** Adds the script to a pipeline, by hash or (`text`) whole. */
  queue(pipeline: ChainableCommander, text: boolean, key: string, ...args: string[]): void {
    if (text) pipeline.eval(this.#lua, 1, key, ...args);
    else pipeline.evalsha(this.#sha, 1, key, ...args);
  }
}

const isNoScript = (err: unknown) => err instanceof Error && err.message.startsWith('NOSCRIPT');

/** Writes an entry (`key`) whole: its `payload`, no consumption mark, and a lifetime of `seconds` (0 for none). */
const WRITE_ENTRY_LUA = `
local function write_entry(key, payload, seconds)
  redis.call('DEL', key)
  redis.call('HSET', key, 'payload', payload)
  if seconds > 0 then
    redis.call('EXPIRE', key, seconds)
  end
end`;

/**
 * Adds an entry (`entry`, its key) to its grant's index (`key`) and keeps the index alive as long as its longest-lived
 * member: `seconds` is the entry's lifetime, 0 for none. An index with a member that never expires never expires.
 */
const ADD_TO_GRANT_LUA = `
local function add_to_grant(key, entry, seconds)
  local ttl = redis.call('PTTL', key)
  redis.call('SADD', key, entry)
  if seconds == 0 then
    redis.call('PERSIST', key)
  elseif ttl == -2 or (ttl >= 0 and ttl < seconds * 1000) then
    redis.call('EXPIRE', key, seconds)
  end
end`;

/** Marks an entry (`key`) consumed at `at`, only if it exists (a mark never outlives or resurrects its entry) and is
 *  not consumed yet. Returns whether it marked it. */
const CONSUME_LUA = `
local function unused(key)
  return redis.call('EXISTS', key) == 1 and redis.call('HEXISTS', key, 'consumed') == 0
end
local function consume(key, at)
  if not unused(key) then
    return false
  end
  redis.call('HSET', key, 'consumed', at)
  return true
end`;

/** WRITE_ENTRY_LUA on KEYS[1], ARGV[1] the payload, ARGV[2] the seconds. One command, atomic, instead of MULTI DEL HSET
 *  EXPIRE EXEC. */
const WRITE_ENTRY = new Script(`${WRITE_ENTRY_LUA}
write_entry(KEYS[1], ARGV[1], tonumber(ARGV[2]))
return 1`);

/** ADD_TO_GRANT_LUA on the index KEYS[1], ARGV[1] the entry's key, ARGV[2] its seconds. */
const ADD_TO_GRANT = new Script(`${ADD_TO_GRANT_LUA}
add_to_grant(KEYS[1], ARGV[1], tonumber(ARGV[2]))
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

/** CONSUME_LUA on KEYS[1] at ARGV[1]: 1 if it marked it, else 0. */
const CONSUME = new Script(`${CONSUME_LUA}
return consume(KEYS[1], ARGV[1]) and 1 or 0`);

/**
 * A request's writes with what it used once (USED_ONCE), on one server, atomically: every entry in KEYS is marked
 * consumed at ARGV[1] only if each still exists unconsumed, and only then the writes run, in order, each four ARGV
 * (the kind, the key, the value, the seconds; see Step). Returns 1, or 0 when one of them was used meanwhile (nothing
 * is written). It writes keys it is not given, so only on one server, never a Redis Cluster.
 */
const USE_AND_WRITE = new Script(`${WRITE_ENTRY_LUA}${ADD_TO_GRANT_LUA}${CONSUME_LUA}
for i = 1, #KEYS do
  if not unused(KEYS[i]) then
    return 0
  end
end
for i = 1, #KEYS do
  consume(KEYS[i], ARGV[1])
end
for i = 2, #ARGV, 4 do
  local kind, key, value, seconds = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  if kind == 'grant' then
    add_to_grant(key, value, seconds)
  elseif kind == 'entry' then
    write_entry(key, value, seconds)
  elseif kind == 'used' then
    consume(key, value)
  elseif kind == 'set' and seconds > 0 then
    redis.call('SET', key, value, 'EX', seconds)
  elseif kind == 'set' then
    redis.call('SET', key, value)
  elseif kind == 'del' then
    redis.call('DEL', key)
  end
end
return 1`);

/** The payload field of an entry as HGETALL gives it ({field, value, …}), or nil. */
const PAYLOAD_OF_LUA = `
local function payload_of(entry)
  for i = 1, #entry, 2 do
    if entry[i] == 'payload' then
      return entry[i + 1]
    end
  end
end`;

/**
 * Reads an entry (KEYS[1]) with what oidc-provider reads next in the same request, as the PostgreSQL adapter does in one
 * statement: the session it is bound to (by its uid, through the uid index) and its grant. ARGV[1] is the key prefix,
 * ARGV[2] where the session's uid is: 'interaction' (payload.session.uid) or 'token' (payload.sessionUid when the
 * entry ends with the session). Returns {entry, uid or nil, {session id, session} or nil, {grant id, grant} or nil},
 * each entry as HGETALL gives it. It reads keys it is not given, so only on one server, never a Redis Cluster.
 */
const READ_ALONG = new Script(`${PAYLOAD_OF_LUA}
local entry = redis.call('HGETALL', KEYS[1])
local out = {entry, false, false, false}
local raw = payload_of(entry)
if not raw then
  return out
end
local ok, payload = pcall(cjson.decode, raw)
if not ok or type(payload) ~= 'table' then
  return out
end
local uid
if ARGV[2] == 'interaction' then
  if type(payload.session) == 'table' then
    uid = payload.session.uid
  end
elseif payload.expiresWithSession == true then
  uid = payload.sessionUid
end
if type(uid) == 'string' then
  out[2] = uid
  local id = redis.call('GET', ARGV[1] .. 'Session:uid:' .. uid)
  if id then
    out[3] = {id, redis.call('HGETALL', ARGV[1] .. 'Session:' .. id)}
  end
end
local grantId = payload.grantId
-- An interaction finished with a grant: that grant, which the resumption loads (as postgres.ts GRANT_ID).
if ARGV[2] == 'interaction' and type(payload.result) == 'table' and type(payload.result.consent) == 'table'
  and type(payload.result.consent.grantId) == 'string' then
  grantId = payload.result.consent.grantId
end
if type(grantId) == 'string' then
  out[4] = {grantId, redis.call('HGETALL', ARGV[1] .. 'Grant:' .. grantId)}
end
return out`);

/** The most grants SESSION_WITH_GRANTS reads along with a session (one per app signed in to in that browser). */
const GRANTS_ALONG = 20;

/**
 * Reads a session (KEYS[1]) with the grants of its sign-ins to apps (payload.authorizations[…].grantId, at most
 * GRANTS_ALONG), which an authorization in that browser reads next (the app's grant). ARGV[1] is the key prefix.
 * Returns {session, {{grant id, grant}, …}}, each entry as HGETALL gives it. It reads keys it is not given, so only on
 * one server, never a Redis Cluster.
 */
const SESSION_WITH_GRANTS = new Script(`${PAYLOAD_OF_LUA}
local entry = redis.call('HGETALL', KEYS[1])
local grants = {}
local raw = payload_of(entry)
if raw then
  local ok, payload = pcall(cjson.decode, raw)
  if ok and type(payload) == 'table' and type(payload.authorizations) == 'table' then
    for _, authorization in pairs(payload.authorizations) do
      if #grants >= ${GRANTS_ALONG} then
        break
      end
      if type(authorization) == 'table' and type(authorization.grantId) == 'string' then
        local id = authorization.grantId
        grants[#grants + 1] = {id, redis.call('HGETALL', ARGV[1] .. 'Grant:' .. id)}
      end
    end
  end
end
return {entry, grants}`);

/** Where READ_ALONG finds the session's uid, for the models read with their session and grant. */
const SESSION_UID_AT: Record<string, 'interaction' | 'token'> = { Interaction: 'interaction' };
for (const model of [
  'AuthorizationCode',
  'AccessToken',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
])
  SESSION_UID_AT[model] = 'token';

type Hash = Record<string, string>;
/** HGETALL's reply inside a script's: [field, value, …] → { field: value }. */
function hashOf(flat: unknown): Hash {
  const hash: Hash = {};
  if (Array.isArray(flat)) for (let i = 0; i + 1 < flat.length; i += 2) hash[String(flat[i])] = String(flat[i + 1]);
  return hash;
}

/** A stored hash as the rows the request's reads remember (see RequestWrites.remember); null when there is none. */
function rowOf(id: string, hash: Hash): StoredRow | null {
  if (hash.payload === undefined) return null;
  const consumed = Number(hash.consumed);
  return {
    id,
    payload: hash.payload,
    consumed_at: Number.isFinite(consumed) && consumed > 0 ? new Date(consumed * 1000) : null,
  };
}

/** A stored hash as oidc-provider's payload, with its consumption mark. */
function payloadOf(hash: Hash): Payload | undefined {
  const row = rowOf('', hash);
  return row ? rowPayload(row) : undefined;
}

/** Keeps what READ_ALONG read along with an entry for the request's coming reads, and gives the entry. */
function keepAlong(reply: unknown, writes: RequestWrites): Hash {
  const [entry, uid, session, grant] = reply as [
    unknown,
    string | null,
    [string, unknown] | null,
    [string, unknown] | null,
  ];
  if (uid) writes.remember('Session', 'uid', uid, session ? rowOf(session[0], hashOf(session[1])) : null);
  if (grant) writes.remember('Grant', 'id', grant[0], rowOf(grant[0], hashOf(grant[1])));
  return hashOf(entry);
}

const keyOf = (prefix: string, model: string, id: string) => `${prefix}${model}:${id}`;
const grantKeyOf = (prefix: string, grantId: string) => `${prefix}grant:${grantId}`;
const indexKeyOf = (prefix: string, model: string, field: 'uid' | 'userCode', value: string) =>
  `${prefix}${model}:${field}:${value}`;

/**
 * One command of a write, on one key: the grant's index lists an entry (`value`: its key), an entry written whole
 * (`value`: its payload), an entry this request wrote marked consumed (`value`: when), a lookup set (`value`: the id),
 * or a deletion; `seconds` of lifetime, 0 for none.
 */
type Step = { kind: 'grant' | 'entry' | 'used' | 'set' | 'del'; key: string; value: string; seconds: number };

/**
 * The steps that store a write, in the order they must run. An upsert is three steps, each on one key: (1) the grant's
 * index lists the entry, (2) the entry itself, atomically (one script; then its consumed mark, when this request also
 * used it), (3) its uid and user-code lookups. Stopped after (1), the index names an entry that is not there
 * (harmless: revoking finds nothing); the other order could leave an entry that revoking its grant would miss. Stopped
 * after (2), the entry is not yet found by uid or user code (the sign-in or device flow starts again; the next save
 * writes them); the other order would lose the lookup for a moment on every save of a session under a new id. The
 * entry expires when it was asked to (when the write was made, not when it is sent).
 */
function stepsOf(prefix: string, w: PendingWrite): Step[] {
  const key = keyOf(prefix, w.model, w.id);
  if (w.kind === 'delete') return [{ kind: 'del', key, value: '', seconds: 0 }];
  const seconds = w.expiresAt ? Math.max(1, Math.ceil((w.expiresAt.getTime() - Date.now()) / 1000)) : 0;
  const steps: Step[] = [];
  // Only what a grant's revocation takes is listed under it (GRANT_BOUND), not a sign-in in progress that names it.
  if (w.grantId && GRANT_BOUND.has(w.model))
    steps.push({ kind: 'grant', key: grantKeyOf(prefix, w.grantId), value: key, seconds });
  steps.push({ kind: 'entry', key, value: w.json, seconds });
  if (w.consumed) steps.push({ kind: 'used', key, value: String(epochSeconds()), seconds: 0 });
  for (const field of ['uid', 'userCode'] as const) {
    const value = w[field];
    if (value) steps.push({ kind: 'set', key: indexKeyOf(prefix, w.model, field, value), value: w.id, seconds });
  }
  return steps;
}

/** Adds a step to a pipeline (`scriptText`: a script with its text, not by its hash). */
function queue(pipeline: ChainableCommander, step: Step, scriptText: boolean) {
  const { key, value, seconds } = step;
  if (step.kind === 'grant') ADD_TO_GRANT.queue(pipeline, scriptText, key, value, String(seconds));
  else if (step.kind === 'entry') WRITE_ENTRY.queue(pipeline, scriptText, key, value, String(seconds));
  else if (step.kind === 'used') CONSUME.queue(pipeline, scriptText, key, value);
  else if (step.kind === 'del') pipeline.del(key);
  else if (seconds) pipeline.set(key, value, 'EX', seconds);
  else pipeline.set(key, value);
}

/**
 * Sends writes to Redis in the order they were made. On one server (Sentinel's master included) all of them go as one
 * pipeline, one round trip, run by the server in that order; with what the request used once, as one script
 * (USE_AND_WRITE), which writes nothing if one of those was used meanwhile. A Redis Cluster takes a pipeline only
 * within one slot, so there each step is a pipeline of its own, awaited, in the same order (and what a request uses
 * is marked at once: RedisAdapter.consume). Every step is idempotent, so when the server had forgotten a script the
 * pipeline is sent again with the scripts' text.
 */
function writeSender(redis: RedisClient, prefix: string): WriteSender {
  const send = async (steps: Step[]): Promise<void> => {
    await execScripted(redis, (pipeline, scriptText) => {
      for (const step of steps) queue(pipeline, step, scriptText);
    });
  };
  return async (writes, consumptions) => {
    const steps = writes.flatMap((w) => stepsOf(prefix, w));
    if (consumptions.length) {
      const keys = consumptions.map((c) => keyOf(prefix, c.model, c.id));
      const args = steps.flatMap((step) => [step.kind, step.key, step.value, String(step.seconds)]);
      const done = await USE_AND_WRITE.runOn(redis, keys, [String(epochSeconds()), ...args]);
      if (done !== 1) throw usedMeanwhile(consumptions);
      return;
    }
    if (!(redis instanceof Cluster)) return send(steps);
    for (const step of steps) await send([step]);
  };
}

/**
 * Runs a pipeline `fill` fills, scripts by their hash; when the server had forgotten a script, once more with the
 * scripts' text (every command sent this way may run twice). Returns the replies; a command's failure, which a
 * pipeline reports in its results, is thrown.
 */
async function execScripted(
  redis: RedisClient,
  fill: (pipeline: ChainableCommander, scriptText: boolean) => void,
): Promise<unknown[]> {
  const exec = async (scriptText: boolean) => {
    const pipeline = redis.pipeline();
    fill(pipeline, scriptText);
    return ((await pipeline.exec()) ?? []).map(([err, reply]) => {
      if (err) throw err;
      return reply;
    });
  };
  try {
    return await exec(false);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return exec(true);
  }
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
    return keepUpsert(this.#model, id, payload, expiresIn, this.#send);
  }

  /** On one server an entry is read with its session and grant (READ_ALONG); on a Cluster each on its own. */
  get #readsAlong(): boolean {
    return !(this.#redis instanceof Cluster) && this.#model in SESSION_UID_AT;
  }

  async find(id: string): Promise<Payload | undefined> {
    const writes = requestWrites();
    if (!writes) return payloadOf(await this.#redis.hgetall(this.#key(id)));
    // What this request wrote and has not sent yet, or read along with another entry.
    const pending = writes.read(this.#model, id);
    if (pending) return pending === 'deleted' ? undefined : pending;
    const stored = await this.#findStored(id, writes);
    writes.noteStored(this.#model, id, stored);
    // Used by this request (stored at its end): used from now on.
    return stored && !stored.consumed && writes.consumed(this.#model, id)
      ? { ...stored, consumed: epochSeconds() }
      : stored;
  }

  /** The entry as stored, or as read along with another one in this request. */
  async #findStored(id: string, writes: RequestWrites): Promise<Payload | undefined> {
    const remembered = writes.recall(this.#model, 'id', id);
    if (remembered !== undefined) return remembered ? rowPayload(remembered) : undefined;
    if (READ_TOGETHER.has(this.#model))
      return payloadOf(
        (await writes.readTogether(id, this.#model, (models) => this.#readMany(models, id, writes))) ?? {},
      );
    if (this.#readsAlong) return payloadOf(keepAlong(await this.#readAlong(this.#key(id)), writes));
    if (this.#model === 'Session' && !(this.#redis instanceof Cluster)) {
      const [session, grants] = (await SESSION_WITH_GRANTS.run(this.#redis, this.#key(id), this.#prefix)) as [
        unknown,
        [string, unknown][],
      ];
      for (const [grantId, grant] of grants) writes.remember('Grant', 'id', grantId, rowOf(grantId, hashOf(grant)));
      return payloadOf(hashOf(session));
    }
    return payloadOf(await this.#redis.hgetall(this.#key(id)));
  }

  #readAlong(key: string): Promise<unknown> {
    return READ_ALONG.run(this.#redis, key, this.#prefix, SESSION_UID_AT[this.#model]!);
  }

  /**
   * An id's entries in several models (READ_TOGETHER), each with its session and grant: on one server as one pipeline;
   * a Cluster's keys may lie on several nodes, so there one plain read each.
   */
  async #readMany(models: string[], id: string, writes: RequestWrites): Promise<Map<string, Hash>> {
    const keys = models.map((model) => keyOf(this.#prefix, model, id));
    let entries: Hash[];
    if (this.#redis instanceof Cluster) {
      entries = await Promise.all(keys.map((key) => this.#redis.hgetall(key)));
    } else if (keys.length === 1) {
      entries = [keepAlong(await this.#readAlong(keys[0]!), writes)];
    } else {
      const replies = await execScripted(this.#redis, (pipeline, scriptText) => {
        keys.forEach((key, i) => {
          READ_ALONG.queue(pipeline, scriptText, key, this.#prefix, SESSION_UID_AT[models[i]!] ?? 'token');
        });
      });
      entries = replies.map((reply) => keepAlong(reply, writes));
    }
    return new Map(models.map((model, i) => [model, entries[i]!]));
  }

  async #findByIndex(field: 'uid' | 'userCode', value: string) {
    const writes = requestWrites();
    const pending = writes?.findBy(this.#model, field, value);
    if (pending) return pending;
    let payload: Payload | undefined;
    const remembered = field === 'uid' ? writes?.recall(this.#model, 'uid', value) : undefined;
    if (remembered !== undefined) {
      // Read along with another entry; out of date if this request has since written the entry.
      payload = remembered && !writes!.has(this.#model, remembered.id) ? rowPayload(remembered) : undefined;
    } else {
      const id = await this.#redis.get(indexKeyOf(this.#prefix, this.#model, field, value));
      // find() sees this request's own writes: an entry it saved again under another value, or removed, is not found.
      payload = id ? await this.find(id) : undefined;
    }
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
    // What a token request uses once: on one server, with the request's writes at its end, only if no other request
    // used it since it was read (a code sent twice at once: one of them gets tokens). On a Cluster, or anything else,
    // or outside a request: at once, after what the request wrote before; then a token request's use that comes
    // second is refused at once.
    const writes = requestWrites();
    if (writes && USED_ONCE.has(this.#model) && !(this.#redis instanceof Cluster))
      return writes.keepConsumption(this.#model, id, this.#send);
    await writes?.send();
    const marked = await CONSUME.run(this.#redis, this.#key(id), String(epochSeconds()));
    if (!marked && writes && USED_ONCE.has(this.#model)) {
      // oidc-provider answers this refusal itself; kept, it is refused again at the request's end, and its grant ends.
      writes.noteReused(this.#model, id);
      throw usedMeanwhile([{ model: this.#model, id }]);
    }
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
