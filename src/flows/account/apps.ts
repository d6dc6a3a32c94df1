// GET /account/apps — connected apps, each with what it gets as the consent page listed it (scopesShared: nothing the
// person has none of, such as children for a pupil); POST /account/apps/:clientId/revoke — ends the person's grants to one app.
import type { Context } from 'koa';
import { z } from 'zod';
import { ownPagesName } from '../../domain/clients/own-pages.ts';
import { acceptedBy } from '../../domain/identities/identities.ts';
import { scopesShared } from '../../domain/identities/shared-scopes.ts';
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
    const { person } = accountOf(ctx);
    const [apps, identities] = await Promise.all([
      s.personAccess.connectedApps(person.id),
      s.identities.active(person.id),
    ]);
    const children = identities.some((i) => i.role === 'parent') ? await s.identities.children(person.id) : [];
    const listed = await Promise.all(
      apps.map(async (a) => {
        const accepted = acceptedBy(identities, (await s.clients.find(a.clientId))?.allowed_roles);
        const scopes = scopesShared(a.scopes, {
          email: !!person.email,
          phone: !!person.mobile,
          identity: accepted.length > 0,
          identities: accepted.length > 0,
          children: accepted.some((i) => i.role === 'parent') && children.length > 0,
          idno: !!person.national_id_sealed,
        });
        // This service's own areas (school office, bureau console, developer portal) by their name in the page's
        // language, and no publisher: they are this service.
        const own = ownPagesName(a.clientId, locale);
        return {
          ...a,
          scopes,
          ...(own ? { name: own, organization: undefined } : {}),
          grantedAt: formatTime(a.grantedAt, locale),
          lastUsedAt: formatTime(a.lastUsedAt, locale),
        };
      }),
    );
    renderAccount(ctx, 'apps', 'apps', {
      apps: listed,
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
    // Nothing left to take back (pressed twice, or in another tab): the app has no access, as the person wanted — said
    // on the list, not a "page not found".
    redirectDone(ctx, '/account/apps', revoked ? 'revoked' : 'alreadyRevoked');
  };
}
