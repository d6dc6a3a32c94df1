// A school's sync log (issue 14, item 6; seed 000 §9 同步紀錄): each call a school's systems made to our APIs — the
// action, the app, the result code (the HTTP status) and message (an error code, never personal data) — searchable by
// action and result, newest first, kept one year.
import type { Knex } from 'knex';

export const SYNC_ACTIONS = [
  'sis.lookup',
  'sis.register',
  'sis.add_identity',
  'sis.guardians',
  'sis.guardians_lookup',
  'roster.credentials_put',
  'roster.credentials_get',
  'roster.import',
  'school.publish',
] as const;
export type SyncAction = (typeof SYNC_ACTIONS)[number];

export type SyncEntry = {
  id: string;
  at: Date;
  action: string;
  clientId: string | null;
  code: number;
  message: string;
  ok: boolean;
};

export const SYNC_PAGE_SIZE = 50;
const KEPT_DAYS = 366;

export class SyncLog {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** Records a call for a school that exists (a made-up school code records nothing) at `at` (the call's time; now
   *  if not given); `within` a caller's transaction as a savepoint of it. */
  async record(
    entry: { at?: Date; schoolCode: string; action: SyncAction; clientId?: string; code: number; message: string },
    within?: Knex.Transaction,
  ) {
    const insert = (db: Knex) =>
      db('school_sync_log').insert({
        ...(entry.at ? { at: entry.at } : {}),
        school_code: entry.schoolCode,
        action: entry.action,
        client_id: entry.clientId ?? null,
        code: entry.code,
        message: entry.message.slice(0, 100),
        ok: entry.code < 400,
      });
    try {
      // Within a transaction, a savepoint: a refused row must not spoil the caller's transaction.
      await (within ? within.transaction(insert) : insert(this.#db));
    } catch (err) {
      // No such school (the foreign key): nothing to record it under.
      if ((err as { code?: string }).code !== '23503') throw err;
    }
  }

  /** A page of the school's log, newest first, filtered by action and result. */
  async search(
    schoolCode: string,
    filter: { action?: string; ok?: boolean; page?: number } = {},
  ): Promise<{ entries: SyncEntry[]; more: boolean }> {
    const page = Math.max(1, filter.page ?? 1);
    const rows: {
      id: string;
      at: Date;
      action: string;
      client_id: string | null;
      code: number;
      message: string;
      ok: boolean;
    }[] = await this.#db('school_sync_log')
      .where({ school_code: schoolCode })
      .modify((q) => {
        if (filter.action) q.where({ action: filter.action });
        if (filter.ok !== undefined) q.where({ ok: filter.ok });
      })
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .offset((page - 1) * SYNC_PAGE_SIZE)
      .limit(SYNC_PAGE_SIZE + 1);
    return {
      entries: rows.slice(0, SYNC_PAGE_SIZE).map((r) => ({
        id: String(r.id),
        at: r.at,
        action: r.action,
        clientId: r.client_id,
        code: r.code,
        message: r.message,
        ok: r.ok,
      })),
      more: rows.length > SYNC_PAGE_SIZE,
    };
  }
}

/** Entries older than a year: run with the other periodic purges. */
export async function purgeSyncLog(db: Knex): Promise<void> {
  await db('school_sync_log')
    .where('at', '<', new Date(Date.now() - KEPT_DAYS * 86_400_000))
    .delete();
}
