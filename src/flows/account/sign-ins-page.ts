// GET /account/sign-ins — the last 20 sign-ins with their time (Taipei), outcome and app.
import type { Context } from 'koa';
import { chooseLocale } from '../../platform/i18n/index.ts';
import type { AccountDeps } from './deps.ts';
import { renderAccount } from './page.ts';
import { accountOf } from '../../web/require-account.ts';
import { recentSignIns } from '../../domain/activity/sign-ins.ts';
import { formatTime } from './time.ts';

export function showSignIns(deps: AccountDeps) {
  return async (ctx: Context) => {
    const locale = chooseLocale(ctx);
    const events = await recentSignIns(deps.db, accountOf(ctx).person.id);
    renderAccount(ctx, 'sign-ins', 'signIns', { events: events.map((e) => ({ ...e, at: formatTime(e.at, locale) })) });
  };
}
