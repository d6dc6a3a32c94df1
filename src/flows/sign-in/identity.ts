// The identity menu (seed 000 §4.2): GET draws it from show.ts, POST /interaction/:uid/identity records the choice.
import type { Context } from 'koa';
import { z } from 'zod';
import { acceptedBy, activeIdentities, childrenOf, chooseIdentity, type IdentityClaim, rememberedChoice } from '../../domain/identities/identities.ts';
import { recordAudit } from '../../domain/audit.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage } from '../../web/render.ts';
import type { InteractionDeps } from './deps.ts';
import { finishInteraction, loadInteraction } from './details.ts';

type Loaded = Awaited<ReturnType<typeof loadInteraction>>;

/** `identity_hint=<role>|<identity id>` (either part may be given alone) picks the preselected entry. */
function hinted(identities: IdentityClaim[], hint: unknown): IdentityClaim | undefined {
  if (typeof hint !== 'string' || hint.length > 100) return undefined;
  const [a, b] = hint.split('|');
  return identities.find((i) => i.id === a || i.id === b) ?? identities.find((i) => i.role === a);
}

export async function renderIdentityMenu(ctx: Context, deps: InteractionDeps, loaded: Loaded, error?: string) {
  const { details, client, clientName } = loaded;
  const personId = details.session!.accountId;
  const t = translator(chooseLocale(ctx));
  const accepted = acceptedBy(await activeIdentities(deps.db, personId), client?.metadata().allowed_roles);
  if (!accepted.length) {
    renderPage(ctx, 'sign-in/no-identity', { pageTitle: t('identity.noneTitle'), uid: details.uid, clientName, csrfToken: csrfToken(ctx) }, 403);
    return;
  }
  const remembered = await rememberedChoice(deps.db, personId, String(details.params.client_id));
  const selected = hinted(accepted, details.params.identity_hint) ?? accepted.find((i) => i.id === remembered) ?? accepted[0]!;
  const children = accepted.some((i) => i.role === 'parent') ? await childrenOf(deps.db, personId) : [];
  renderPage(ctx, 'sign-in/identity', {
    pageTitle: t('identity.title'), uid: details.uid, clientName, csrfToken: csrfToken(ctx),
    identities: accepted, selected: selected.id, children, error,
  }, error ? 400 : undefined);
}

const IdentityForm = z.object({ identity: z.string().uuid() });

export function submitIdentity(deps: InteractionDeps) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, deps, 'select_account');
    const { details, client } = loaded;
    const personId = details.session!.accountId;
    const clientId = String(details.params.client_id);
    const accepted = acceptedBy(await activeIdentities(deps.db, personId), client?.metadata().allowed_roles);
    const form = IdentityForm.safeParse(ctx.request.body ?? {});
    // Someone else's identity, or one this client does not accept, is refused like no choice at all.
    const chosen = form.success ? accepted.find((i) => i.id === form.data.identity) : undefined;
    if (!chosen) {
      await renderIdentityMenu(ctx, deps, loaded, translator(chooseLocale(ctx))('identity.invalid'));
      return;
    }
    await chooseIdentity(deps.db, { personId, clientId, identityId: chosen.id, grantId: details.grantId });
    await recordAudit(deps.db, { actor: personId, action: 'identity.chosen', subject: personId, detail: { client: clientId, identity: chosen.id, role: chosen.role } });
    await finishInteraction(ctx, details, { select_account: { identityId: chosen.id } }, true);
  };
}
