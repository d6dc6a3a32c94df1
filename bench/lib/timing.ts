// Runs an operation at a fixed concurrency, bounded by a count AND a time cap; reports throughput and latency percentiles.
import { performance } from 'node:perf_hooks';

/** Running totals read before and after the timed part (CPU seconds by process, SQL statements, Redis commands). */
export type Meter = () => Promise<Record<string, number>>;
export type Limits = { concurrency: number; maxOps: number; maxSeconds: number; warmupOps: number; meter?: Meter };
export type Result = {
  scenario: string;
  target: string;
  concurrency: number;
  ops: number;
  errors: number;
  firstError?: string;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The meter's totals per operation over the timed part (CPU seconds become milliseconds: `serverCpuMs`, …). */
  perOp: Record<string, number>;
};

/** The meter's readings after minus before, per operation (CPU seconds become milliseconds). */
export function perOperation(before: Record<string, number>, after: Record<string, number>, ops: number) {
  return Object.fromEntries(
    Object.keys(after).map((k) => {
      const cpu = k.endsWith('Cpu');
      const per = ((after[k]! - (before[k] ?? 0)) * (cpu ? 1000 : 1)) / Math.max(ops, 1);
      return [cpu ? `${k}Ms` : k, Math.round(per * 100) / 100];
    }),
  );
}
const round = (n: number) => Math.round(n * 100) / 100;

/** p50/p95/p99/max of latencies in milliseconds (sorts them in place), rounded to hundredths. */
export function latencySummary(latencies: number[]) {
  latencies.sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? NaN),
  };
}

/** Makes one worker's operation; setup (sign-ins, tokens) happens here, outside the timed part. */
export type WorkerFactory = (worker: number) => Promise<() => Promise<unknown>>;

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function drive(
  ops: Array<() => Promise<unknown>>,
  maxOps: number,
  maxSeconds: number,
  latencies: number[] | null,
) {
  const deadline = performance.now() + maxSeconds * 1000;
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(
    ops.map(async (op) => {
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
    }),
  );
  return { errors, firstError };
}

export async function measure(
  scenario: string,
  target: string,
  limits: Limits,
  factory: WorkerFactory,
): Promise<Result> {
  const ops = await Promise.all(Array.from({ length: limits.concurrency }, (_, i) => factory(i)));
  await drive(ops, limits.warmupOps, Math.min(5, limits.maxSeconds), null);
  const latencies: number[] = [];
  const meter: Meter = limits.meter ?? (async () => ({}));
  const before = await meter();
  const t0 = performance.now();
  const { errors, firstError } = await drive(ops, limits.maxOps, limits.maxSeconds, latencies);
  const seconds = (performance.now() - t0) / 1000;
  const perOp = perOperation(before, await meter(), latencies.length);
  return {
    scenario,
    target,
    concurrency: limits.concurrency,
    ops: latencies.length,
    errors,
    firstError,
    seconds: round(seconds),
    opsPerSec: round(latencies.length / seconds),
    ...latencySummary(latencies),
    perOp,
  };
}
