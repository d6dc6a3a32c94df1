// oidc-provider state in one PostgreSQL table, keyed by model and id.
import type { Knex } from 'knex';
import { asPayload, epochSeconds, type OidcAdapter, type Payload } from './types.ts';

type Row = { payload: unknown; consumed_at: Date | null };

export class PostgresAdapter implements OidcAdapter {
  readonly #db: Knex;
  readonly #model: string;
  /** Writes that may skip waiting for the disk (see Database.ephemeral): new and updated entries, ended interactions. */
  readonly #ephemeral: Knex;

  constructor(db: Knex, model: string, ephemeral: Knex = db) {
    this.#db = db;
    this.#model = model;
    this.#ephemeral = ephemeral;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const row = {
      model: this.#model,
      id,
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      uid: payload.uid ?? null,
      user_code: payload.userCode ?? null,
      expires_at: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      // An upsert replaces the entry whole: a consumed mark from before does not carry over (as in oidc-provider's
      // MemoryAdapter and our Redis adapter). A payload that is itself consumed says so in `consumed`.
      consumed_at: null,
    };
    await this.#ephemeral('oidc_payloads').insert(row).onConflict(['model', 'id']).merge();
  }

  async #findWhere(where: Record<string, string>): Promise<Payload | undefined> {
    const row: Row | undefined = await this.#db('oidc_payloads')
      .select('payload', 'consumed_at')
      .where({ model: this.#model, ...where })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', new Date())) // the clock that set it
      .first();
    const payload = asPayload(row?.payload);
    if (!payload) return undefined;
    return row!.consumed_at ? { ...payload, consumed: epochSeconds(row!.consumed_at) } : payload;
  }

  find(id: string) {
    return this.#findWhere({ id });
  }

  findByUid(uid: string) {
    return this.#findWhere({ uid });
  }

  findByUserCode(userCode: string) {
    return this.#findWhere({ user_code: userCode });
  }

  async consume(id: string): Promise<void> {
    await this.#db('oidc_payloads').where({ model: this.#model, id }).update({ consumed_at: this.#db.fn.now() });
  }

  async destroy(id: string): Promise<void> {
    // A logout (Session), a revoked token or grant must stay gone after a crash; a finished interaction need not.
    const db = this.#model === 'Interaction' ? this.#ephemeral : this.#db;
    await db('oidc_payloads').where({ model: this.#model, id }).delete();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#db('oidc_payloads').where({ grant_id: grantId }).delete();
  }
}

/** Deletes expired rows; run periodically. Returns how many went. */
export async function purgeExpired(db: Knex): Promise<number> {
  return db('oidc_payloads').where('expires_at', '<', db.fn.now()).delete();
}
