// A school's sync log (issue 14, item 6; seed 000 §9 同步紀錄): each call a school's systems made to our APIs — the
// action, the app, the result code (the HTTP status) and message (an error code, never personal data) — searchable by
// action and result, newest first, kept one year. A call refused for its credentials names the client id it gave
// (unverified: SyncEntry.unverified); a publish from the back office names no app (it was the back office).
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
  /** The app that called; for a call refused for its credentials, the client id it gave (see `unverified`). */
  clientId: string | null;
  code: number;
  message: string;
  ok: boolean;
};

/**
 * Whether the entry's client id is only what the call said it was: refused for its credentials (401) or for too many
 * failed ones (429), before they were checked. Our APIs answer an authenticated client neither.
 */
export const unverified = (entry: { code: number }): boolean => entry.code === 401 || entry.code === 429;

/** Whether the entry is the back office's own (a publish from 04 同步資料, which it records as done): no app called. */
export const byOffice = (entry: { action: string; clientId: string | null; code: number }): boolean =>
  entry.action === 'school.publish' && entry.clientId === null && entry.code < 400;

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

  /**
   * A page of the school's log, newest first, filtered by action and result. A page past the last is the last page
   * (`page` says which was shown; none when nothing matches).
   */
  async search(
    schoolCode: string,
    filter: { action?: string; ok?: boolean; page?: number } = {},
  ): Promise<{ entries: SyncEntry[]; more: boolean; page: number }> {
    const asked = Math.max(1, filter.page ?? 1);
    const matching = () =>
      this.#db('school_sync_log')
        .where({ school_code: schoolCode })
        .modify((q) => {
          if (filter.action) q.where({ action: filter.action });
          if (filter.ok !== undefined) q.where({ ok: filter.ok });
        });
    const pageOf = (page: number): Promise<SyncRow[]> =>
      matching()
        .orderBy([
          { column: 'at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .offset((page - 1) * SYNC_PAGE_SIZE)
        .limit(SYNC_PAGE_SIZE + 1);
    let page = asked;
    let rows = await pageOf(page);
    if (!rows.length && page > 1) {
      // Past the last page (an old link, a typed number): the last page.
      const [row] = await matching().count({ n: '*' });
      page = Math.max(1, Math.ceil(Number(row?.n ?? 0) / SYNC_PAGE_SIZE));
      rows = await pageOf(page);
    }
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
      page,
    };
  }
}

type SyncRow = {
  id: string;
  at: Date;
  action: string;
  client_id: string | null;
  code: number;
  message: string;
  ok: boolean;
};

/** Entries older than a year: run with the other periodic purges. */
export async function purgeSyncLog(db: Knex): Promise<void> {
  await db('school_sync_log')
    .where('at', '<', new Date(Date.now() - KEPT_DAYS * 86_400_000))
    .delete();
}
