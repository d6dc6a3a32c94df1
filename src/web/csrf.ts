// CSRF protection for our forms: a random token in a signed, http-only cookie, echoed in a hidden field.
import crypto from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from './errors.ts';

const COOKIE = 'csrf';

function newToken(ctx: Context): string {
  const token = crypto.randomBytes(32).toString('base64url');
  ctx.cookies.set(COOKIE, token, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    overwrite: true,
  });
  ctx.state.csrfToken = token;
  return token;
}

export function csrfToken(ctx: Context): string {
  if (typeof ctx.state.csrfToken === 'string') return ctx.state.csrfToken;
  const token = ctx.cookies.get(COOKIE, { signed: true });
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : newToken(ctx);
}

/**
 * A new token for the browser when someone signs in: one read earlier in it (by the pupil who used a school computer
 * before) does not forge forms for the person signed in now. The pages drawn in this request carry the new one.
 */
export function renewCsrfToken(ctx: Context): void {
  newToken(ctx);
}

/** Runs after body parsing on every state-changing route. */
export const verifyCsrf: Middleware = async (ctx, next) => {
  const expected = ctx.cookies.get(COOKIE, { signed: true });
  const given = (ctx.request as { body?: Record<string, unknown> }).body?._csrf;
  const ok =
    typeof expected === 'string' &&
    typeof given === 'string' &&
    given.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  if (!ok) throw new AppError('csrf', 403);
  await next();
};
