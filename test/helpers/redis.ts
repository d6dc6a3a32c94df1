// Redis for tests: deleting every key under a prefix (SCAN, never KEYS; on a cluster, on every master), and
// redis-server processes of a test's own (a cluster of three, a master and its Sentinel) in a temporary folder.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, type Redis } from 'ioredis';
import { freePort } from '../../src/platform/storage/embedded-postgres.ts';
import type { RedisClient } from '../../src/platform/storage/redis-connection.ts';

/** The servers that hold the keys: every master of a cluster, or the one server. */
export const redisMasters = (redis: RedisClient): Redis[] =>
  redis instanceof Cluster ? redis.nodes('master') : [redis];

/** Every key under a prefix on one server, a batch at a time. */
export async function* scanPrefix(node: Redis, prefix: string): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) yield keys;
    cursor = next;
  } while (cursor !== '0');
}

export async function deleteRedisPrefix(redis: RedisClient, prefix: string): Promise<void> {
  for (const node of redisMasters(redis)) {
    // One key a command: keys of different slots may not share one, even on the same master.
    for await (const keys of scanPrefix(node, prefix)) await node.pipeline(keys.map((key) => ['unlink', key])).exec();
  }
}

const run = promisify(execFile);

/** Whether redis-server is on the PATH (the tests that start their own servers need it). */
export async function haveRedisServer(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    return true;
  } catch {
    return false;
  }
}

export type RedisProcesses = {
  dir: string;
  /** Starts redis-server on a free port with these arguments; resolves once it answers PING. */
  start(args: (port: number) => string[]): Promise<number>;
  /** redis-cli with these arguments; its standard output. */
  cli(args: string[]): Promise<string>;
  /** Stops every server started here and removes the folder. */
  stop(): Promise<void>;
};

/** redis-server processes in a temporary folder, each stopped by `stop()` (or when this process exits). */
export function redisProcesses(): RedisProcesses {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-redis-'));
  const children: ChildProcess[] = [];
  const running = () =>
    children.filter((child) => child.pid !== undefined && child.exitCode === null && child.signalCode === null);
  const killAll = () => {
    for (const child of running()) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const cli = async (args: string[]) => (await run('redis-cli', args, { timeout: 20_000 })).stdout;
  return {
    dir,
    cli,
    async start(args) {
      const port = await freePort();
      const child = spawn('redis-server', args(port), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      // Its log (on standard output) says why it stopped; only the end is kept.
      let log = '';
      const keep = (text: unknown) => (log = `${log}${text}`.slice(-2000));
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject)); // not found, say
      for (const end = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
        if (!running().includes(child)) throw new Error(`redis-server ${args(port).join(' ')} did not start: ${log}`);
        if ((await cli(['-p', String(port), 'ping']).catch(() => '')).trim() === 'PONG') return port;
        if (Date.now() > end) throw new Error(`redis-server on port ${port} did not answer`);
      }
    },
    async stop() {
      await Promise.all(
        running().map(
          (child) =>
            new Promise((resolve) => {
              child.once('exit', resolve);
              child.kill('SIGKILL');
            }),
        ),
      );
      process.off('exit', killAll);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
