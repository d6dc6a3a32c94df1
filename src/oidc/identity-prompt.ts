// The interaction policy: login, then the identity menu (select_account), then consent.
import type { Knex } from 'knex';
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { chosenIdentityFor, type LoadedAccount } from '../domain/identities/account.ts';
import { acceptedBy, activeIdentities, grantIdentity, pickGrantIdentity } from '../domain/identities/identities.ts';

/** Whether the person must pick an identity for this client (several accepted, none chosen for the grant) or
 *  be told none is accepted. With exactly one accepted identity there is nothing to ask. */
export async function identityChoiceNeeded(db: Knex, ctx: KoaContextWithOIDC): Promise<boolean> {
  const { session, client, grant } = ctx.oidc;
  if (!session?.accountId || !client) return false;
  const allowedRoles = client.metadata().allowed_roles;
  // oidc-provider loaded the session's account (findAccount) just before the prompts: its identities come with it.
  const found = (ctx.oidc.account as { loaded?: LoadedAccount } | undefined)?.loaded;
  const loaded = found?.person.id === session.accountId ? found : undefined;
  const identities = loaded ? loaded.identities : await activeIdentities(db, session.accountId);
  const accepted = acceptedBy(identities, allowedRoles);
  // No identity at all (a general member) is fine for a client open to everyone; not for one limited to roles.
  if (accepted.length === 0) return Array.isArray(allowedRoles) && allowedRoles.length > 0;
  // A client that does not ask for the identity claim gets no identity: nothing to choose.
  if (!String(ctx.oidc.params?.scope ?? '').split(' ').includes('identity')) return false;
  // Chosen in this very flow (before a grant exists, for clients that still ask for consent).
  const picked = (ctx.oidc.result as { select_account?: { identityId?: string } } | undefined)?.select_account?.identityId;
  if (picked && accepted.some((i) => i.id === picked)) return false;
  if (loaded) return !pickGrantIdentity(accepted, await chosenIdentityFor(db, loaded, grant?.jti));
  return !(await grantIdentity(db, { personId: session.accountId, grantId: grant?.jti, accepted }));
}

export function buildInteractionPolicy(db: Knex) {
  const { Prompt, Check, base } = interactionPolicy;
  const policy = base();
  const selectAccount = new Prompt(
    { name: 'select_account', requestable: true },
    new Check('identity_not_chosen', 'the End-User must choose an identity', 'account_selection_required', (ctx) =>
      identityChoiceNeeded(db, ctx)),
  );
  policy.add(selectAccount, 1);
  return policy;
}
