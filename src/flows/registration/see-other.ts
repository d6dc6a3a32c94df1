import type { Context } from 'koa';

/** 303 to a page of ours (after a form post, so that reloading does not post again). */
export function seeOther(ctx: Context, path: string): void {
  ctx.status = 303;
  ctx.redirect(path);
}

export const donePath = (interaction?: string) => (interaction ? `/register/done?interaction=${interaction}` : '/register/done');
