// The identity menu (seed 000 §4.2): GET draws it from show.ts, POST /interaction/:uid/identity records the choice.
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { finishInteraction, type LoadedInteraction, loadInteraction, switchAccountUrl } from '../../web/interaction.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';

export async function renderIdentityMenu(ctx: Context, s: Services, loaded: LoadedInteraction, error?: string) {
  const { details, client, clientId, clientName } = loaded;
  const t = translator(chooseLocale(ctx));
  const menu = await s.identities.menu(
    details.session!.accountId,
    // A pairwise client names identities by its own ids (identity_hint).
    { clientId, allowedRoles: client?.metadata().allowed_roles, ids: s.pairwise.forClient(client) },
    details.params.identity_hint,
  );
  if (!menu?.accepted.length) {
    renderPage(
      ctx,
      'sign-in/no-identity',
      { pageTitle: t('identity.noneTitle'), uid: details.uid, clientName, csrfToken: csrfToken(ctx) },
      403,
    );
    return;
  }
  renderPage(
    ctx,
    'sign-in/identity',
    {
      pageTitle: t('identity.title'),
      uid: details.uid,
      clientName,
      csrfToken: csrfToken(ctx),
      identities: menu.accepted,
      selected: menu.selected?.id,
      children: menu.children,
      personName: menu.personName,
      otherAccountUrl: switchAccountUrl(details.params),
      error,
    },
    error ? 400 : undefined,
  );
}

const IdentityForm = z.object({ identity: z.string().uuid() });

export function submitIdentity(s: Services) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, s, 'select_account');
    const { details, client, clientId } = loaded;
    const form = IdentityForm.safeParse(ctx.request.body ?? {});
    // Someone else's identity, or one this client does not accept, is refused like no choice at all.
    const chosen =
      form.success &&
      (await s.identities.choose({
        personId: details.session!.accountId,
        clientId,
        identityId: form.data.identity,
        grantId: details.grantId,
        allowedRoles: client?.metadata().allowed_roles,
      }));
    if (!chosen) {
      await renderIdentityMenu(ctx, s, loaded, translator(chooseLocale(ctx))('identity.invalid'));
      return;
    }
    await finishInteraction(ctx, details, { select_account: { identityId: chosen.id } }, true);
  };
}
