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

/** A JSON object read back from storage (text or already parsed); anything that is not an object is missing. */
export function asJsonObject(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string') {
    try {
      return asJsonObject(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Whether text PostgreSQL cannot store is anywhere in a value (a NUL character, in any string of it): such input is
 * refused at the edge, and lookups by it find nothing.
 */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || !value || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v, depth + 1));
}
