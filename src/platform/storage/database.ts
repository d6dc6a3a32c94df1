// Opens the durable database: the configured server, or the embedded cluster under DATA_DIR.
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { Settings } from '../settings.ts';
import { startEmbeddedCluster } from './embedded-postgres.ts';

// SQL `date` values stay ISO strings: read as JS Dates they would shift by the server's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

export type Database = {
  db: Knex;
  /**
   * The same database through connections that commit without waiting for the disk (synchronous_commit off), for
   * state that is lost anyway when a session ends: oidc-provider's sessions, interactions and tokens, and when a
   * grant was last used. A crash can forget the last fraction of a second of such writes, never corrupt them, and
   * a later durable commit makes every earlier one durable too. Revocations, consumptions and everything else use `db`.
   */
  ephemeral: Knex;
  embedded: boolean;
  close(): Promise<void>;
};

export async function openDatabase(settings: Settings, embeddedPassword: string): Promise<Database> {
  const cluster = settings.databaseUrl
    ? undefined
    : await startEmbeddedCluster(settings.dataDir, settings.embeddedPgPort, embeddedPassword);
  // While PostgreSQL is out of reach a request fails within seconds (503, see unavailable.ts) rather than waiting a
  // minute for a connection; the pools connect again by themselves once it is back.
  const connection = { connectionString: settings.databaseUrl ?? cluster!.url, connectionTimeoutMillis: 3000 };
  const acquireConnectionTimeout = 10_000;
  // knex would print each lost or refused connection to the console; the request that meets it fails and is logged.
  const log = { warn() {}, error() {}, deprecate() {}, debug() {} };
  const db = knex({ client: 'pg', connection, acquireConnectionTimeout, log, pool: { min: 0, max: 10 } });
  const ephemeral = knex({
    client: 'pg',
    connection,
    acquireConnectionTimeout,
    log,
    pool: {
      min: 0,
      max: 10,
      afterCreate(conn: pg.Client, done: (err: Error | undefined, conn: pg.Client) => void) {
        conn.query('set synchronous_commit to off').then(
          () => done(undefined, conn),
          (err: Error) => done(err, conn),
        );
      },
    },
  });
  return {
    db,
    ephemeral,
    embedded: !!cluster,
    async close() {
      await ephemeral.destroy();
      await db.destroy();
      await cluster?.stop();
    },
  };
}
