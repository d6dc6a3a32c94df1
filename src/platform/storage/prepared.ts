// Statements that run many times a second, as named prepared statements: PostgreSQL parses and plans each once per
// connection instead of on every call (measured with pgbench on this machine: a primary-key read 0.19 → 0.10 ms, a
// read with two lateral lookups 0.39 → 0.14 ms). Behind PgBouncer in transaction mode this needs PgBouncer 1.21 or later
// with max_prepared_statements set (README, Production).
import crypto from 'node:crypto';
import type { Knex } from 'knex';

const names = new Map<string, string>();

/** The statement's name: derived from its text, so one text never meets another under the same name. */
function nameOf(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `campus_${crypto.createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

type Plain = string | number | boolean | null | Date | Buffer | string[];
/** A value node-postgres sends as it is: a plain value, or a list of texts (an array parameter: `= any(?)`). */
const isPlain = (v: unknown): v is Plain =>
  v === null ||
  ['string', 'number', 'boolean'].includes(typeof v) ||
  v instanceof Date ||
  Buffer.isBuffer(v) ||
  (Array.isArray(v) && v.every((e) => typeof e === 'string'));

/** knex's own lower level: its pool of connections, its 'query' event, and its `?` → `$1` for PostgreSQL. */
type KnexClient = {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<unknown>;
  positionBindings(sql: string): string;
  emit(event: 'query', query: object): boolean;
};
/** A node-postgres client, as knex's pool holds them. */
type PgConnection = {
  __knexUid?: string;
  query<T>(config: { text: string; values: Plain[]; name?: string }): Promise<T>;
};

/** Each text with its `?` made `$1`, `$2`… as knex does it (`\\?` stays `?`), once: texts are constants. */
const positioned = new Map<string, string>();

/**
 * Runs the statement on a connection from knex's pool, straight through node-postgres: without knex's query builder,
 * runner and query wrapper, which cost more than PostgreSQL's own work on these statements (the wrapper alone, its
 * `?` → `$1` rewrite of the whole text on every run among it, ~0.2 ms per sign-in: `bench/cpu-breakdown.ts`). knex's
 * 'query' event is sent as knex sends it (statement counts in tests and the bench listen to it).
 */
async function run<T>(db: Knex, sql: string, bindings: Plain[], options?: { name: string }): Promise<T> {
  const client = db.client as unknown as KnexClient;
  let text = positioned.get(sql);
  if (text === undefined) {
    text = client.positionBindings(sql);
    positioned.set(sql, text);
  }
  const connection = await client.acquireConnection();
  try {
    client.emit('query', { __knexUid: connection.__knexUid, sql: text, bindings, options, method: 'raw' });
    return await connection.query<T>({ text, values: bindings, ...options });
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * db.raw(sql, bindings), prepared once per connection. `sql` must be a constant text (values go in bindings).
 * A table changed under a prepared `select *` (a migration run by a newer version during a rolling upgrade) makes
 * PostgreSQL refuse the statement on that connection: it is then run unprepared. Plain values (or lists of texts) in
 * a list outside a transaction go straight to knex's client (see run); anything else (named values, a knex expression
 * as a value, a transaction) through db.raw.
 */
export async function prepared<T = { rows: unknown[] }>(
  db: Knex | Knex.Transaction,
  sql: string,
  bindings: readonly Knex.RawBinding[] | Knex.ValueDict,
): Promise<T> {
  const direct = !db.isTransaction && Array.isArray(bindings) && bindings.every(isPlain);
  const execute = (name?: string): Promise<T> => {
    if (direct) return run<T>(db, sql, bindings as Plain[], name ? { name } : undefined);
    const raw = db.raw(sql, bindings as Knex.RawBinding[]) as unknown as Promise<T> & {
      options(o: object): Promise<T>;
    };
    return name ? raw.options({ name }) : raw;
  };
  try {
    return await execute(nameOf(sql));
  } catch (err) {
    if (!/cached plan must not change result type/.test((err as Error).message)) throw err;
    return execute();
  }
}
