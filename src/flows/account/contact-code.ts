// The pending change of an email address or mobile number: the new value and a hash of its 6-digit code,
// kept in the shared store for 10 minutes and good for 5 wrong tries.
import crypto from 'node:crypto';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../domain/people/passwords.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';

export const CONTACT_KINDS = ['email', 'mobile'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export const CODE = { ttlSeconds: 600, maxTries: 5, sendsPerHour: 5 } as const;

const Pending = z.object({ to: z.string().min(1).max(320), hash: z.string().min(1), exp: z.number(), tries: z.number().int().min(0) });
export type Pending = z.infer<typeof Pending>;

export const pendingKey = (kind: ContactKind, personId: string) => `account:pending:${kind}:${personId}`;
export const sendCountKey = (personId: string) => `account:codes-sent:${personId}`;

export function newCode(): string {
  return String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
}

/** bcrypt: a leaked store entry does not give the code away within its ten minutes. */
export function hashCode(code: string, cost: number): Promise<string> {
  return hashPassword(code, cost);
}

export function codeMatches(code: string, pending: Pending): Promise<boolean> {
  return verifyPassword(code, pending.hash);
}

function parse(raw: string | undefined): Pending | undefined {
  if (!raw) return undefined;
  try {
    const parsed = Pending.safeParse(JSON.parse(raw));
    return parsed.success && parsed.data.exp > Date.now() ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function savePending(store: SharedStore, key: string, pending: Pending): Promise<void> {
  const seconds = Math.ceil((pending.exp - Date.now()) / 1000);
  if (seconds > 0) await store.put(key, JSON.stringify(pending), seconds);
}

/** Shows the pending change without using it up. */
export async function peekPending(store: SharedStore, key: string): Promise<Pending | undefined> {
  return parse(await store.peek(key));
}

/** Takes the pending change out of the store: two tries at once cannot both hold it. */
export async function takePending(store: SharedStore, key: string): Promise<Pending | undefined> {
  return parse(await store.take(key));
}
