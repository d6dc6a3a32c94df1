// The browser's half of the draft: its random secret, in a signed, http-only cookie scoped to /register.
import type { Context } from 'koa';
import { DRAFT_TTL_SECONDS } from './draft.ts';

const COOKIE = 'reg_draft';
const options = (ctx: Context) => ({
  signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: '/register', overwrite: true,
});

export function draftSecret(ctx: Context): string | undefined {
  return ctx.cookies.get(COOKIE, { signed: true }) ?? undefined;
}

export function keepDraftSecret(ctx: Context, secret: string): void {
  ctx.cookies.set(COOKIE, secret, { ...options(ctx), maxAge: DRAFT_TTL_SECONDS * 1000 });
}

export function forgetDraftSecret(ctx: Context): void {
  ctx.cookies.set(COOKIE, null, options(ctx));
}
