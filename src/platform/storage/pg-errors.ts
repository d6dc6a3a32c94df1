// What PostgreSQL's errors mean to the code that meets them.

/** A unique index refused the write (SQLSTATE 23505): someone else holds the value, often since a moment ago. */
export const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === '23505';
