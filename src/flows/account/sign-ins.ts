// GET /account/sign-ins — the last 20 sign-ins with their time (Taipei), outcome and app.
import type { Context } from 'koa';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { clientNamer } from '../../web/client-names.ts';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { renderAccount } from './pages.ts';
import { formatTime } from './time.ts';

export function showSignIns(s: Services) {
  return async (ctx: Context) => {
    const locale = chooseLocale(ctx);
    const events = await s.audit.recentSignIns(accountOf(ctx).person.id);
    const upstreams = await s.upstreams.names();
    const appName = await clientNamer(ctx, s, events);
    renderAccount(ctx, 'sign-ins', 'signIns', {
      events: events.map((e) => ({
        at: formatTime(e.at, locale),
        success: e.success,
        reason: e.reason,
        clientName: appName(e.clientId),
        upstream: e.upstream ? (upstreams.get(e.upstream) ?? e.upstream) : undefined,
      })),
    });
  };
}
