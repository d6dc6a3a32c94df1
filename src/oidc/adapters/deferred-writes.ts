// oidc-provider's writes of one HTTP request, sent to storage together just before the answer goes out.
//
// A sign-in step writes several entries one after another (resuming it: the interaction ended, the grant, the next
// interaction, the session under a new id, the code), each its own round trip. Within a request they are kept here,
// last write per entry winning, and sent together (PostgreSQL: one statement; one Redis server: one pipeline) when
// the request is done, before its answer: whoever sees the answer (the browser's next request, to any process) finds
// them stored, and a write that fails turns the answer into an error, as it would have done at once. Reads in the
// same request see the pending writes.
//
// A session oidc-provider saves again with nothing changed but its expiry (it does so at every request in its browser:
// a session lives TTL.Session after its last use) is not written when the expiry it has in storage is at most an hour
// (or a hundredth of its lifetime) short of the new one (`onlyExtends`): a session then ends that much earlier at most.
//
// A revocation by grant is not kept: it goes at once, after the pending writes. A consumption (a code or refresh token
// used) is kept as a condition on the request's writes: the entry is marked consumed only if no one did so since it
// was read, and if someone did, nothing of the request is stored and its answer is an error (`keepConsumption`); on a
// Redis Cluster, where one script cannot write keys of several slots, it goes at once. Outside a request (the CLI,
// background work after the answer) every write goes at once. The PostgreSQL and Redis adapters defer; the Client
// adapter (registrations) does not.
import { AsyncLocalStorage } from 'node:async_hooks';
import { errors } from '../internals.ts';
import { asPayload, epochSeconds, type Payload } from './types.ts';

export type PendingWrite =
  | {
      kind: 'upsert';
      model: string;
      id: string;
      /** The payload as JSON text (a later read parses its own copy). */
      json: string;
      grantId: string | null;
      uid: string | null;
      userCode: string | null;
      expiresAt: Date | null;
      /** Stored consumed: this request wrote the entry and then consumed it. */
      consumed?: boolean;
    }
  | { kind: 'delete'; model: string; id: string; durable: boolean };

/** An entry read from storage and used (consumed) in this request: stored consumed with the request's writes. */
export type Consumption = { model: string; id: string };

/** An entry as read from storage, by the request's own reads or along with another entry (see `remember`). */
export type StoredRow = { id: string; payload: unknown; consumed_at: Date | null };

/** A stored row as oidc-provider's payload (its own copy), with the consumption mark; undefined if it is no object. */
export function rowPayload(row: StoredRow): Payload | undefined {
  const payload = asPayload(row.payload);
  if (!payload) return undefined;
  return row.consumed_at ? { ...payload, consumed: epochSeconds(row.consumed_at) } : payload;
}

/** Sends pending writes (in the order first written) to storage, as one statement; with them, the consumptions (only
 *  if every one of those entries is still unconsumed, else nothing and an error). */
export type WriteSender = (writes: PendingWrite[], consumptions: Consumption[]) => Promise<void>;

const keyOf = (model: string, id: string) => `${model}\u0000${id}`;

export class RequestWrites {
  readonly #pending = new Map<string, PendingWrite>();
  readonly #consumptions = new Map<string, Consumption>();
  readonly #read = new Map<string, StoredRow | null>();
  readonly #together = new Map<string, { models: string[]; rows: Promise<Map<string, unknown>> }>();
  readonly #accounts: unknown[] = [];
  readonly #reused: Reused[] = [];
  /** Rolling entries (ROLLING) as read from storage in this request: their expiry and the rest of their payload. */
  readonly #asStored = new Map<string, { exp: number; rest: string }>();
  #sender: WriteSender | undefined;
  #closed = false;

  /** Whether writes are still kept (false once the request is done: later writes go at once). */
  get open(): boolean {
    return !this.#closed;
  }

  /** Keeps a write. Every adapter of a process sends to the same storage (all PostgreSQL, or all Redis), through the
   *  same connections, so the last sender sends all. */
  keep(write: PendingWrite, sender: WriteSender): void {
    this.#sender = sender;
    const key = keyOf(write.model, write.id);
    // Written whole or removed after it was used: the consumed mark goes with the old entry (as when sent at once).
    this.#consumptions.delete(key);
    this.#pending.set(key, write);
  }

  /**
   * Keeps a consumption for the request's end. An entry this request wrote is stored consumed; one read from storage
   * is marked consumed only if it still is not: if another request consumed it meanwhile (the same code sent twice
   * at once), the request's writes are not stored and its answer is an error (the sender's).
   */
  keepConsumption(model: string, id: string, sender: WriteSender): void {
    this.#sender = sender;
    const key = keyOf(model, id);
    const written = this.#pending.get(key);
    if (written?.kind === 'upsert') this.#pending.set(key, { ...written, consumed: true });
    else if (!written) this.#consumptions.set(key, { model, id });
  }

  /**
   * An entry this request found used by another request at the moment it used it itself, where that use could not wait
   * for the request's end (a Redis Cluster): when the request is done, it is refused as usedMeanwhile, so that its
   * grant ends (oidc-provider has answered the refusal by then, without ending the grant).
   */
  noteReused(model: string, id: string): void {
    this.#reused.push({ model, id });
  }

  /** What noteReused kept. */
  get reused(): readonly Reused[] {
    return this.#reused;
  }

  /** Whether this request used the entry (it reads as consumed from then on). */
  consumed(model: string, id: string): boolean {
    return this.#consumptions.has(keyOf(model, id));
  }

  /** What this request last wrote for an entry: a payload (undefined once expired), 'deleted', or nothing. */
  read(model: string, id: string): Payload | 'deleted' | undefined {
    const w = this.#pending.get(keyOf(model, id));
    if (!w) return undefined;
    if (w.kind === 'delete') return 'deleted';
    if (!live(w)) return 'deleted';
    const payload = JSON.parse(w.json) as Payload;
    return w.consumed ? { ...payload, consumed: epochSeconds() } : payload;
  }

  /** An entry this request wrote with this uid or user code (and still holds). */
  findBy(model: string, field: 'uid' | 'userCode', value: string): Payload | undefined {
    for (const w of this.#pending.values())
      if (w.kind === 'upsert' && w.model === model && w[field] === value && live(w))
        return JSON.parse(w.json) as Payload;
    return undefined;
  }

  /** An entry as this request read it from storage (kept for a rolling one, ROLLING: see `onlyExtends`). */
  noteStored(model: string, id: string, payload: Payload | undefined): void {
    if (!ROLLING.has(model) || typeof payload?.exp !== 'number') return;
    const { exp, ...rest } = payload;
    this.#asStored.set(keyOf(model, id), { exp, rest: JSON.stringify(rest) });
  }

  /**
   * Whether saving `payload` for `expiresIn` seconds would only move out the expiry of the entry as this request read
   * it from storage, and by little: at most LAG_MOST_SECONDS, or a hundredth of its lifetime if that is less; then the
   * save need not be stored. Only an entry saved as oidc-provider saves it (`exp` is now + `expiresIn`) and not
   * written or used since it was read.
   */
  onlyExtends(model: string, id: string, payload: Payload, expiresIn: number | undefined): boolean {
    const key = keyOf(model, id);
    const stored = this.#asStored.get(key);
    if (!stored || !expiresIn || this.#pending.has(key) || this.#consumptions.has(key)) return false;
    const { exp, ...rest } = payload;
    if (typeof exp !== 'number' || Math.abs(exp - (epochSeconds() + expiresIn)) > 1) return false;
    const gain = exp - stored.exp;
    return gain >= 0 && gain <= Math.min(LAG_MOST_SECONDS, expiresIn / 100) && JSON.stringify(rest) === stored.rest;
  }

  /** Whether this request wrote the entry (then a row read from storage for it is out of date). */
  has(model: string, id: string): boolean {
    return this.#pending.has(keyOf(model, id));
  }

  /**
   * An entry read along with another one, for this request's coming read of it (a sign-in page reads the interaction,
   * then its session; a token request the code, then its session and grant): `null` when storage had none.
   */
  remember(model: string, column: 'id' | 'uid', value: string, row: StoredRow | null): void {
    this.#read.set(`${column}\u0000${keyOf(model, value)}`, row);
  }

  /** What `remember` kept for this lookup (undefined: nothing kept, read storage). */
  recall(model: string, column: 'id' | 'uid', value: string): StoredRow | null | undefined {
    return this.#read.get(`${column}\u0000${keyOf(model, value)}`);
  }

  /**
   * An account read along with oidc-provider's state (postgres.ts ACCOUNT_ALONG), for the request's findAccount
   * (configuration.ts). Kept whatever the request writes (send() does not clear it): the adapters write no accounts,
   * and the requests that ask for one (oidc-provider's endpoints) write none either.
   */
  keepAccount(value: unknown): void {
    if (value) this.#accounts.unshift(value);
  }

  /** The accounts read along in this request, the latest first. */
  get accountsRead(): readonly unknown[] {
    return this.#accounts;
  }

  /**
   * Reads of one id as several models, asked for in the same turn, as one read: introspection and revocation look a
   * token up as an access token, a client-credentials token and a refresh token at once (oidc-provider's findToken),
   * which would otherwise be three round trips. A read waits until the promise callbacks already queued have run
   * (process.nextTick), collecting the models asked for by then, and `readMany` (the first caller's: every adapter of a
   * process reads the same storage) reads them; each caller gets its own model's row, or undefined.
   */
  readTogether<R>(
    id: string,
    model: string,
    readMany: (models: string[], id: string) => Promise<Map<string, R>>,
  ): Promise<R | undefined> {
    let batch = this.#together.get(id);
    if (!batch) {
      const models: string[] = [];
      const rows = new Promise<Map<string, unknown>>((resolve, reject) => {
        process.nextTick(() => {
          this.#together.delete(id);
          readMany(models, id).then(resolve, reject);
        });
      });
      batch = { models, rows };
      this.#together.set(id, batch);
    }
    if (!batch.models.includes(model)) batch.models.push(model);
    return batch.rows.then((rows) => rows.get(model) as R | undefined);
  }

  /** Sends what is pending now (before a write that may not wait, and when the request is done). */
  async send(): Promise<void> {
    // What was read along may be out of date once the writes are stored (the pending copies no longer stand before it).
    this.#read.clear();
    this.#asStored.clear();
    if (!this.#pending.size && !this.#consumptions.size) return;
    const writes = [...this.#pending.values()];
    const consumptions = [...this.#consumptions.values()];
    this.#pending.clear();
    this.#consumptions.clear();
    await this.#sender!(writes, consumptions);
  }

  /** The request is done: sends what is pending; later writes (background work) go at once. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.send();
  }
}

/** The write that stores `payload` as `model` `id` for `expiresIn` seconds (none: no expiry), as both adapters keep it. */
function upsertWrite(model: string, id: string, payload: Payload, expiresIn?: number): PendingWrite {
  return {
    kind: 'upsert',
    model,
    id,
    json: JSON.stringify(payload),
    grantId: payload.grantId ?? null,
    uid: payload.uid ?? null,
    userCode: payload.userCode ?? null,
    expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
  };
}

/** Keeps the save of `payload` for the end of the request this code runs in (unless it `onlyExtends` the entry as
 *  stored), or sends it now outside one. */
export function keepUpsert(
  model: string,
  id: string,
  payload: Payload,
  expiresIn: number | undefined,
  sender: WriteSender,
): Promise<void> {
  if (requestWrites()?.onlyExtends(model, id, payload, expiresIn)) return Promise.resolve();
  return keepOrSend(upsertWrite(model, id, payload, expiresIn), sender);
}

/** Keeps the write for the end of the request this code runs in, or sends it now outside one. */
export function keepOrSend(write: PendingWrite, sender: WriteSender): Promise<void> {
  const writes = requestWrites();
  if (!writes) return sender([write], []);
  writes.keep(write, sender);
  return Promise.resolve();
}

/**
 * What a token request uses once (a code, a refresh token that rotates, a device or back-channel request): when two
 * requests use the same one at once, the one that stores its use second is refused (invalid_grant). Anything else
 * consumed (a pushed authorization request, at the authorization endpoint) is marked at once, as before.
 */
export const USED_ONCE = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * What is issued under a grant and goes when the grant is revoked (oidc-provider's helpers/revoke.js revokes these
 * models by grant). Other entries may name a grant (a sign-in in progress: the grant its consent adds to) and stay.
 */
export const GRANT_BOUND = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** What a request used that another request used meanwhile: its grant ends (web/app.ts, `reused`). */
export type Reused = { model: string; id: string };

/** The refusal of a request that used what another request used meanwhile (see USED_ONCE), as oidc-provider words a
 *  code or refresh token used twice. Thrown at a request's end, web/app.ts answers it as oidc-provider would, and ends
 *  the grant it came from, as oidc-provider does when a code or refresh token comes a second time. */
export function usedMeanwhile(used: Reused[]): Error & { reused: Reused[] } {
  const err = new errors.InvalidGrant(`${[...new Set(used.map((u) => u.model))].join(', ')} already consumed`);
  return Object.assign(err, { reused: used.map(({ model, id }) => ({ model, id })) });
}

/** Models oidc-provider saves again, with a later expiry, whenever they are used: sessions (see `onlyExtends`). */
const ROLLING = new Set(['Session']);
/** The most a rolling entry's stored expiry may fall short of the one it was last saved with. */
const LAG_MOST_SECONDS = 3600;

/** The models oidc-provider looks a token up as, all at once, when it does not know its kind (see readTogether). */
export const READ_TOGETHER = new Set(['AccessToken', 'ClientCredentials', 'RefreshToken']);

const live = (w: Extract<PendingWrite, { kind: 'upsert' }>) => !w.expiresAt || w.expiresAt.getTime() > Date.now();

const scope = new AsyncLocalStorage<RequestWrites>();

/** The writes kept for the request this code runs in, if any is still open. */
export function requestWrites(): RequestWrites | undefined {
  const writes = scope.getStore();
  return writes?.open ? writes : undefined;
}

/** Runs `fn` with `writes` as its request's writes (withRequestWrites does this for a request; tests for a few calls). */
export function runWithWrites<T>(writes: RequestWrites, fn: () => T): T {
  return scope.run(writes, fn);
}

/**
 * Runs `handle` (one HTTP request) keeping oidc-provider's writes, then sends them. They are sent even when
 * `handle` throws (writes made before an error stay made, as they would have been at once); an error in sending them
 * is thrown unless `handle` threw first.
 */
export async function withRequestWrites(handle: () => Promise<void>): Promise<void> {
  const writes = new RequestWrites();
  try {
    await scope.run(writes, handle);
  } catch (err) {
    await writes.close().catch(() => {});
    throw err;
  }
  await writes.close();
  if (writes.reused.length) throw usedMeanwhile([...writes.reused]);
}
