// Starting the servers under test as child processes, each in storage of its own that goes away with it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { deleteRedisPrefix } from '../../test/helpers/redis.ts';
import { type ChildServer, startChild } from './child.ts';
import { BENCH_CLIENT, endpoints, type Person, type Target } from './oidc.ts';

export type Running = {
  target: Target;
  child: ChildServer<{ issuer: string; storage: string }>;
  close(): Promise<void>;
  /** campus-sso only: kill -9 the server, then start another on the same storage (`child` is then the new one). */
  restartAfterKill?(): Promise<void>;
};

const here = import.meta.dirname;

const START_SCRIPT = (
  JSON.parse(fs.readFileSync(path.join(here, '../../package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start.split(/\s+/);
/** The node flags `npm start` runs the server with (package.json's start script), so the bench measures the same. */
export const START_FLAGS: string[] = START_SCRIPT.filter((word) => word.startsWith('--'));
/** The environment the start script sets before node (MALLOC_ARENA_MAX). */
export const START_ENV: Record<string, string> = Object.fromEntries(
  START_SCRIPT.flatMap((word) => {
    const m = /^([A-Z_]+)=(.*)$/.exec(word);
    return m ? [[m[1]!, m[2]!]] : [];
  }),
);
export const DEMO_TEACHER: Person = { login: 'teacher', password: 'Blue-Chalk-2026' }; // two identities: the menu is shown

/** The bare library runs on the same Node with the same runtime flags as campus-sso, so "vs bare" compares code. */
export async function startBare(execArgv: string[] = []): Promise<Running> {
  const child = await startChild<{ issuer: string; storage: string }>(
    path.join(here, '../servers/bare-provider.ts'),
    { ...process.env, NODE_ENV: 'production', ...START_ENV },
    [...START_FLAGS, ...execArgv],
  );
  const target: Target = {
    name: 'bare oidc-provider',
    e: await endpoints(child.info.issuer),
    client: BENCH_CLIENT,
    scope: 'openid profile email',
    person: () => DEMO_TEACHER,
  };
  return { target, child, close: () => child.stop() };
}

/** A database of its own on the server DATABASE_URL names (created, and dropped afterwards). */
async function scratchDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `campus_sso_bench_${process.pid}_${Date.now()}`;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin.href });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  return { url: own.href, drop: () => run(`drop database if exists ${name} with (force)`) };
}

async function dropRedisPrefix(url: string, prefix: string) {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    await deleteRedisPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** campus-sso as the scenarios see it: the bench client, the demo teacher, and the identity scope (so the menu). */
export async function campusSsoTarget(name: string, issuer: string): Promise<Target> {
  return {
    name,
    e: await endpoints(issuer),
    client: BENCH_CLIENT,
    scope: 'openid profile email identity',
    person: () => DEMO_TEACHER,
  };
}

export type StorageMode = { name: string; databaseUrl?: string; redisUrl?: string };

/** The storage DATABASE_URL and REDIS_URL name (as for `npm start`), else the embedded PostgreSQL: one mode, for the
 *  tools that measure in one (bench/ab.ts, bench/per-request.ts). */
export function storageFromEnv(): StorageMode {
  const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = process.env;
  if (!databaseUrl) return { name: 'embedded PostgreSQL' };
  return { name: redisUrl ? 'PostgreSQL + Redis' : 'PostgreSQL', databaseUrl, redisUrl };
}

export type BenchStorage = {
  dataDir: string;
  /** campus-sso's settings as `npm start` reads them: this storage, BCRYPT_COST as given, logging at info. */
  env: Record<string, string | undefined>;
  /** Drops the scratch database and the Redis keys, and removes DATA_DIR. */
  cleanup(): Promise<void>;
};

/** Storage of its own for one campus-sso under test: a temporary DATA_DIR, a scratch database, a Redis prefix. */
export async function benchStorage(mode: StorageMode, bcryptCost: number): Promise<BenchStorage> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-bench-'));
  fs.chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const db = mode.databaseUrl ? await scratchDatabase(mode.databaseUrl) : undefined;
  const prefix = `bench:${crypto.randomBytes(4).toString('hex')}:`;
  const cleanup = async () => {
    await db?.drop().catch((err: Error) => console.error(`  could not drop the bench database: ${err.message}`));
    if (mode.redisUrl) await dropRedisPrefix(mode.redisUrl, prefix).catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_DEMO: 'true',
    BCRYPT_COST: String(bcryptCost),
    // PASSWORD_HASH=argon2id npm run bench: the sign-ins with argon2id instead of bcrypt.
    PASSWORD_HASH: process.env.PASSWORD_HASH,
    SECRET_KEY: crypto.randomBytes(32).toString('base64url'),
    DATABASE_URL: db?.url,
    REDIS_URL: mode.redisUrl,
    REDIS_PREFIX: prefix,
    OUTBOX_POLL_MS: '5000',
    ...START_ENV,
  };
  return { dataDir, env, cleanup };
}

/** campus-sso as `npm start` runs it, with BCRYPT_COST as configured and logging at info (written to nowhere). */
export async function startCampusSso(mode: StorageMode, bcryptCost: number, execArgv: string[] = []): Promise<Running> {
  const { env, cleanup } = await benchStorage(mode, bcryptCost);
  const start = () =>
    startChild<{ issuer: string; storage: string }>(path.join(here, '../servers/campus-sso.ts'), env, [
      ...START_FLAGS,
      ...execArgv,
    ]);
  try {
    const child = await start();
    const target = await campusSsoTarget(`campus-sso (${child.info.storage})`, child.info.issuer);
    const running: Running = {
      target,
      child,
      async close() {
        await running.child.stop();
        await cleanup();
      },
      async restartAfterKill() {
        await running.child.kill();
        running.child = await start();
        running.target = { ...running.target, e: await endpoints(running.child.info.issuer) };
      },
    };
    return running;
  } catch (err) {
    await cleanup();
    throw err;
  }
}
