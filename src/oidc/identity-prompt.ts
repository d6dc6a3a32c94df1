// The interaction policy: login, then the identity menu (select_account), then consent. When the menu is needed is
// the identities domain's rule (domain/identities/choice.ts); this reads what it needs from the request. An app that
// asks for a second factor (acr_values with MFA_ACR) meets the login prompt again until the session has one.
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { LoadedAccount } from '../domain/identities/account.ts';
import { acceptedBy } from '../domain/identities/identities.ts';
import type { Identities } from '../domain/identities/service.ts';
import { asksForSecondFactor, MFA_ACR } from '../domain/people/second-factor.ts';
import { madeByThisRequest } from './first-party-grant.ts';
import { interactionPolicy } from './internals.ts';

function identityChoiceNeeded(identities: Identities, ctx: KoaContextWithOIDC): Promise<boolean> {
  const { session, client, grant } = ctx.oidc;
  if (!session?.accountId || !client) return Promise.resolve(false);
  return identities.choiceNeeded({
    personId: session.accountId,
    // oidc-provider loaded the session's account (findAccount) just before the prompts: its identities come with it.
    loaded: (ctx.oidc.account as { loaded?: LoadedAccount } | undefined)?.loaded,
    allowedRoles: client.metadata().allowed_roles,
    scope: String(ctx.oidc.params?.scope ?? ''),
    picked: (ctx.oidc.result as { select_account?: { identityId?: string } } | undefined)?.select_account?.identityId,
    grantId: grant?.jti,
    // A grant made just now has no identity recorded for it: nothing to look up.
    grantIsNew: madeByThisRequest(grant),
  });
}

export function buildInteractionPolicy(identities: Identities) {
  const { Prompt, Check, base } = interactionPolicy;
  const policy = base();
  const selectAccount = new Prompt(
    { name: 'select_account', requestable: true },
    // None of the person's identities is one the app is open to: nothing to choose. Interactively the menu's page
    // says so; prompt=none answers access_denied, not account_selection_required (choosing would not help).
    new Check(
      'no_identity_accepted',
      'none of the End-User identities is accepted by the client',
      'access_denied',
      (ctx) => {
        const loaded = (ctx.oidc.account as { loaded?: LoadedAccount } | undefined)?.loaded;
        const roles = ctx.oidc.client?.metadata().allowed_roles;
        return loaded && Array.isArray(roles) && roles.length > 0 && acceptedBy(loaded.identities, roles).length === 0
          ? Check.REQUEST_PROMPT
          : Check.NO_NEED_TO_PROMPT;
      },
    ),
    new Check('identity_not_chosen', 'the End-User must choose an identity', 'account_selection_required', (ctx) =>
      identityChoiceNeeded(identities, ctx),
    ),
  );
  policy.add(selectAccount, 1);
  policy
    .get('login')!
    .checks.add(
      new Check('second_factor_required', 'a second factor is required', 'login_required', (ctx) =>
        asksForSecondFactor(ctx.oidc.params ?? {}) && ctx.oidc.session?.acr !== MFA_ACR
          ? Check.REQUEST_PROMPT
          : Check.NO_NEED_TO_PROMPT,
      ),
    );
  return policy;
}
