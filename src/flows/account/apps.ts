// GET /account/apps — connected apps; POST /account/apps/:clientId/revoke — ends the person's grants to one app.
import type { Context } from 'koa';
import { z } from 'zod';
import { ownPagesName } from '../../domain/clients/own-pages.ts';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { noticeOf, redirectDone } from './notices.ts';
import { renderAccount } from './pages.ts';
import { formatTime } from './time.ts';

export function showApps(s: Services) {
  return async (ctx: Context) => {
    const locale = chooseLocale(ctx);
    const apps = await s.personAccess.connectedApps(accountOf(ctx).person.id);
    renderAccount(ctx, 'apps', 'apps', {
      apps: apps.map((a) => {
        // This service's own areas (school office, bureau console, developer portal) by their name in the page's
        // language, and no publisher: they are this service.
        const own = ownPagesName(a.clientId, locale);
        return {
          ...a,
          ...(own ? { name: own, organization: undefined } : {}),
          grantedAt: formatTime(a.grantedAt, locale),
          lastUsedAt: formatTime(a.lastUsedAt, locale),
        };
      }),
      notice: noticeOf(ctx),
    });
  };
}

const ClientParam = z.object({ clientId: z.string().regex(/^[A-Za-z0-9._:~-]{1,200}$/) });

export function revokeAppAccess(s: Services) {
  return async (ctx: Context) => {
    const params = ClientParam.safeParse(ctx.params);
    if (!params.success) throw new AppError('not_found', 404);
    const revoked = await s.personAccess.revokeApp(accountOf(ctx).person.id, params.data.clientId);
    if (!revoked) throw new AppError('not_found', 404);
    redirectDone(ctx, '/account/apps', 'revoked');
  };
}
