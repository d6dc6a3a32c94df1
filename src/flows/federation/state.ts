// The browser's binding to the upstream legs it started: a random value in a signed cookie on /federation, checked
// by the callback against the one kept with the leg (so a callback URL carried to another browser does nothing).
import type { Context } from 'koa';
import { signedCookie } from '../../web/cookies.ts';

const cookie = signedCookie({ name: 'fed_browser', path: '/federation', maxAgeSeconds: 3600 });

export const browserBinding = {
  get: (ctx: Context) => cookie.get(ctx),
  set: (ctx: Context, value: string) => cookie.set(ctx, value),
};

/** The route parameter naming an upstream (the same shape `campus-sso upstream add` accepts). */
export const UPSTREAM_ID = /^[a-z0-9][a-z0-9-]{0,30}$/;
