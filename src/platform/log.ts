// JSON logs. Paths are logged without query strings, and known secret-bearing fields are redacted.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** A database error's SQLSTATE: five digits or capitals (node-postgres' DatabaseError carries it as `code`). */
const SQLSTATE = /^[0-9A-Z]{5}$/;
/** What a database error may say of itself without saying the data: what failed, where. */
const DATABASE_FIELDS = ['code', 'severity', 'table', 'column', 'constraint', 'schema', 'dataType', 'routine'] as const;

/**
 * An error as it is logged. A database error's data stays out: its `detail` ("Key (email)=(someone@…) already
 * exists"), `where`, `hint` and the values its message quotes (`invalid input syntax for type uuid: "…"`); its
 * SQLSTATE, table and constraint say what failed. Any other error as pino logs it.
 */
export function loggedError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & Record<string, unknown>;
  const fromDatabase = typeof e.code === 'string' && SQLSTATE.test(e.code) && ('severity' in e || 'routine' in e);
  if (!fromDatabase) return pino.stdSerializers.err(err);
  const scrub = (text: string) => text.replace(/"[^"\n]*"/g, '"…"').replace(/\([^)\n]*\)=\([^)\n]*\)/g, '(…)=(…)');
  const logged: Record<string, unknown> = {
    type: e.constructor?.name ?? 'Error',
    message: scrub(e.message),
    stack: typeof e.stack === 'string' ? scrub(e.stack) : undefined,
  };
  for (const field of DATABASE_FIELDS) if (typeof e[field] === 'string') logged[field] = e[field];
  if (e.cause !== undefined) logged.cause = loggedError(e.cause);
  return logged;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'campus-sso' },
    serializers: { err: loggedError },
    redact: {
      paths: [
        'password',
        'secret',
        'client_secret',
        'token',
        '*.password',
        '*.client_secret',
        '*.token',
        'req.headers.authorization',
        'req.headers.cookie',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
