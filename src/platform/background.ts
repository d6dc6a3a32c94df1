// Work a request starts but does not wait for: it runs after the answer has gone, so the answer's timing cannot tell
// what the work found (whether an account exists, say). Failures are logged, never thrown at anyone; shutdown waits
// for what is under way.
import type { Logger } from './log.ts';
import { isStoreUnavailable } from './storage/unavailable.ts';

export class Background {
  readonly #log: Logger;
  readonly #running = new Set<Promise<void>>();
  #held: (() => void)[] | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Runs `task` once the current request has been answered. */
  run(what: string, task: () => Promise<unknown>): void {
    const start = () => {
      const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .then(
          () => {},
          (err: unknown) => {
            if (isStoreUnavailable(err))
              this.#log.warn({ err: (err as Error).message, what }, 'background task: storage unavailable');
            else this.#log.error({ err, what }, 'background task failed');
          },
        )
        .finally(() => this.#running.delete(done));
      this.#running.add(done);
    };
    if (this.#held) this.#held.push(start);
    else start();
  }

  /** Resolves when nothing is running (tasks started meanwhile included). */
  async idle(): Promise<void> {
    while (this.#running.size) await Promise.all([...this.#running]);
  }

  /**
   * Keeps new tasks from starting until the returned function is called (tests use it to look at an answer given
   * before any of its background work has run).
   */
  hold(): () => void {
    this.#held ??= [];
    return () => {
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const start of held) start();
    };
  }
}
