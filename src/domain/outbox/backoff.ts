// Back-off between delivery attempts: 5 s, 30 s, 2 min, 10 min, 1 h, then 1 h (with the default base and cap).
const STEPS = [1, 6, 24, 120, 720];

export type BackoffOptions = { baseMs: number; capMs: number };

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5000, capMs: 3_600_000 };

/** Delay after the `attempts`-th failed attempt (1-based), ±10 % jitter so workers don't retry in lockstep. */
export function backoffMs(
  attempts: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const step = STEPS[Math.min(Math.max(attempts, 1), STEPS.length) - 1]!;
  const delay = Math.min(opts.capMs, opts.baseMs * step);
  return Math.round(delay * (0.9 + 0.2 * random()));
}
