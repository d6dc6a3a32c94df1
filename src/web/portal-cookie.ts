// The account portal's session: a signed cookie naming the person, the provider session it came from (its `uid`),
// when that sign-in was made (the ID token's auth_time: web/recent-sign-in.ts asks for a fresh one before the
// email, the mobile number or a linked account changes) and when it ends. On path / so that flows outside /account
// (the school-affairs consent, roster registration) see it.
import type { Context } from 'koa';
import { z } from 'zod';
import { jsonCookie } from './cookies.ts';

export const PORTAL_SESSION_SECONDS = 3600;
/**
 * How recent a sign-in (its password, upstream account or second factor) must be to change what a password reset
 * trusts: the email address, the mobile number, the linked accounts (web/recent-sign-in.ts).
 */
export const RECENT_SIGN_IN_SECONDS = 600;

const cookie = jsonCookie({
  name: 'account_session',
  maxAgeSeconds: PORTAL_SESSION_SECONDS,
  maxLength: 400,
  schema: z.object({
    p: z.uuid(),
    s: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    e: z.number().int(),
    /** When the person signed in (seconds): the ID token's auth_time; none in a cookie older than it. */
    a: z.number().int().positive().optional(),
  }),
});

export type PortalSession = {
  personId: string;
  sessionUid: string;
  expiresAt: number;
  /** When the sign-in the session opened with was made (seconds since the epoch); unknown: long ago. */
  signedInAt?: number;
};

export function readPortalSession(ctx: Context): PortalSession | undefined {
  const stored = cookie.read(ctx);
  if (!stored || stored.e <= Date.now()) return undefined;
  return { personId: stored.p, sessionUid: stored.s, expiresAt: stored.e, signedInAt: stored.a };
}

export function writePortalSession(
  ctx: Context,
  s: { personId: string; sessionUid: string; signedInAt?: number },
): void {
  cookie.write(ctx, {
    p: s.personId,
    s: s.sessionUid,
    e: Date.now() + PORTAL_SESSION_SECONDS * 1000,
    ...(s.signedInAt ? { a: s.signedInAt } : {}),
  });
}

export const clearPortalSession = (ctx: Context): void => cookie.clear(ctx);
