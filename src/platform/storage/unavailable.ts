// Whether an error means a store is out of reach (Redis down or hung, PostgreSQL restarting or unreachable) rather
// than a fault of the request or of our code: such requests are answered at once with 503 and a Retry-After, and
// work again by themselves when the store is back.

/** Seconds a client is asked to wait before trying again while a store is out of reach. */
export const RETRY_AFTER_SECONDS = 5;

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTCONN',
]);
/** PostgreSQL: shutting down, starting up, or the connection lost (SQLSTATE classes 57P and 08). */
const POSTGRES = /^(57P0[1-4]|08\d\d\d)$/;
const MESSAGES = [
  "Stream isn't writeable", // ioredis without its offline queue, while reconnecting
  'Connection is closed', // ioredis
  'Command timed out', // ioredis commandTimeout
  'Reached the max retries per request limit', // ioredis
  "Cluster isn't ready", // ioredis Cluster, every node out of reach
  'Failed to refresh slots cache', // ioredis Cluster
  'All sentinels are unreachable', // ioredis Sentinel
  'Connection terminated', // pg
  'Timeout acquiring a connection', // knex pool
  'Client has encountered a connection error',
];

export function isStoreUnavailable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; syscall?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'string' && (NETWORK.has(e.code) || POSTGRES.test(e.code))) return true;
    // A Unix-domain socket that is not there (the embedded PostgreSQL's, while it is stopped): not a missing file.
    if (e.code === 'ENOENT' && e.syscall === 'connect') return true;
    if (typeof e.message === 'string' && MESSAGES.some((m) => (e!.message as string).includes(m))) return true;
  }
  return false;
}
