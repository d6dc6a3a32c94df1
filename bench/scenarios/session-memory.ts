// Issue 16's memory question: how much does a campus-sso process hold once many people are signed in? Run on a server
// of its own (started with BCRYPT_COST=4, the minimum, and --expose-gc) so that making the sessions takes minutes, not
// the hours cost-10 compares would: every session is still a real one — a password sign-in over HTTP from a fresh
// cookie jar (authorize → sign-in page → form post → code → token) by a bench person of its own, leaving its session,
// grant, codes and tokens in storage as any sign-in does. Different people, so whatever the server keeps per account
// grows as it would. The server's memory is read just after it started (the people already in storage), at rest
// (after 200 warm-up sign-ins and a full collection), right after the sessions (as a server would be then, no
// collection forced), its peak in between (sampled every 20 ms), and after a full collection.
import { Redis } from 'ioredis';
import { serverMeter } from '../lib/meter.ts';
import { BENCH_PEOPLE_PASSWORD, benchLogin, type DatabaseSize, type LoadResult } from '../lib/people.ts';
import type { Running } from '../lib/targets.ts';
import { measure, type Result } from '../lib/timing.ts';
import { signInFlow } from './open-loop-sign-in.ts';

/** The server child's `memory` answer: process.memoryUsage() plus RssAnon / RssFile from /proc (bytes). */
export type Memory = {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  rssAnon: number;
  rssFile: number;
};

export type SessionMemory = {
  target: string;
  /** Sign-ins made (each a session) and the sessions person_sessions then held (the warm-up's included). */
  sessions: number;
  stored: number;
  warmup: number;
  seconds: number;
  start: Memory;
  rest: Memory;
  after: Memory;
  peakRss: number;
  afterGc: Memory;
  databaseGrowth: number;
  /** Redis's used_memory after minus before (the whole server's, so other users of it count too). */
  redisGrowth?: number;
};

// Not "sign-in" in the name: `--only sign-in` (profiling the sign-in) should not start this.
export const SESSION_MEMORY_SCENARIO = 'session memory: signed-in browsers made at bcrypt cost 4';
const WARMUP = 200;
const CONCURRENCY = 8;

async function redisUsedMemory(redis: Redis | undefined): Promise<number | undefined> {
  if (!redis) return undefined;
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

/** `s`: a campus-sso started with BCRYPT_COST=4 and --expose-gc; `redisUrl`: its Redis, if it has one. */
export async function sessionMemory(
  s: Running,
  sessions: number,
  redisUrl?: string,
): Promise<{ memory: SessionMemory; result: Result }> {
  // People 1 … sessions sign in once each; the next WARMUP people warm the server up first. They are loaded by the
  // server process (bench/lib/people.ts), which is then replaced, so that the loader's garbage is not measured: killed
  // and started again on the same storage (the roster scenario's restart; the people are committed).
  await s.child.ask<LoadResult>('load', { people: sessions + WARMUP }, 900_000);
  await s.restartAfterKill!();
  const t = s.target;
  const meter = serverMeter(s.child, redisUrl);
  const redis = redisUrl ? new Redis(redisUrl) : undefined;
  const memoryNow = async (gc: boolean): Promise<Memory> => {
    const m = await s.child.ask<Memory>('memory', { gc });
    return {
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      rssAnon: m.rssAnon,
      rssFile: m.rssFile,
    };
  };
  try {
    const start = await memoryNow(true);
    let next = sessions + 1;
    const person = () => ({ login: benchLogin(next++), password: BENCH_PEOPLE_PASSWORD });
    const signIns = (count: number, scenario: string) =>
      measure(
        scenario,
        t.name,
        { concurrency: CONCURRENCY, maxOps: count, maxSeconds: 3600, warmupOps: 0, meter: meter.meter },
        async () => () => signInFlow(t, person()),
      );
    await signIns(WARMUP, 'warm-up');
    const rest = await memoryNow(true);
    const [dbBefore, redisBefore] = await Promise.all([s.child.ask<DatabaseSize>('size'), redisUsedMemory(redis)]);

    next = 1;
    await s.child.ask('rss-start');
    const result = await signIns(sessions, SESSION_MEMORY_SCENARIO);
    const after = await memoryNow(false);
    const { peak } = await s.child.ask<{ peak: number }>('rss-stop');
    // person_sessions is written after the answer (not awaited by the provider): give the last writes a moment.
    let stored = 0;
    for (let tries = 0; tries < 50; tries++) {
      stored = (await s.child.ask<{ sessions: number }>('sessions')).sessions;
      if (stored >= sessions + WARMUP) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const afterGc = await memoryNow(true);
    const [dbAfter, redisAfter] = await Promise.all([s.child.ask<DatabaseSize>('size'), redisUsedMemory(redis)]);
    return {
      result,
      memory: {
        target: t.name,
        sessions: result.ops,
        stored,
        warmup: WARMUP,
        seconds: result.seconds,
        start,
        rest,
        after,
        peakRss: peak,
        afterGc,
        databaseGrowth: dbAfter.databaseBytes - dbBefore.databaseBytes,
        redisGrowth: redisAfter === undefined || redisBefore === undefined ? undefined : redisAfter - redisBefore,
      },
    };
  } finally {
    meter.close();
    redis?.disconnect();
  }
}
