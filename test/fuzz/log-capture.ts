// Collects what the server logs while the fuzz suite runs. pino (src/platform/log.ts) writes to process.stdout
// itself when process.stdout.write has been replaced before the logger is made (otherwise it opens its own
// SonicBoom on file descriptor 1, out of reach), so `start()` must run before `startTestServer`.
import { performance } from 'node:perf_hooks';

export type LogLine = {
  /** Order of arrival. */
  seq: number;
  /** performance.now() when it was written. */
  at: number;
  level: number;
  reqId?: string;
  msg?: string;
  /** The error's own message, when the line carries one (`err`). */
  errMessage?: string;
  text: string;
  /** Tied to a request (or reported) already. */
  claimed: boolean;
};

export const ERROR_LEVEL = 50;

export class LogCapture {
  readonly lines: LogLine[] = [];
  #restore?: () => void;

  start(): void {
    if (this.#restore) return;
    const stdout = process.stdout;
    const original = stdout.write;
    const take = (text: string) => this.#take(text);
    const patched = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? chunk : undefined;
      if (text?.startsWith('{"level":')) {
        for (const line of text.split('\n')) if (line.trim()) take(line);
        const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        if (cb) process.nextTick(cb);
        return true;
      }
      return (original as (...a: unknown[]) => boolean).call(stdout, chunk, ...rest);
    };
    stdout.write = patched as typeof stdout.write;
    this.#restore = () => {
      stdout.write = original;
    };
  }

  stop(): void {
    this.#restore?.();
    this.#restore = undefined;
  }

  #take(text: string): void {
    let level = 0;
    let reqId: string | undefined;
    let msg: string | undefined;
    let errMessage: string | undefined;
    try {
      const parsed = JSON.parse(text) as {
        level?: number;
        reqId?: unknown;
        msg?: unknown;
        err?: { message?: unknown } | string;
      };
      level = typeof parsed.level === 'number' ? parsed.level : 0;
      reqId = typeof parsed.reqId === 'string' ? parsed.reqId : undefined;
      msg = typeof parsed.msg === 'string' ? parsed.msg : undefined;
      const err = parsed.err;
      errMessage = typeof err === 'string' ? err : typeof err?.message === 'string' ? err.message : undefined;
    } catch {
      // Half a line or not pino's: keep it, at the error level, so it is looked at.
      level = ERROR_LEVEL;
    }
    this.lines.push({
      seq: this.lines.length,
      at: performance.now(),
      level,
      reqId,
      msg,
      errMessage,
      text,
      claimed: false,
    });
  }

  errors(): LogLine[] {
    return this.lines.filter((l) => l.level >= ERROR_LEVEL);
  }

  /** Error lines written since `seq` (exclusive of earlier ones). */
  errorsSince(seq: number): LogLine[] {
    return this.lines.slice(seq).filter((l) => l.level >= ERROR_LEVEL);
  }

  get count(): number {
    return this.lines.length;
  }
}
