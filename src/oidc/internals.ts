// The one seam to oidc-provider beyond its documented configuration: its error classes, the interaction policy
// builders, and the few model internals we touch (a loaded interaction's result, model adapters, a session's
// authorizations). Everything else talks to the provider through this file or its configuration.
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';

export { errors, interactionPolicy } from 'oidc-provider';

export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;
type Session = NonNullable<Awaited<ReturnType<Provider['Session']['findByUid']>>>;

/**
 * Saves the result of the interaction this request already loaded: what `provider.interactionResult` does, without
 * reading the interaction and its session a second time. `merge` keeps what earlier prompts of the same sign-in
 * submitted (the identity chosen before consent), except after an error.
 */
export async function saveInteractionResult(
  interaction: Interaction,
  result: InteractionResults,
  merge: boolean,
): Promise<string> {
  interaction.result = merge && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  return interaction.returnTo;
}

/** The grants a session's sign-ins hold, and whether each survives a sign-out (offline access). */
export function sessionGrants(session: Session): { grantId: string; persistsLogout: boolean }[] {
  return Object.values(session.authorizations ?? {})
    .filter((a) => !!a.grantId)
    .map((a) => ({ grantId: a.grantId!, persistsLogout: !!a.persistsLogout }));
}

/** Ends a provider session (a sign-out in that browser). */
export function destroySession(provider: Provider, session: Session): Promise<void> {
  return provider.Session.adapter.destroy(session.jti);
}

/** Ends a grant first (so a racing refresh fails), then every token and code issued under it (both adapters index by grant). */
export async function destroyGrant(provider: Provider, grantId: string): Promise<void> {
  await provider.Grant.adapter.destroy(grantId);
  await provider.AccessToken.adapter.revokeByGrantId(grantId);
}

/** The provider session of the browser making this request (its own cookie, same origin). */
export async function browserSession(provider: Provider, ctx: unknown): Promise<{ uid: string; accountId?: string }> {
  const session = await provider.Session.get(ctx as Parameters<Provider['Session']['get']>[0]);
  return { uid: session.uid, accountId: session.accountId };
}

/**
 * An interaction by its uid, for a request that cannot carry its cookie (an upstream provider's callback comes to
 * /federation/…, outside the interaction's cookie path); the caller has bound the uid to this browser itself.
 */
export async function findInteraction(provider: Provider, uid: string): Promise<Interaction | undefined> {
  return (await provider.Interaction.find(uid)) as Interaction | undefined;
}
