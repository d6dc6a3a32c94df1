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

/**
 * Whether the session's sign-in came before the person's last password change (seconds, as oidc-provider keeps the
 * sign-in time): such a session ended with the change, whether or not the device list knew of it.
 */
export function signedInBefore(session: { loginTs?: number }, changedAt: Date | string | null | undefined): boolean {
  if (!changedAt || !session.loginTs) return false;
  return session.loginTs < Math.floor(new Date(changedAt).getTime() / 1000);
}

/** Makes the browser's session a signed-out one (the sign-in page next), under a new cookie. */
export function forgetSessionLogin(session: Session): void {
  // Deleted, not set to undefined: oidc-provider's request proxy refuses an accountId that is not a string.
  const fields = session as unknown as Record<string, unknown>;
  for (const key of ['accountId', 'loginTs', 'amr', 'acr', 'transient', 'authorizations']) delete fields[key];
  session.resetIdentifier();
}

/**
 * The browser kept through a password change counts as signed in at the change (it proved the old password, or the
 * new one, just then); saved now. No-op for a session signed in since.
 */
export async function renewSessionLogin(session: Session, at: Date): Promise<void> {
  const seconds = Math.floor(at.getTime() / 1000);
  if (!session.loginTs || session.loginTs >= seconds) return;
  session.loginTs = seconds;
  await session.persist();
}

/**
 * Tells each app the session signed in to that registered a back-channel logout address that the session ended
 * (OpenID Connect Back-Channel Logout 1.0 §2.5), as oidc-provider's own sign-out does: a logout token with the app's
 * `sub` (pairwise where it is) and the session's `sid`. All at once; the apps that could not be told are returned.
 */
export async function backchannelLogouts(
  provider: Provider,
  session: Session,
): Promise<{ clientId: string; err: Error }[]> {
  const { accountId } = session;
  if (!accountId) return [];
  const failed: { clientId: string; err: Error }[] = [];
  await Promise.all(
    Object.keys(session.authorizations ?? {}).map(async (clientId) => {
      const client = (await provider.Client.find(clientId)) as
        | (InstanceType<Provider['Client']> & { backchannelLogout(sub: string, sid?: string): Promise<void> })
        | undefined;
      if (!client?.backchannelLogoutUri) return;
      try {
        await client.backchannelLogout(accountId, session.sidFor(clientId));
      } catch (err) {
        failed.push({ clientId, err: err as Error });
      }
    }),
  );
  return failed;
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

/**
 * A code or refresh token that two requests used at the same moment (the second one refused): the grant it came from
 * ends, with everything issued under it — what oidc-provider does when one comes a second time (RFC 6749 §4.1.2,
 * RFC 9700 §4.14.2). Run after the request, outside its writes.
 */
export async function revokeReused(provider: Provider, used: { model: string; id: string }[]): Promise<void> {
  for (const u of used) {
    const found =
      u.model === 'AuthorizationCode'
        ? await provider.AuthorizationCode.find(u.id, { ignoreExpiration: true })
        : u.model === 'RefreshToken'
          ? await provider.RefreshToken.find(u.id, { ignoreExpiration: true })
          : undefined;
    if (found?.grantId) await destroyGrant(provider, found.grantId);
  }
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
