// The portal session: a signed, http-only cookie naming the person, the provider session it came from
// (its `uid`) and when it ends. Read back through a schema, never trusted as it is.
import type { Context } from 'koa';
import { z } from 'zod';

const COOKIE = 'account_session';
// Path / so that flows outside /account (the school-affairs system's add-identity consent) see the sign-in too.
const PATH = '/';
export const PORTAL_SESSION_SECONDS = 3600;

const Stored = z.object({
  p: z.uuid(),
  s: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  e: z.number().int(),
});

export type PortalSession = { personId: string; sessionUid: string; expiresAt: number };

export function readPortalSession(ctx: Context): PortalSession | undefined {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (!raw || raw.length > 400) return undefined;
  try {
    const parsed = Stored.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString()));
    if (!parsed.success || parsed.data.e <= Date.now()) return undefined;
    return { personId: parsed.data.p, sessionUid: parsed.data.s, expiresAt: parsed.data.e };
  } catch {
    return undefined;
  }
}

export function writePortalSession(ctx: Context, s: { personId: string; sessionUid: string }): void {
  const expiresAt = Date.now() + PORTAL_SESSION_SECONDS * 1000;
  const value = Buffer.from(JSON.stringify({ p: s.personId, s: s.sessionUid, e: expiresAt })).toString('base64url');
  ctx.cookies.set(COOKIE, value, {
    signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: PATH, maxAge: PORTAL_SESSION_SECONDS * 1000, overwrite: true,
  });
}

export function clearPortalSession(ctx: Context): void {
  ctx.cookies.set(COOKIE, null, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: PATH, overwrite: true });
}
