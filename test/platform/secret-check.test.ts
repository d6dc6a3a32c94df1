// A server started with another master secret than its database's stops at once, with one clear line, and changes
// nothing: the secret the database was set up with still opens everything afterwards.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { ensureKeys } from '../../src/oidc/keys.ts';
import { parseSettings } from '../../src/platform/settings.ts';
import { openStorage } from '../../src/platform/storage/open.ts';
import { storageMode, testEnv } from '../helpers/server.ts';

const root = new URL('../../', import.meta.url).pathname;
const secret = () => crypto.randomBytes(32).toString('base64url');
const embedded = storageMode === 'embedded';

/** Storage of its own: a new DATA_DIR, and with DATABASE_URL a new database on that server (dropped after). */
const made: { dirs: string[]; databases: string[] } = { dirs: [], databases: [] };
async function ownStorage(): Promise<Record<string, string | undefined> & { DATA_DIR: string }> {
  const env = testEnv({ SEED_DEMO: 'false', REDIS_URL: undefined });
  made.dirs.push(env.DATA_DIR);
  if (embedded) return env;
  const name = `secret_check_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  made.databases.push(name);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return { ...env, DATABASE_URL: url.href };
}

after(async () => {
  for (const dir of made.dirs) fs.rmSync(dir, { recursive: true, force: true });
  if (!made.databases.length) return;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  for (const name of made.databases) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
});

/** Sets up the storage with this secret (migrations, keys) and returns what it recorded. */
async function setUp(env: Record<string, string | undefined>) {
  const storage = await openStorage(parseSettings(env));
  try {
    await ensureKeys(storage.db, storage.keyring);
    return {
      digest: (await storage.db('secret_check').first('digest')).digest as string,
      keys: Number((await storage.db('keys').count({ n: '*' }))[0]!.n),
    };
  } finally {
    await storage.close();
  }
}

describe('the master secret', () => {
  it('another SECRET_KEY is refused before anything changes; the original still opens everything', async () => {
    const env = { ...(await ownStorage()), SECRET_KEY: secret() };
    const first = await setUp(env);
    assert.ok(first.keys > 0);

    await assert.rejects(openStorage(parseSettings({ ...env, SECRET_KEY: secret() })), (err: Error) => {
      assert.equal(err.name, 'WrongSecret');
      assert.match(err.message, /^SECRET_KEY is not the master secret this database was set up with/);
      assert.match(err.message, /Start again with the original secret/);
      return true;
    });

    // The process as `npm start` runs it: one line, exit status 1.
    const run = spawnSync(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', '--experimental-async-context-frame', 'src/main.ts'],
      { cwd: root, env: { ...process.env, ...env, SECRET_KEY: secret() }, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 1, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /^campus-sso: failed to start: SECRET_KEY is not the master secret this database/);

    // Nothing changed: the same digest, the same keys, and the original secret opens them.
    assert.deepEqual(await setUp(env), first);
  });

  // (The embedded cluster refuses another secret at its login already, which says the same.)
  it('a database set up before the secret was recorded is checked by its stored keys, then recorded', async () => {
    const env = { ...(await ownStorage()), SECRET_KEY: secret() };
    const first = await setUp(env);
    const storage = await openStorage(parseSettings(env));
    await storage.db('secret_check').delete();
    await storage.close();

    await assert.rejects(openStorage(parseSettings({ ...env, SECRET_KEY: secret() })), { name: 'WrongSecret' });
    const again = await openStorage(parseSettings(env));
    try {
      assert.equal(Number((await again.db('secret_check').count({ n: '*' }))[0]!.n), 1);
    } finally {
      await again.close();
    }
    assert.deepEqual(await setUp(env), first);
  });

  it('a lost DATA_DIR/secret.key (no SECRET_KEY set): the new one is refused by name', async () => {
    const env = { ...(await ownStorage()), SECRET_KEY: undefined };
    await setUp(env);
    const file = `${env.DATA_DIR}/secret.key`;
    fs.writeFileSync(file, secret());
    await assert.rejects(openStorage(parseSettings(env)), (err: Error) => {
      assert.equal(err.name, 'WrongSecret');
      assert.ok(err.message.startsWith(`The secret in ${file} is not the master secret`), err.message);
      return true;
    });
  });
});
