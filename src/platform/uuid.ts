// The one check of an id that comes from outside (a URL, a form) before it meets a `uuid` column: PostgreSQL answers
// anything that is not a UUID with an error (a 500), so an id that fails this is simply not found.

/**
 * 8-4-4-4-12 lower-case hex digits: a UUID as PostgreSQL writes it and `crypto.randomUUID()` makes it. Other spellings
 * PostgreSQL would read (upper case, braces, no hyphens) are refused too, since ids are also compared as strings
 * (an organisation's last owner, for one).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
