// JSON we wrote earlier (shared store, cookies) is read back against its schema, never trusted.
import type { z } from 'zod';

export function parseStoredJson<T extends z.ZodType>(
  schema: T,
  raw: string | null | undefined,
): z.infer<T> | undefined {
  if (!raw) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
