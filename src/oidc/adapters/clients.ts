// Registered clients live in PostgreSQL in both storage modes (oidc-provider's `Client` model).
import type { Knex } from 'knex';
import type { ClientCache } from '../../domain/clients/cache.ts';
import { asPayload, type OidcAdapter, type Payload } from './types.ts';

export class ClientAdapter implements OidcAdapter {
  readonly #db: Knex;
  readonly #cache: ClientCache | undefined;

  constructor(db: Knex, cache?: ClientCache) {
    this.#db = db;
    this.#cache = cache;
  }

  async upsert(id: string, payload: Payload): Promise<void> {
    await this.#db('oidc_clients')
      .insert({ client_id: id, metadata: JSON.stringify(payload), source: 'registration' })
      .onConflict('client_id')
      .merge({ metadata: JSON.stringify(payload), updated_at: this.#db.fn.now() });
    this.#cache?.forget(id);
  }

  async find(id: string): Promise<Payload | undefined> {
    const cached = this.#cache?.get(id);
    // Kept as JSON text and parsed on every read: oidc-provider gets its own copy and cannot change the cached one.
    if (cached) return cached.json === undefined ? undefined : asPayload(cached.json);
    const generation = this.#cache?.generation() ?? 0;
    const row = await this.#db('oidc_clients').select('metadata').where({ client_id: id }).first();
    const payload = asPayload(row?.metadata);
    this.#cache?.set(id, payload && JSON.stringify(payload), generation);
    return payload;
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {}

  async destroy(id: string): Promise<void> {
    await this.#db('oidc_clients').where({ client_id: id }).delete();
    this.#cache?.forget(id);
  }

  async revokeByGrantId(): Promise<void> {}
}
