// oidc-provider state in one PostgreSQL table, keyed by model and id. Plain SQL (through knex.raw): these statements
// run a dozen times in every sign-in, and building them with the query builder cost more than oidc-provider itself.
import type { Knex } from 'knex';
import { accountAlongSql } from '../../domain/identities/account.ts';
import { prepared } from '../../platform/storage/prepared.ts';
import { hasNul } from '../../platform/stored-json.ts';
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
import type { OidcAdapter, Payload } from './types.ts';

// An upsert replaces the entry whole: a consumed mark from before does not carry over (as in oidc-provider's
// MemoryAdapter and our Redis adapter), unless the request that wrote it consumed it too (then now()).
const UPSERT = `insert into oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
  values (?, ?, ?, ?, ?, ?, ?, case when ? then now() end)
  on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
    user_code = excluded.user_code, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`;
// Expiry is compared with the clock that set it (this process's), not the database's.
const FIND = (column: 'id' | 'uid' | 'user_code') => `select id, payload, consumed_at from oidc_payloads
  where model = ? and ${column} = ? and (expires_at is null or expires_at > ?) limit 1`;
const FIND_BY = { id: FIND('id'), uid: FIND('uid'), user_code: FIND('user_code') };

/**
 * An expression on the entry's payload, evaluated only where PostgreSQL's JSON operators can read it: they refuse a
 * whole payload that holds an escaped NUL anywhere (a value a caller sent: a `state`, a `login_hint`), text does not.
 * Such an entry is read without its session, grant and account, which are then read on their own.
 */
const READABLE = (expr: string) => `(case when strpos(t.payload::text, '\\u0000') = 0 then ${expr} end)`;
/**
 * Within a request, an interaction or token is read together with what oidc-provider reads next: the session it is
 * bound to (by uid) and its grant. The session of a token only when the token ends with it (checkSessionBinding).
 */
const SESSION_UID: Record<string, string> = {
  Interaction: READABLE(`t.payload->'session'->>'uid'`),
  AuthorizationCode: READABLE(`case when t.payload->>'expiresWithSession' = 'true' then t.payload->>'sessionUid' end`),
};
// Access and refresh tokens too, read by findKinds.
for (const model of ['DeviceCode', 'BackchannelAuthenticationRequest'])
  SESSION_UID[model] = SESSION_UID.AuthorizationCode!;
const LIVE = (t: string) => `(${t}.expires_at is null or ${t}.expires_at > ?)`;
/** The grant read along: the entry's; for an interaction finished with a grant (a consent, or an identity chosen
 *  straight after the sign-in: flows/sign-in/identity.ts), that grant, which the resumption loads. */
const GRANT_ID: Record<string, string> = {
  Interaction: `coalesce(${READABLE(`t.payload->'result'->'consent'->>'grantId'`)}, t.grant_id)`,
};
// A session's account and the grants its sign-ins hold (text[]), from the session's row `s`, found in the payload's
// text (see READABLE). The grants may include any other "grantId" of the payload: a grant the account is not asked for
// costs nothing.
const SESSION_ACCOUNT = (s: string) => `substring(${s}.payload::text from '"accountId":"([0-9A-Fa-f-]{36})"')`;
const SESSION_GRANTS = (s: string) =>
  `array(select m[1] from regexp_matches(${s}.payload::text, '"grantId":"([A-Za-z0-9_-]{1,200})"', 'g') m)`;
/**
 * The account oidc-provider loads next (findAccount, for the session's, the code's or the token's grant), read along
 * in the same statement: for an interaction with a result (a resumption follows one) the person who just signed in,
 * or the session's; for a code or a token whose kind is known (the token endpoint, userinfo), its account. (A session
 * read by id with its account, at every authorization, was tried: the SSO hop went 263 → 216/s side by side.)
 */
const ACCOUNT_ALONG: Record<string, string> = {
  Interaction: accountAlongSql(
    READABLE(`case when t.payload->'result' is not null
      then coalesce(t.payload->'result'->'login'->>'accountId', ${SESSION_ACCOUNT('s')}) end`),
    `array_remove(array[${GRANT_ID.Interaction}], null) || ${SESSION_GRANTS('s')}`,
  ),
  AuthorizationCode: accountAlongSql(READABLE(`t.payload->>'accountId'`), 'array[t.grant_id]'),
};
// Lateral lookups, each by its index: as plain joins the planner, misled by a young table's statistics, may scan every
// grant instead.
const FIND_WITH_RELATED = (q: { sessionUid: string; where?: string; grantId?: string; account?: string }) => {
  const grantId = q.grantId ?? 't.grant_id';
  return `select t.model, t.id, t.payload, t.consumed_at, ${grantId} as grant_id,
    s.id as s_id, s.payload as s_payload, s.consumed_at as s_consumed_at, ${q.sessionUid} as s_uid,
    g.id as g_id, g.payload as g_payload, g.consumed_at as g_consumed_at, ${q.account ?? 'null'} as a_account
  from oidc_payloads t
  left join lateral (select s.id, s.payload, s.consumed_at from oidc_payloads s
    where s.model = 'Session' and s.uid = ${q.sessionUid} and ${LIVE('s')} limit 1) s on true
  left join lateral (select g.id, g.payload, g.consumed_at from oidc_payloads g
    where g.model = 'Grant' and g.id = ${grantId} and ${LIVE('g')} limit 1) g on true
  where ${q.where ?? 't.model = ? and t.id = ?'} and ${LIVE('t')}`;
};
// A token looked up as several kinds at once (READ_TOGETHER): each kind's row with its session and grant. Looked up as
// one kind only, the token is being used (a refresh, userinfo): its account comes along; as several (introspection,
// revocation), not. The kinds are written into the statement, one text per set of them: given as a parameter (an
// array), PostgreSQL could not tell how many rows to expect and planned the statement anew at every run (4 times its
// execution: 0.35 ms for a refresh's read).
const findKindsStatements = new Map<string, string>();
function findKinds(models: string[]): string {
  const sorted = [...models].sort();
  const key = sorted.join(',');
  let sql = findKindsStatements.get(key);
  if (!sql) {
    if (!sorted.every((m) => READ_TOGETHER.has(m))) throw new Error(`not a token kind: ${key}`);
    sql = FIND_WITH_RELATED({
      sessionUid: SESSION_UID.AuthorizationCode!,
      where: `t.model in (${sorted.map((m) => `'${m}'`).join(', ')}) and t.id = ?`,
      account: sorted.length === 1 ? ACCOUNT_ALONG.AuthorizationCode : undefined,
    });
    findKindsStatements.set(key, sql);
  }
  return sql;
}

/**
 * A session read with the grants of its sign-ins to apps (payload.authorizations[…].grantId, at most GRANTS_ALONG),
 * which an authorization in that browser reads next (the app's grant): `grants` is a JSON array of rows, or null.
 * (Found with a regular expression on the payload's text, this cost more than the read it saves; json_each reads the
 * authorizations once.)
 */
const GRANTS_ALONG = 20;
const FIND_SESSION_WITH_GRANTS = `select s.id, s.payload, s.consumed_at, (
    select json_agg(json_build_object('id', a.grant_id, 'payload', g.payload, 'consumed_at', g.consumed_at))
    from (select e.value->>'grantId' as grant_id
      from json_each(${READABLE(`case when json_typeof(t.payload->'authorizations') = 'object'
        then t.payload->'authorizations' end`)}) e
      where json_typeof(e.value) = 'object' and e.value->>'grantId' is not null
      limit ${GRANTS_ALONG}) a
    left join lateral (select g.payload, g.consumed_at from oidc_payloads g
      where g.model = 'Grant' and g.id = a.grant_id and ${LIVE('g')} limit 1) g on true
  ) as grants
  from oidc_payloads s, lateral (select s.payload) t
  where s.model = 'Session' and s.id = ? and ${LIVE('s')}`;

type RelatedRow = StoredRow & {
  model: string;
  grant_id: string | null;
  s_id: string | null;
  s_payload: unknown;
  s_consumed_at: Date | null;
  s_uid: string | null;
  g_id: string | null;
  g_payload: unknown;
  g_consumed_at: Date | null;
  a_account: unknown;
};

// A request's writes in one statement (see deferred-writes.ts), from one JSON array: the consumptions, each only of an
// entry still unconsumed, and only if all of them are (`ok`), the deletions and the upserts. Each entry appears once,
// so no row is touched twice. The payload travels as a JSON string holding its JSON text: PostgreSQL's JSON functions
// refuse a \u0000 inside the objects they take apart, which the json column keeps.
const WRITE_MANY = `with w as (
    select e->>'kind' as kind, e->>'model' as model, e->>'id' as id, (e->>'payload')::json as payload,
      e->>'grant_id' as grant_id, e->>'uid' as uid, e->>'user_code' as user_code,
      (e->>'expires_at')::timestamptz as expires_at, (e->>'consumed')::boolean as consumed
    from json_array_elements(?::json) as e
  ), used as (
    update oidc_payloads p set consumed_at = now() from w
    where w.kind = 'consume' and p.model = w.model and p.id = w.id and p.consumed_at is null
    returning p.id
  ), ok as (
    select (select count(*) from used) = (select count(*) from w where kind = 'consume') as ok
  ), gone as (
    delete from oidc_payloads p using w, ok where ok.ok and w.kind = 'delete' and p.model = w.model and p.id = w.id
  ), saved as (
    insert into oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
    select model, id, payload, grant_id, uid, user_code, expires_at, case when consumed then now() end
    from w, ok where ok.ok and kind = 'upsert'
    on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
      user_code = excluded.user_code, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at
  )
  select ok from ok`;

/** Sends pending writes through `ephemeral` (commits without waiting for the disk, see Database.ephemeral), or through
 *  `db` when one of them must outlast a crash (a logout, a revoked token or grant, a code or token used). */
function writeSender(db: Knex, ephemeral: Knex): WriteSender {
  return async (writes, consumptions) => {
    const durable =
      consumptions.length > 0 || writes.some((w) => (w.kind === 'delete' ? w.durable : w.consumed === true));
    const to = durable ? db : ephemeral;
    const [used, usedToo] = consumptions;
    // The usual cases in plain statements, cheaper than the JSON one (half the database's time for a refresh's
    // three): one write on its own; at most one entry used, with a few writes.
    if (!used && writes.length <= 1) {
      if (!writes.length) return;
      const [one] = writes;
      if (one!.kind === 'delete') await prepared(to, DELETE, [one!.model, one!.id]);
      else await prepared(to, UPSERT, [...upsertValues(one!)]);
      return;
    }
    if (!usedToo && consumptions.length + writes.length <= PLAIN_MOST) {
      const deletes = writes.filter((w) => w.kind === 'delete');
      const upserts = writes.filter((w) => w.kind === 'upsert');
      const { rows } = (await prepared(to, plainWrites(used ? 1 : 0, deletes.length, upserts.length), [
        ...(used ? [used.model, used.id] : []),
        ...deletes.flatMap((w) => [w.model, w.id]),
        ...upserts.flatMap((w) => upsertValues(w)),
      ])) as { rows: { ok: boolean }[] };
      if (!rows[0]?.ok) throw usedMeanwhile([used!]);
      return;
    }
    const json = [
      ...consumptions.map((c) => ({ kind: 'consume', model: c.model, id: c.id })),
      ...writes.map((w) =>
        w.kind === 'delete'
          ? { kind: 'delete', model: w.model, id: w.id }
          : {
              kind: 'upsert',
              model: w.model,
              id: w.id,
              payload: w.json,
              grant_id: w.grantId,
              uid: w.uid,
              user_code: w.userCode,
              expires_at: w.expiresAt?.toISOString() ?? null,
              consumed: !!w.consumed,
            },
      ),
    ];
    const { rows } = (await prepared(to, WRITE_MANY, [JSON.stringify(json)])) as { rows: { ok: boolean }[] };
    if (!rows[0]?.ok) throw usedMeanwhile(consumptions);
  };
}

/** An upsert's values, in UPSERT's order. */
function upsertValues(w: Extract<PendingWrite, { kind: 'upsert' }>) {
  return [w.model, w.id, w.json, w.grantId, w.uid, w.userCode, w.expiresAt, !!w.consumed] as const;
}

const DELETE = 'delete from oidc_payloads where model = ? and id = ?';
const CONSUME = 'update oidc_payloads set consumed_at = now() where model = ? and id = ?';

/** The most entries (a use counted) a request's writes may hold to go as plainWrites rather than WRITE_MANY. */
const PLAIN_MOST = 4;
const plainStatements = new Map<string, string>();
/**
 * A request's few writes in one plain statement, as WRITE_MANY would store them: `used` (0 or 1) entry marked used,
 * only if still unused (whether it has expired, oidc-provider checked with this process's clock: see FIND), and only
 * then the `deletes` and the `upserts`; `ok` says whether it was. Values in order: the used entry's model and id, each
 * deletion's, each upsert's (as UPSERT's). Each entry appears once, so no row is touched twice. One text per shape,
 * prepared once per connection.
 */
function plainWrites(used: number, deletes: number, upserts: number): string {
  const shape = `${used}:${deletes}:${upserts}`;
  const known = plainStatements.get(shape);
  if (known) return known;
  const ok = used ? 'exists (select 1 from used)' : 'true';
  const parts: string[] = [];
  if (used)
    parts.push(
      'used as (update oidc_payloads set consumed_at = now() where model = ? and id = ? and consumed_at is null returning 1)',
    );
  if (deletes)
    parts.push(`gone as (delete from oidc_payloads where (model, id) in (${Array(deletes).fill('(?, ?)').join(', ')})
      and ${ok})`);
  if (upserts) {
    const row = '(?::text, ?::text, ?::json, ?::text, ?::text, ?::text, ?::timestamptz, ?::boolean)';
    parts.push(`saved as (
    insert into oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
    select model, id, payload, grant_id, uid, user_code, expires_at, case when consumed then now() end
    from (values ${Array(upserts).fill(row).join(', ')})
      as v (model, id, payload, grant_id, uid, user_code, expires_at, consumed)
    where ${ok}
    on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
      user_code = excluded.user_code, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at
  )`);
  }
  const sql = `with ${parts.join(', ')} select ${ok} as ok`;
  plainStatements.set(shape, sql);
  return sql;
}
/**
 * A grant's revocation takes what was issued under it (GRANT_BOUND); never a sign-in in progress that names it (an
 * Interaction: another person signing in on this browser ends the first one's grant, and goes on).
 */
const REVOKE = `delete from oidc_payloads where grant_id = ? and model in (${[...GRANT_BOUND].map((m) => `'${m}'`).join(', ')})`;

/** Remembers what a row was read along with (its session, its grant) for the request's coming reads of them. */
function keepRelated(row: RelatedRow, writes: RequestWrites): StoredRow {
  if (row.s_uid)
    writes.remember(
      'Session',
      'uid',
      row.s_uid,
      row.s_id ? { id: row.s_id, payload: row.s_payload, consumed_at: row.s_consumed_at } : null,
    );
  if (row.grant_id)
    writes.remember(
      'Grant',
      'id',
      row.grant_id,
      row.g_id ? { id: row.g_id, payload: row.g_payload, consumed_at: row.g_consumed_at } : null,
    );
  writes.keepAccount(row.a_account);
  return { id: row.id, payload: row.payload, consumed_at: row.consumed_at };
}

export class PostgresAdapter implements OidcAdapter {
  readonly #db: Knex;
  readonly #model: string;
  readonly #send: WriteSender;
  /** This model's read with its session and grant, if it has them (see SESSION_UID). */
  readonly #findWithRelated: string | undefined;

  constructor(db: Knex, model: string, ephemeral: Knex = db) {
    this.#db = db;
    this.#model = model;
    this.#send = writeSender(db, ephemeral);
    const sessionUid = SESSION_UID[model];
    this.#findWithRelated = sessionUid
      ? FIND_WITH_RELATED({ sessionUid, grantId: GRANT_ID[model], account: ACCOUNT_ALONG[model] })
      : undefined;
  }

  /** Reads the entry, and what it is bound to for the rest of the request (see `RequestWrites.remember`). */
  async #readWithRelated(id: string, writes: RequestWrites): Promise<StoredRow | undefined> {
    const now = new Date();
    const { rows } = (await prepared(this.#db, this.#findWithRelated!, [now, now, this.#model, id, now])) as {
      rows: RelatedRow[];
    };
    return rows[0] && keepRelated(rows[0], writes);
  }

  /** Reads a session with its apps' grants (FIND_SESSION_WITH_GRANTS), remembered for the request's coming reads. */
  async #readSession(id: string, writes: RequestWrites): Promise<StoredRow | undefined> {
    const now = new Date();
    const { rows } = (await prepared(this.#db, FIND_SESSION_WITH_GRANTS, [now, id, now])) as {
      rows: (StoredRow & { grants: { id: string; payload: unknown; consumed_at: string | null }[] | null })[];
    };
    const row = rows[0];
    if (!row) return undefined;
    for (const grant of row.grants ?? [])
      if (typeof grant?.id === 'string')
        writes.remember(
          'Grant',
          'id',
          grant.id,
          grant.payload
            ? {
                id: grant.id,
                payload: grant.payload,
                consumed_at: grant.consumed_at ? new Date(grant.consumed_at) : null,
              }
            : null,
        );
    return { id: row.id, payload: row.payload, consumed_at: row.consumed_at };
  }

  /** Reads a token as this kind, together with its reads as the other kinds asked for at once (READ_TOGETHER). */
  async #readKind(id: string, writes: RequestWrites): Promise<StoredRow | undefined> {
    const row = await writes.readTogether(id, this.#model, this.#readKinds);
    return row && keepRelated(row, writes);
  }

  readonly #readKinds = async (models: string[], id: string): Promise<Map<string, RelatedRow>> => {
    const now = new Date();
    const { rows } = (await prepared(this.#db, findKinds(models), [now, now, id, now])) as {
      rows: RelatedRow[];
    };
    return new Map(rows.map((row) => [row.model, row]));
  };

  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    return keepUpsert(this.#model, id, payload, expiresIn, this.#send);
  }

  async #findWhere(column: keyof typeof FIND_BY, value: string): Promise<Payload | undefined> {
    // A value PostgreSQL cannot hold names nothing (a token or code made up by a caller).
    if (hasNul(value)) return undefined;
    const writes = requestWrites();
    let row: StoredRow | null | undefined;
    if (writes) {
      if (column === 'id') {
        const pending = writes.read(this.#model, value);
        if (pending) return pending === 'deleted' ? undefined : pending;
      } else {
        const pending = writes.findBy(this.#model, column === 'uid' ? 'uid' : 'userCode', value);
        if (pending) return pending;
      }
      if (column !== 'user_code') row = writes.recall(this.#model, column, value);
      if (row === undefined && column === 'id') {
        if (READ_TOGETHER.has(this.#model)) row = (await this.#readKind(value, writes)) ?? null;
        else if (this.#findWithRelated) row = (await this.#readWithRelated(value, writes)) ?? null;
        else if (this.#model === 'Session') row = (await this.#readSession(value, writes)) ?? null;
      }
    }
    if (row === undefined) {
      const { rows } = (await prepared(this.#db, FIND_BY[column], [this.#model, value, new Date()])) as {
        rows: StoredRow[];
      };
      row = rows[0];
    }
    // Stored, but this request has since written the entry (removed it, or stored it under another uid).
    if (row && writes?.has(this.#model, row.id)) return undefined;
    if (row && !row.consumed_at && writes?.consumed(this.#model, row.id)) row = { ...row, consumed_at: new Date() };
    const payload = row ? rowPayload(row) : undefined;
    if (column === 'id') writes?.noteStored(this.#model, value, payload);
    return payload;
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
    // What a token request uses once: with the request's writes at its end, only if no other request used it since it
    // was read (a code sent twice at once: one of them gets tokens). Anything else, or outside a request: at once,
    // after what the request wrote before.
    const writes = requestWrites();
    if (writes && USED_ONCE.has(this.#model)) return writes.keepConsumption(this.#model, id, this.#send);
    await writes?.send();
    await prepared(this.#db, CONSUME, [this.#model, id]);
  }

  async destroy(id: string): Promise<void> {
    if (hasNul(id)) return;
    // A logout (Session), a revoked token or grant must stay gone after a crash; a finished interaction need not.
    await keepOrSend({ kind: 'delete', model: this.#model, id, durable: this.#model !== 'Interaction' }, this.#send);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (hasNul(grantId)) return;
    await requestWrites()?.send();
    await prepared(this.#db, REVOKE, [grantId]);
  }
}

/** Deletes expired rows; run periodically. Returns how many went. */
export async function purgeExpired(db: Knex): Promise<number> {
  return db('oidc_payloads').where('expires_at', '<', db.fn.now()).delete();
}
