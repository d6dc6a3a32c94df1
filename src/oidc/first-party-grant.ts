// First-party clients are trusted: they receive what they ask for without a consent page (but for the ID number).
import type { KoaContextWithOIDC } from 'oidc-provider';
import { ALWAYS_CONSENT_SCOPES } from '../domain/identities/claims.ts';

/** Grants made by this request: nothing can be recorded for them yet (no identity chosen), so nothing is read. */
const made = new WeakSet<object>();

export const madeByThisRequest = (grant: object | undefined): boolean => !!grant && made.has(grant);

export async function loadFirstPartyGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(oidc.client!.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!oidc.client?.metadata().first_party || !oidc.session?.accountId) return existing;

  let grant = existing;
  if (!grant) {
    grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
    made.add(grant);
  }
  const granted = () => `${grant.getOIDCScope()}\0${grant.getOIDCClaims().join(' ')}`;
  const before = existing ? granted() : undefined;
  const scope = oidc.params?.scope;
  // Some scopes (the national ID) are asked for on the consent page even for first-party clients.
  if (typeof scope === 'string')
    grant.addOIDCScope(
      scope
        .split(' ')
        .filter((s) => !ALWAYS_CONSENT_SCOPES.has(s))
        .join(' '),
    );
  const claims = oidc.claims;
  for (const part of ['id_token', 'userinfo'] as const) {
    const requested = claims?.[part];
    if (requested) grant.addOIDCClaims(Object.keys(requested));
  }
  // A single sign-on hop to a client already granted as much writes nothing.
  if (before === undefined || granted() !== before) await grant.save();
  return grant;
}
