// Reset tokens: a random bearer value given to the person (email link, or after a right SMS code); the shared store
// keeps only its SHA-256, for one use (`take`). A token issued before the person's last password change is void.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { INTERACTION_UID } from './back-link.ts';
import { parseStoredJson } from '../../platform/stored-json.ts';

export const EMAIL_TOKEN_TTL_SECONDS = 3600;
/** After a right SMS code, the new-password form has this long. */
export const SMS_TOKEN_TTL_SECONDS = 900;

const ResetGrant = z.object({
  personId: z.uuid(),
  via: z.enum(['email', 'sms']),
  interaction: z.string().regex(INTERACTION_UID).optional(),
  issuedAt: z.number().int(),
});
export type ResetGrant = z.infer<typeof ResetGrant>;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const digest = (token: string) => crypto.createHash('sha256').update(token).digest('base64url');
export const resetTokenKey = (token: string) => `pwreset:token:${digest(token)}`;

function parse(raw: string | undefined): ResetGrant | undefined {
  if (!raw) return undefined;
  return parseStoredJson(ResetGrant, raw);
}

/** `issuedAt` defaults to now; an SMS grant keeps the time its code was sent. */
export async function issueResetToken(store: SharedStore, grant: Omit<ResetGrant, 'issuedAt'> & { issuedAt?: number }, ttlSeconds: number): Promise<string> {
  const token = crypto.randomBytes(32).toString('base64url');
  await store.put(resetTokenKey(token), JSON.stringify({ ...grant, issuedAt: grant.issuedAt ?? Date.now() }), ttlSeconds);
  return token;
}

/** The grant behind a token, leaving it usable (to draw the form). */
export async function peekResetToken(store: SharedStore, token: unknown): Promise<ResetGrant | undefined> {
  return typeof token === 'string' && TOKEN.test(token) ? parse(await store.peek(resetTokenKey(token))) : undefined;
}

/** The grant behind a token, used up: a second call gets nothing. */
export async function takeResetToken(store: SharedStore, token: unknown): Promise<ResetGrant | undefined> {
  return typeof token === 'string' && TOKEN.test(token) ? parse(await store.take(resetTokenKey(token))) : undefined;
}

/** A token from before the last password change is void (the change may have been another reset). */
export function stillValid(grant: ResetGrant, passwordChangedAt: Date | null): boolean {
  return !passwordChangedAt || new Date(passwordChangedAt).getTime() <= grant.issuedAt;
}
