// Applies the knex migrations in migrations/ (run at start-up and by `campus-sso migrate`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const folder = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** The migrations in migrations/, by name. */
export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return fs
      .readdirSync(folder)
      .filter((f) => /^\d+_.+\.ts$/.test(f))
      .sort();
  },
  getMigrationName: (name) => name,
  getMigration: (name) => import(pathToFileURL(path.join(folder, name)).href),
};

/**
 * Returns the names of the migrations it applied. Processes starting together on one database migrate one after the
 * other (knex's own lock makes the second fail at once: "Migration table is already locked"): a transaction of its own
 * holds an advisory lock while knex works on other connections of the pool; the second finds nothing left to do.
 */
export async function migrate(db: Knex): Promise<string[]> {
  return db.transaction(async (lock) => {
    await lock.raw("select pg_advisory_xact_lock(hashtextextended('campus-sso:migrate', 0))");
    const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
    return applied;
  });
}
