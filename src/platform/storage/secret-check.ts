// Is the master secret the one this database was set up with? Everything sealed in it (signing and cookie keys,
// national IDs, upstream secrets, second-factor secrets) opens only with that secret, and pairwise subjects and blind
// indexes are derived from it: a server started with another one would fail later, or worse, write values beside the
// old ones that cannot be read with the same key. So the first start records a keyed digest of the secret (never the
// secret), and every start compares before it changes anything, migrations included.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Keyring } from '../keyring.ts';

/** What to say, and where the secret came from, when it is not the database's. */
export class WrongSecret extends Error {
  constructor(source: string) {
    super(
      `${source} is not the master secret this database was set up with, so what is sealed in it cannot be opened ` +
        '(signing keys, national IDs). Start again with the original secret; nothing was changed. ' +
        'See README "Back-ups".',
    );
    this.name = 'WrongSecret';
  }
}

/** The PostgreSQL error of a password that does not match: the embedded cluster's password comes from the secret. */
export const isWrongPassword = (err: unknown) => (err as { code?: string }).code === '28P01';

const TABLE = 'secret_check';
const digestOf = (keyring: Keyring) => keyring.blindIndex('secret-check', 'campus-sso master secret');
const same = (a: string, b: string) => a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Before the migrations: the recorded digest, or (set up before it was recorded) a stored key, must open. */
export async function verifySecret(db: Knex, keyring: Keyring, source: string): Promise<void> {
  if (await db.schema.hasTable(TABLE)) {
    const row: { digest: string } | undefined = await db(TABLE).where({ id: 1 }).first('digest');
    if (row && !same(row.digest, digestOf(keyring))) throw new WrongSecret(source);
    if (row) return;
  }
  if (!(await db.schema.hasTable('keys'))) return; // a new database
  const key: { material: string } | undefined = await db('keys').first('material');
  if (!key) return;
  try {
    keyring.open('key-storage', key.material);
  } catch {
    throw new WrongSecret(source);
  }
}

/** After the migrations: records the digest the first time; of two first starts at once, the second is compared. */
export async function recordSecret(db: Knex, keyring: Keyring, source: string): Promise<void> {
  const digest = digestOf(keyring);
  await db(TABLE).insert({ id: 1, digest }).onConflict('id').ignore();
  const row: { digest: string } = await db(TABLE).where({ id: 1 }).first('digest');
  if (!same(row.digest, digest)) throw new WrongSecret(source);
}
