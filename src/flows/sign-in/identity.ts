// The identity menu (seed 000 §4.2): GET draws it from show.ts, POST /interaction/:uid/identity records the choice.
import type { Context } from 'koa';
import { z } from 'zod';
import { classNameIn } from '../../domain/schools/classes.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { AppError } from '../../web/errors.ts';
import {
  finishInteraction,
  type LoadedInteraction,
  loadInteraction,
  pendingSignIn,
  switchAccountUrl,
} from '../../web/interaction.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';

export async function renderIdentityMenu(ctx: Context, s: Services, loaded: LoadedInteraction, error?: string) {
  const { details, client, clientId, clientName } = loaded;
  const locale = chooseLocale(ctx);
  const t = translator(locale);
  const menu = await s.identities.menu(
    pendingSignIn(details) ?? details.session!.accountId,
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
      // Class names in the page's language (`Grade 3, Class 1` on an English page, unless the school named it).
      identities: menu.accepted.map((i) => withClassIn(locale, i)),
      selected: menu.selected?.id,
      children: menu.children.map((c) => withClassIn(locale, c)),
      personName: menu.personName,
      otherAccountUrl: switchAccountUrl(details.params),
      error,
      // Drawn in answer to the password or to a refused choice: Back, reload and the language link ask for the menu.
      formPage: `/interaction/${details.uid}`,
    },
    error ? 400 : undefined,
  );
}

function withClassIn<T extends { class?: { code: string; name: string } }>(locale: string, row: T): T {
  return row.class ? { ...row, class: { ...row.class, name: classNameIn(locale, row.class) } } : row;
}

const IdentityForm = z.object({ identity: z.string().uuid() });

export function submitIdentity(s: Services) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, s);
    const { details, client, clientId } = loaded;
    // The menu after the authorization resumed (select_account), or straight after the sign-in (pendingSignIn).
    const pending = pendingSignIn(details);
    if (!pending && details.prompt.name !== 'select_account') throw new AppError('session_not_found', 400);
    const personId = pending ?? details.session!.accountId;
    const form = IdentityForm.safeParse(ctx.request.body ?? {});
    if (!form.success) return refused(ctx, s, loaded);
    // Straight after the sign-in no grant exists yet: a first-party app's (made without asking) is made here, so the
    // choice is recorded for it; an app that asks for consent (or prompt=consent) makes its grant on the consent
    // page (consent.ts), which records the choice for it.
    const consentAsked = String(details.params.prompt ?? '')
      .split(' ')
      .includes('consent');
    const grant =
      pending && client?.metadata().first_party && !consentAsked
        ? new (s.provider().Grant)({ accountId: personId, clientId })
        : undefined;
    const grantId = pending ? await grant?.save() : details.grantId;
    // Someone else's identity, or one this client does not accept, is refused like no choice at all.
    const chosen = await s.identities.choose({
      personId,
      clientId,
      identityId: form.data.identity,
      grantId,
      allowedRoles: client?.metadata().allowed_roles,
    });
    if (!chosen) {
      await grant?.destroy();
      return refused(ctx, s, loaded);
    }
    const choice = { select_account: { identityId: chosen.id } };
    if (!pending) return finishInteraction(ctx, details, choice, true);
    // The sign-in kept in the interaction, the choice and the grant, finished together.
    await finishInteraction(
      ctx,
      details,
      { ...details.result, ...choice, ...(grantId ? { consent: { grantId } } : {}) },
      false,
    );
  };
}

function refused(ctx: Context, s: Services, loaded: LoadedInteraction) {
  return renderIdentityMenu(ctx, s, loaded, translator(chooseLocale(ctx))('identity.invalid'));
}
