// A client's sign-ins per day (the developer portal's chart), counted in this process's memory and added to
// client_sign_in_days at most once a second, in one statement for every client counted meanwhile: an SSO hop used
// to spend one of its eight statements on its own increment of a row that every hop to the same app locks in turn.
// A crash loses at most the last second's counts (a statistic); a count made in the last second of a day may land on
// the next day. Days are Taipei's, whatever the database's zone. Closing (the server's shutdown) adds what is still
// counted.
import type { Knex } from 'knex';
import type { Logger } from '../../platform/log.ts';

/** The day a count is kept under: today in Taipei, whatever the database's zone (SQL). */
export const COUNT_DAY = "(now() at time zone 'Asia/Taipei')::date";

const ADD = `insert into client_sign_in_days (client_id, day, count)
  select c.client_id, ${COUNT_DAY}, c.count from unnest(?::text[], ?::int[]) as c(client_id, count)
  on conflict (client_id, day) do update set count = client_sign_in_days.count + excluded.count`;

export class SignInCounts {
  readonly #db: Knex;
  readonly #log: Logger;
  readonly #everyMs: number;
  #counted = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #adding: Promise<void> = Promise.resolve();

  constructor(db: Knex, log: Logger, everyMs = 1000) {
    this.#db = db;
    this.#log = log;
    this.#everyMs = everyMs;
  }

  /** One sign-in to `clientId`, added within `everyMs`. */
  count(clientId: string): void {
    this.#counted.set(clientId, (this.#counted.get(clientId) ?? 0) + 1);
    this.#timer ??= setTimeout(() => void this.flush(), this.#everyMs).unref();
  }

  /** Adds what is counted now; if storage refuses, the counts stay for the next time (one entry per client). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const counted = this.#counted;
    if (!counted.size) return this.#adding;
    this.#counted = new Map();
    // One after another: a slow statement is not overtaken by the next second's.
    this.#adding = this.#adding.then(() =>
      this.#db
        .raw(ADD, [[...counted.keys()], [...counted.values()]])
        .then(() => undefined)
        .catch((err) => {
          this.#log.error({ err }, 'counting sign-ins failed; kept for the next time');
          for (const [clientId, n] of counted) this.#counted.set(clientId, (this.#counted.get(clientId) ?? 0) + n);
          this.#timer ??= setTimeout(() => void this.flush(), this.#everyMs).unref();
        }),
    );
    return this.#adding;
  }

  /** Adds what is still counted (at shutdown); what storage refuses then is lost, and logged. */
  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
