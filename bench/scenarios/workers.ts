// WORKERS=1 against WORKERS=2 (issue 16, item 3): campus-sso as `npm start` runs it — src/main.ts, a real process
// tree, the CPU of the primary and its workers summed — on the password sign-in flow at a concurrency that saturates
// it and on the SSO hop. Then what a city's term-start morning needs in cores, from the CPU one sign-in costs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ClientRegistry } from '../../src/domain/clients/registry.ts';
import { parseSettings } from '../../src/platform/settings.ts';
import { openStorage } from '../../src/platform/storage/open.ts';
import { registerClient } from '../../test/helpers/rp.ts';
import { cpuSnapshot } from '../lib/cpu.ts';
import { BENCH_CLIENT, BENCH_CLIENT_METADATA } from '../lib/oidc.ts';
import type { Row } from '../lib/report.ts';
import { benchStorage, campusSsoTarget, START_FLAGS, type StorageMode } from '../lib/targets.ts';
import type { Limits, Meter } from '../lib/timing.ts';
import { passwordSignIns } from './password-sign-in.ts';
import { ssoHops } from './sso-hop.ts';

export const WORKERS_SIGN_IN = 'password sign-in flow, npm start';
export const WORKERS_HOP = 'SSO hop, npm start';

const root = path.join(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type MainProcess = { pid: number; issuer: string; stop(): Promise<void> };

/** `npm start` with `env`, logging to `logFile`; resolves when the server (WORKERS > 1: its primary) listens. */
async function startMain(env: Record<string, string | undefined>, logFile: string): Promise<MainProcess> {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...START_FLAGS, 'src/main.ts'], {
    cwd: root,
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)),
    stdio: ['ignore', log, 'pipe'],
  });
  fs.closeSync(log);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(kill);
  };
  for (const deadline = Date.now() + 180_000; ; await sleep(200)) {
    const listening = fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"campus-sso listening"'))
      .map((line) => JSON.parse(line) as { issuer: string; worker?: number })
      .find((line) => line.worker === undefined);
    if (listening) return { pid: child.pid!, issuer: listening.issuer, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`campus-sso did not start: ${stderr.trim()}`);
    }
  }
}

/** The bench client, as bench/servers/campus-sso.ts registers it, written from here (the server is another process). */
async function registerBenchClient(env: Record<string, string | undefined>) {
  const storage = await openStorage(parseSettings(env)); // the embedded PostgreSQL: the server's, while it runs
  try {
    const clients = new ClientRegistry(storage.db);
    await registerClient({ services: { clients } }, BENCH_CLIENT_METADATA, BENCH_CLIENT.secret);
  } finally {
    await storage.close();
  }
}

export type CityEstimate = {
  /** Sign-ins per second the morning needs at its busiest. */
  neededPerSecond: number;
  /** Measured: campus-sso CPU (primary and workers) per sign-in, and what one core therefore signs in per second. */
  serverCpuMs: number;
  perCore: number;
  cores: number;
  /** The database's share (every PostgreSQL and Redis process on the machine, so only a rough one when shared). */
  databaseCores: number;
  text: string;
};

const CITY = { people: 1_000_000, share: 0.3, windowSeconds: 30 * 60, peakFactor: 3 };

/** What a 1,000,000-person city's term-start morning (30 % sign in between 07:30 and 08:00) needs in cores. */
export function cityMorning(signIn: Row): CityEstimate {
  const signIns = CITY.people * CITY.share;
  const average = signIns / CITY.windowSeconds;
  const neededPerSecond = average * CITY.peakFactor;
  const serverCpuMs = signIn.perOp.serverCpuMs ?? Number.NaN;
  const perCore = 1000 / serverCpuMs;
  const cores = neededPerSecond / perCore;
  const databaseCores = (neededPerSecond * (signIn.perOp.dbCpuMs ?? Number.NaN)) / 1000;
  const n = (x: number, digits = 1) => x.toLocaleString('en', { maximumFractionDigits: digits });
  const text =
    `A city of ${n(CITY.people)}: ${CITY.share * 100} % sign in between 07:30 and 08:00 = ${n(signIns)} sign-ins in ` +
    `${n(CITY.windowSeconds)} s = ${n(average, 0)}/s on average; assumed ${CITY.peakFactor}× that in the busiest ` +
    `minutes = ${n(neededPerSecond, 0)}/s. Measured (${signIn.target}, c=${signIn.concurrency}): ${n(serverCpuMs)} ms ` +
    `of campus-sso CPU per sign-in = ${n(perCore)} sign-ins/s per core, so ${n(neededPerSecond, 0)}/s needs ` +
    `${n(cores)} cores of campus-sso (${Math.ceil(cores / 0.7)} to keep them at 70 %), plus about ${n(databaseCores)} ` +
    `of database (${n(signIn.perOp.dbCpuMs ?? Number.NaN)} ms per sign-in over every PostgreSQL and Redis process ` +
    `on the machine). Measured at ${n(signIn.opsPerSec)} sign-ins/s on this machine, load generator included.`;
  return { neededPerSecond, serverCpuMs, perCore, cores, databaseCores, text };
}

export type WorkersResult = { rows: Row[]; estimate?: CityEstimate };

/**
 * For one storage mode: `npm start` with WORKERS=1, then WORKERS=2 (each in storage of its own, SEED_DEMO, the bench
 * client registered), the password sign-in flow at `signIn` (a concurrency that saturates, e.g. 8), then the SSO hop
 * at `hop`. The estimate is made from the last sign-in row (the most workers).
 */
export async function workersScenario(
  mode: StorageMode,
  limits: { signIn: Limits; hop: Limits },
  opts: { bcryptCost?: number; workers?: number[]; log?: (line: string) => void } = {},
): Promise<WorkersResult> {
  const rows: Row[] = [];
  let lastSignIn: Row | undefined;
  for (const workers of opts.workers ?? [1, 2]) {
    const storage = await benchStorage(mode, opts.bcryptCost ?? 10);
    try {
      const env = { ...storage.env, WORKERS: String(workers), SEED_DEMO: 'true' };
      const server = await startMain(env, path.join(storage.dataDir, 'server.log'));
      try {
        await registerBenchClient(env);
        const t = await campusSsoTarget(`campus-sso (${mode.name}, WORKERS=${workers})`, server.issuer);
        const meter: Meter = async () => ({ ...cpuSnapshot(server.pid, true) });
        // Untimed: the JIT compiles the hot paths of every worker first.
        await passwordSignIns(t, { concurrency: 4, maxOps: 20 * workers, maxSeconds: 5, warmupOps: 0 });
        for (const r of [
          await passwordSignIns(t, { ...limits.signIn, meter }, WORKERS_SIGN_IN),
          await ssoHops(t, { ...limits.hop, meter }, WORKERS_HOP),
        ]) {
          rows.push(r);
          opts.log?.(
            `  ${r.scenario} [${r.target}] c=${r.concurrency}: ${r.opsPerSec}/s, p99 ${r.p99Ms} ms, CPU ms/op: ` +
              `server ${r.perOp.serverCpuMs}, db ${r.perOp.dbCpuMs}; ${r.errors} errors${r.firstError ? ` (${r.firstError})` : ''}`,
          );
          if (r.scenario === WORKERS_SIGN_IN && !r.errors) lastSignIn = r;
        }
      } finally {
        await server.stop();
      }
    } finally {
      await storage.cleanup();
    }
  }
  return { rows, estimate: lastSignIn && cityMorning(lastSignIn) };
}
