// Registered clients kept in memory: oidc-provider reads the client on nearly every request (8 times in one sign-in).
// Correct across processes because PostgreSQL tells every process of every change (LISTEN oidc_clients_changed, a
// trigger on oidc_clients); while that connection is down nothing is served from memory.
import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../../platform/log.ts';

export const CLIENT_CHANNEL = 'oidc_clients_changed';
const MAX_ENTRIES = 10_000;
/** A bound on staleness even if a notice were ever lost. */
const MAX_AGE_MS = 5 * 60_000;
const RECONNECT_MS = 1_000;

/** `json`: the client's metadata as JSON text, undefined for "no such client". */
type Entry = { json: string | undefined; at: number };

export class ClientCache {
  readonly #entries = new Map<string, Entry>();
  #live = false;
  /** Bumped by every notice; a read that started before one is not stored. */
  #generation = 0;

  get live() {
    return this.#live;
  }

  /** The cached answer (`{ json: undefined }` for "no such client"), or undefined to go to the database. */
  get(id: string): Entry | undefined {
    if (!this.#live) return undefined;
    const entry = this.#entries.get(id);
    if (!entry || Date.now() - entry.at > MAX_AGE_MS) return undefined;
    return entry;
  }

  generation() {
    return this.#generation;
  }

  /** Stores a read made at `generation`, unless a change was announced since. */
  set(id: string, json: string | undefined, generation: number): void {
    if (!this.#live || generation !== this.#generation) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(id, { json, at: Date.now() });
  }

  forget(id: string): void {
    this.#generation++;
    this.#entries.delete(id);
  }

  setLive(live: boolean): void {
    this.#generation++;
    this.#entries.clear();
    this.#live = live;
  }
}

/** Listens on its own connection (not one of the pool's) and reconnects after a failure. */
export async function startClientCache(db: Knex, log?: Logger): Promise<{ cache: ClientCache; stop(): Promise<void> }> {
  const cache = new ClientCache();
  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const connect = async () => {
    const c = new pg.Client((db.client as { connectionSettings: pg.ClientConfig }).connectionSettings);
    c.on('error', () => {});
    c.on('end', () => {
      cache.setLive(false);
      if (!stopped) timer = setTimeout(() => void connect().catch(retry), RECONNECT_MS);
    });
    c.on('notification', (n) => {
      if (n.channel === CLIENT_CHANNEL && n.payload) cache.forget(n.payload);
    });
    await c.connect();
    await c.query(`listen ${CLIENT_CHANNEL}`);
    client = c;
    cache.setLive(true);
  };
  const retry = (err: Error) => {
    log?.warn({ err: err.message }, 'client cache: cannot listen for changes; reading clients from the database');
    if (!stopped) timer = setTimeout(() => void connect().catch(retry), RECONNECT_MS * 5);
  };
  await connect().catch(retry);
  return {
    cache,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      cache.setLive(false);
      await client?.end().catch(() => {});
    },
  };
}
