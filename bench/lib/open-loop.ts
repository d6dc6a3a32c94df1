// Open-loop load: flows arrive at a fixed rate whether or not earlier ones have finished, as people arrive at a sign-in
// page. The i-th flow is due at t0 + i / rate (computed from i, so late timers never make the schedule drift), and its
// latency is counted from when it was due, not from when the load generator got round to starting it: a late start is
// queueing too, so slow moments are not left out of the percentiles (no coordinated omission). Outstanding flows are
// not limited except by a safety cap; a flow due while the cap is reached is not started and counts as an error.
// A warm-up at the same rate comes first; the percentiles are of the flows due in the measured window, each waited for
// (up to `drainSeconds`) even if it ends after the window.
import { performance } from 'node:perf_hooks';
import { latencySummary, type Meter, perOperation, type Result } from './timing.ts';

export type OpenLoopLimits = {
  /** Flows started per second. */
  rate: number;
  /** The measured window. */
  seconds: number;
  /** At the same rate, before the window; not in the percentiles. */
  warmupSeconds: number;
  /** Flows in progress at most; a flow due beyond it is refused (an error). */
  maxOutstanding: number;
  /** How long to wait after the window for the measured flows still running; those still running then are errors. */
  drainSeconds?: number;
  meter?: Meter;
};

/** `concurrency` is the most flows that were in progress at once during the window. */
export type OpenLoopResult = Result & {
  /** The arrival rate asked for (flows per second); `opsPerSec` is the rate at which flows were completed. */
  rate: number;
  /** Flows of the window not started because `maxOutstanding` were running (also counted in `errors`). */
  refused: number;
  /** How late the load generator started flows, p99 (ms after they were due; already part of their latency). */
  startLagP99Ms: number;
};

/** When the i-th flow is due, in milliseconds after the first. */
export const dueAt = (i: number, rate: number) => (i * 1000) / rate;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number) => Math.round(n * 100) / 100;

export async function measureOpenLoop(
  scenario: string,
  target: string,
  limits: OpenLoopLimits,
  flow: () => Promise<unknown>,
): Promise<OpenLoopResult> {
  const meter: Meter = limits.meter ?? (async () => ({}));
  const t0 = performance.now();
  const windowStart = t0 + limits.warmupSeconds * 1000;
  const windowEnd = windowStart + limits.seconds * 1000;
  const latencies: number[] = [];
  const startLags: number[] = [];
  const running = new Set<Promise<void>>();
  let outstanding = 0;
  let mostOutstanding = 0;
  let measuredOutstanding = 0;
  let errors = 0;
  let refused = 0;
  let firstError: string | undefined;
  /** Flows (of the warm-up or the window) that ended well inside the window: the throughput and the meter's unit. */
  let completedInWindow = 0;

  const start = (due: number, measured: boolean) => {
    if (outstanding >= limits.maxOutstanding) {
      if (measured) {
        refused++;
        errors++;
        firstError ??= `refused: ${limits.maxOutstanding} flows already in progress`;
      }
      return;
    }
    outstanding++;
    if (measured) {
      measuredOutstanding++;
      mostOutstanding = Math.max(mostOutstanding, outstanding);
      startLags.push(performance.now() - due);
    }
    const run = (async () => {
      try {
        await flow();
        const end = performance.now();
        if (measured) latencies.push(end - due);
        if (end >= windowStart && end < windowEnd) completedInWindow++;
      } catch (err) {
        if (measured) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      } finally {
        outstanding--;
        if (measured) measuredOutstanding--;
      }
    })();
    running.add(run);
    void run.finally(() => running.delete(run));
  };

  let before: Promise<Record<string, number>> | undefined;
  for (let i = 0; ; i++) {
    const due = t0 + dueAt(i, limits.rate);
    if (due >= windowEnd) break;
    // A timer may fire up to a millisecond early (libuv's clock is in whole milliseconds): never start before due.
    for (let wait = due - performance.now(); wait > 0; wait = due - performance.now()) await sleep(Math.ceil(wait));
    const measured = due >= windowStart;
    // The meter is read when the window opens, without holding up the schedule.
    if (measured) before ??= meter();
    start(due, measured);
  }
  for (let wait = windowEnd - performance.now(); wait > 0; wait = windowEnd - performance.now())
    await sleep(Math.ceil(wait));
  const after = meter();
  const perOp = perOperation(await (before ?? after), await after, completedInWindow);

  // The window's flows that have not finished yet are waited for: their latency is the point.
  const drainSeconds = limits.drainSeconds ?? 60;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), drainSeconds * 1000);
  });
  while (measuredOutstanding > 0) if ((await Promise.race([Promise.race(running), late])) === 'late') break;
  clearTimeout(timer);
  if (measuredOutstanding > 0) {
    errors += measuredOutstanding;
    firstError ??= `${measuredOutstanding} flows unfinished ${drainSeconds} s after the window`;
  }
  return {
    scenario,
    target,
    concurrency: mostOutstanding,
    rate: limits.rate,
    ops: latencies.length,
    errors,
    firstError,
    refused,
    seconds: limits.seconds,
    opsPerSec: round(completedInWindow / limits.seconds),
    ...latencySummary(latencies),
    startLagP99Ms: latencySummary(startLags).p99Ms,
    perOp,
  };
}
