// Registered clients live in PostgreSQL in both storage modes (oidc-provider's `Client` model).
import type { Knex } from 'knex';
import { asPayload, type OidcAdapter, type Payload } from './types.ts';

export class ClientAdapter implements OidcAdapter {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async upsert(id: string, payload: Payload): Promise<void> {
    await this.#db('oidc_clients')
      .insert({ client_id: id, metadata: JSON.stringify(payload), source: 'registration' })
      .onConflict('client_id')
      .merge({ metadata: JSON.stringify(payload), updated_at: this.#db.fn.now() });
  }

  async find(id: string): Promise<Payload | undefined> {
    const row = await this.#db('oidc_clients').select('metadata').where({ client_id: id }).first();
    return asPayload(row?.metadata);
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
  }

  async revokeByGrantId(): Promise<void> {}
}
