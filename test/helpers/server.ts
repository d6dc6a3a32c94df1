// Starts the real server on a free port. Storage follows the environment: DATABASE_URL / REDIS_URL when set
// (the PostgreSQL + Redis run), otherwise the embedded default in a temporary DATA_DIR.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { parseSettings } from '../../src/platform/settings.ts';
import { openStorage, type Storage } from '../../src/platform/storage/open.ts';
import { type RunningServer, startServer } from '../../src/server.ts';

/** A fixed master secret for test databases only. */
export const TEST_SECRET_KEY = Buffer.from('campus-sso test master secret, not for production!').toString('base64url');

export type TestServer = RunningServer & { dataDir: string; env: Record<string, string | undefined> };

export function testEnv(overrides: Record<string, string | undefined> = {}, dataDir?: string) {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-test-'));
  fs.chmodSync(dir, 0o755);
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    DATA_DIR: dir,
    BCRYPT_COST: '4',
    SEED_DEMO: 'true',
    OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_PREFIX: `test:${crypto.randomBytes(4).toString('hex')}:`,
    // Servers sharing one DATABASE_URL must share the master secret that seals the keys stored there.
    SECRET_KEY: process.env.SECRET_KEY ?? (process.env.DATABASE_URL ? TEST_SECRET_KEY : undefined),
    ...overrides,
  };
}

export async function startTestServer(
  overrides: Record<string, string | undefined> = {},
  dataDir?: string,
): Promise<TestServer> {
  const env = testEnv(overrides, dataDir);
  const server = await startServer(parseSettings(env));
  return {
    ...server,
    dataDir: env.DATA_DIR,
    env,
    async close() {
      await server.close();
      // A DATA_DIR made for this server is removed with it; a shared one belongs to whoever made it.
      if (!dataDir) fs.rmSync(env.DATA_DIR, { recursive: true, force: true });
    },
  };
}

/**
 * Storage alone, without a server (no demo data), for the tests of this file or suite: opened before them and handed
 * to `opened`; after them `cleanUp` runs, then it closes and the DATA_DIR made for it goes.
 */
export function useTestStorage(
  opened: (storage: Storage) => unknown,
  cleanUp?: (storage: Storage) => Promise<unknown>,
): void {
  let storage: Storage | undefined;
  let dataDir: string | undefined;
  before(async () => {
    const env = testEnv({ SEED_DEMO: 'false' });
    dataDir = env.DATA_DIR;
    storage = await openStorage(parseSettings(env));
    await opened(storage);
  });
  after(async () => {
    try {
      if (storage) await cleanUp?.(storage);
    } finally {
      await storage?.close();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

export const storageMode = process.env.DATABASE_URL
  ? process.env.REDIS_URL
    ? 'postgres+redis'
    : 'postgres'
  : 'embedded';
