// Applies the knex migrations in migrations/ (run at start-up and by `campus-sso migrate`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const folder = fileURLToPath(new URL('../../../migrations/', import.meta.url));

const source: Knex.MigrationSource<string> = {
  async getMigrations() {
    return fs
      .readdirSync(folder)
      .filter((f) => /^\d+_.+\.ts$/.test(f))
      .sort();
  },
  getMigrationName: (name) => name,
  getMigration: (name) => import(pathToFileURL(path.join(folder, name)).href),
};

/** Returns the names of the migrations it applied. */
export async function migrate(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}
