// JSON logs. Paths are logged without query strings, and known secret-bearing fields are redacted.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'campus-sso' },
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
  });
}
