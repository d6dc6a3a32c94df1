// Short-lived state shared by every server process: Redis when configured, PostgreSQL otherwise.
export interface SharedStore {
  /** Adds one to a counter that lives `windowSeconds` from its first hit; returns the new count. */
  increment(key: string, windowSeconds: number): Promise<number>;
  count(key: string): Promise<number>;
  /** Takes one off a counter that is still running (never below zero, its window unchanged); none: nothing. */
  decrement(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  /** Stores a value for `ttlSeconds`. */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Returns a stored value, leaving it in place. */
  peek(key: string): Promise<string | undefined>;
  /** Returns a stored value and removes it, so it can be used once. */
  take(key: string): Promise<string | undefined>;
}
