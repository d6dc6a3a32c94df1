// Runs an operation at a fixed concurrency, bounded by a count AND a time cap; reports throughput and latency percentiles.
import { performance } from 'node:perf_hooks';

import { cpuPerOp, cpuSnapshot, type CpuPerOp } from './cpu.ts';

/** `serverPid`: whose CPU time counts as the server's (the child process under test). */
export type Limits = { concurrency: number; maxOps: number; maxSeconds: number; warmupOps: number; serverPid?: number };
export type Result = {
  scenario: string; target: string; concurrency: number; ops: number; errors: number; firstError?: string;
  seconds: number; opsPerSec: number; p50Ms: number; p95Ms: number; p99Ms: number;
  /** CPU milliseconds per operation over the timed part: server, databases, load generator. */
  cpu: CpuPerOp;
};
/** Makes one worker's operation; setup (sign-ins, tokens) happens here, outside the timed part. */
export type WorkerFactory = (worker: number) => Promise<() => Promise<unknown>>;

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function drive(ops: Array<() => Promise<unknown>>, maxOps: number, maxSeconds: number, latencies: number[] | null) {
  const deadline = performance.now() + maxSeconds * 1000;
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(ops.map(async (op) => {
    while (started < maxOps && performance.now() < deadline) {
      started++;
      const t0 = performance.now();
      try {
        await op();
        latencies?.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  }));
  return { errors, firstError };
}

export async function measure(scenario: string, target: string, limits: Limits, factory: WorkerFactory): Promise<Result> {
  const ops = await Promise.all(Array.from({ length: limits.concurrency }, (_, i) => factory(i)));
  await drive(ops, limits.warmupOps, Math.min(5, limits.maxSeconds), null);
  const latencies: number[] = [];
  const cpu0 = cpuSnapshot(limits.serverPid);
  const t0 = performance.now();
  const { errors, firstError } = await drive(ops, limits.maxOps, limits.maxSeconds, latencies);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuPerOp(cpu0, cpuSnapshot(limits.serverPid), latencies.length);
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    scenario, target, concurrency: limits.concurrency, ops: latencies.length, errors, firstError,
    seconds: round(seconds), opsPerSec: round(latencies.length / seconds),
    p50Ms: round(percentile(latencies, 50)), p95Ms: round(percentile(latencies, 95)), p99Ms: round(percentile(latencies, 99)),
    cpu,
  };
}
