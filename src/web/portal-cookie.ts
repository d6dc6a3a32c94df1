// The account portal's session: a signed cookie naming the person, the provider session it came from (its `uid`)
// and when it ends. On path / so that flows outside /account (the school-affairs consent, roster registration) see it.
import type { Context } from 'koa';
import { z } from 'zod';
import { jsonCookie } from './cookies.ts';

export const PORTAL_SESSION_SECONDS = 3600;

const cookie = jsonCookie({
  name: 'account_session',
  maxAgeSeconds: PORTAL_SESSION_SECONDS,
  maxLength: 400,
  schema: z.object({ p: z.uuid(), s: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), e: z.number().int() }),
});

export type PortalSession = { personId: string; sessionUid: string; expiresAt: number };

export function readPortalSession(ctx: Context): PortalSession | undefined {
  const stored = cookie.read(ctx);
  if (!stored || stored.e <= Date.now()) return undefined;
  return { personId: stored.p, sessionUid: stored.s, expiresAt: stored.e };
}

export function writePortalSession(ctx: Context, s: { personId: string; sessionUid: string }): void {
  cookie.write(ctx, { p: s.personId, s: s.sessionUid, e: Date.now() + PORTAL_SESSION_SECONDS * 1000 });
}

export const clearPortalSession = (ctx: Context): void => cookie.clear(ctx);
