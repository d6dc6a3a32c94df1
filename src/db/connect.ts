// Opens the durable database: the configured server, or the embedded cluster under DATA_DIR.
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { Settings } from '../config/env.ts';
import { startEmbeddedCluster } from './embedded.ts';

// SQL `date` values stay ISO strings: read as JS Dates they would shift by the server's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

export type Database = {
  db: Knex;
  embedded: boolean;
  close(): Promise<void>;
};

export async function openDatabase(settings: Settings, embeddedPassword: string): Promise<Database> {
  const cluster = settings.databaseUrl
    ? undefined
    : await startEmbeddedCluster(settings.dataDir, settings.embeddedPgPort, embeddedPassword);
  const db = knex({
    client: 'pg',
    connection: settings.databaseUrl ?? cluster!.url,
    pool: { min: 0, max: 10 },
  });
  return {
    db,
    embedded: !!cluster,
    async close() {
      await db.destroy();
      await cluster?.stop();
    },
  };
}
