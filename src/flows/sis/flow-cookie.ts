// The browser's half of a bound hand-off: its random secret, in a signed, http-only cookie scoped to /register/sis.
import type { Context } from 'koa';
import { FLOW_TTL_SECONDS } from './handoff-store.ts';

const COOKIE = 'sis_flow';
const options = (ctx: Context) => ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: '/register/sis', overwrite: true });

export const flowSecret = (ctx: Context) => ctx.cookies.get(COOKIE, { signed: true }) ?? undefined;
export const keepFlowSecret = (ctx: Context, secret: string) => ctx.cookies.set(COOKIE, secret, { ...options(ctx), maxAge: FLOW_TTL_SECONDS * 1000 });
export const forgetFlowSecret = (ctx: Context) => ctx.cookies.set(COOKIE, null, options(ctx));
