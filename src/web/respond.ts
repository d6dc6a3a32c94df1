// Small answers every flow gives.
import type { Context } from 'koa';

/** 303 to a page of ours (after a form post, so that reloading does not post again). */
export function seeOther(ctx: Context, path: string): void {
  ctx.status = 303;
  ctx.redirect(path);
}

/** Pages with personal data or one-use links are never stored by the browser or a proxy. */
export function noStore(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
}
