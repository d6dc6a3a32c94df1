// oidc-provider state in one PostgreSQL table, keyed by model and id. Plain SQL (through knex.raw): these statements
// run a dozen times in every sign-in, and building them with the query builder cost more than oidc-provider itself.
import type { Knex } from 'knex';
import { hasNul } from '../../platform/stored-json.ts';
import { asPayload, epochSeconds, type OidcAdapter, type Payload } from './types.ts';

type Row = { payload: unknown; consumed_at: Date | null };

// An upsert replaces the entry whole: a consumed mark from before does not carry over (as in oidc-provider's
// MemoryAdapter and our Redis adapter). A payload that is itself consumed says so in `consumed`.
const UPSERT = `insert into oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
  values (?, ?, ?, ?, ?, ?, ?, null)
  on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
    user_code = excluded.user_code, expires_at = excluded.expires_at, consumed_at = null`;
// Expiry is compared with the clock that set it (this process's), not the database's.
const FIND = (column: 'id' | 'uid' | 'user_code') => `select payload, consumed_at from oidc_payloads
  where model = ? and ${column} = ? and (expires_at is null or expires_at > ?) limit 1`;
const FIND_BY = { id: FIND('id'), uid: FIND('uid'), user_code: FIND('user_code') };

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
    await this.#ephemeral.raw(UPSERT, [
      this.#model,
      id,
      JSON.stringify(payload),
      payload.grantId ?? null,
      payload.uid ?? null,
      payload.userCode ?? null,
      expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
    ]);
  }

  async #findWhere(column: keyof typeof FIND_BY, value: string): Promise<Payload | undefined> {
    // A value PostgreSQL cannot hold names nothing (a token or code made up by a caller).
    if (hasNul(value)) return undefined;
    const { rows } = (await this.#db.raw(FIND_BY[column], [this.#model, value, new Date()])) as { rows: Row[] };
    const row = rows[0];
    const payload = asPayload(row?.payload);
    if (!payload) return undefined;
    return row!.consumed_at ? { ...payload, consumed: epochSeconds(row!.consumed_at) } : payload;
  }

  find(id: string) {
    return this.#findWhere('id', id);
  }

  findByUid(uid: string) {
    return this.#findWhere('uid', uid);
  }

  findByUserCode(userCode: string) {
    return this.#findWhere('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    if (hasNul(id)) return;
    await this.#db.raw('update oidc_payloads set consumed_at = now() where model = ? and id = ?', [this.#model, id]);
  }

  async destroy(id: string): Promise<void> {
    if (hasNul(id)) return;
    // A logout (Session), a revoked token or grant must stay gone after a crash; a finished interaction need not.
    const db = this.#model === 'Interaction' ? this.#ephemeral : this.#db;
    await db.raw('delete from oidc_payloads where model = ? and id = ?', [this.#model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (hasNul(grantId)) return;
    await this.#db.raw('delete from oidc_payloads where grant_id = ?', [grantId]);
  }
}

/** Deletes expired rows; run periodically. Returns how many went. */
export async function purgeExpired(db: Knex): Promise<number> {
  return db('oidc_payloads').where('expires_at', '<', db.fn.now()).delete();
}
