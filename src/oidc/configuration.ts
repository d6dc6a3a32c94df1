import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { PAIRWISE_SECTOR } from '../domain/clients/metadata.ts';
import { SERVED_ROLES, type UriRules, uriProblem } from '../domain/developers/details.ts';
import { DEVELOPER_ORG_POLICY } from '../domain/developers/organisations.ts';
import { accountFromAlong } from '../domain/identities/account.ts';
import { DEFAULT_CLIENT_SCOPE, SCOPE_CLAIMS } from '../domain/identities/claims.ts';
import { acceptedBy } from '../domain/identities/identities.ts';
import type { Identities } from '../domain/identities/service.ts';
import { MFA_ACR } from '../domain/people/second-factor.ts';
import type { Keyring } from '../platform/keyring.ts';
import { requestWrites } from './adapters/deferred-writes.ts';
import type { AdapterFactory } from './adapters/types.ts';
import { loadFirstPartyGrant } from './first-party-grant.ts';
import { buildInteractionPolicy } from './identity-prompt.ts';
import { errors, forgetSessionLogin, signedInBefore } from './internals.ts';
import type { KeySet } from './keys.ts';
import { PairwiseIds, pairwiseSector } from './pairwise.ts';

/**
 * The account read along with the session, interaction, code or token this request read (adapters/postgres.ts), when
 * one answers for this person and grant: then findAccount needs no query of its own.
 */
function accountReadAlong(id: string, grantId: string | undefined) {
  for (const value of requestWrites()?.accountsRead ?? []) {
    const along = accountFromAlong(value, id, grantId);
    if (along) return along;
  }
  return undefined;
}

export const TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  ClientCredentials: 600,
  IdToken: 3600,
  RefreshToken: 14 * 86_400,
  Interaction: 3600,
  Session: 14 * 86_400,
  Grant: 14 * 86_400,
  PushedAuthorizationRequest: 60,
  DeviceCode: 600,
  BackchannelAuthenticationRequest: 600,
} as const;

/** Longest lifetime of anything signed with a key: how long a retired key stays published. */
export const MAX_SIGNED_TOKEN_LIFETIME = Math.max(TTL.IdToken, TTL.AccessToken) + 300;

/** Client metadata of our own, on top of the OIDC registration metadata. */
export const EXTRA_CLIENT_METADATA = [
  PAIRWISE_SECTOR,
  'first_party',
  'allowed_roles',
  'organization',
  'may_request_idno',
  'permissions',
  'school_codes',
  'previous_client_secrets',
  'developer_org',
] as const;
/** Set by the bureau (or the developer portal), never by the client itself through dynamic registration. The offering
 *  organisation (提供單位 on the consent page) of an organisation's registration is that organisation's name. */
const TRUSTED_METADATA = new Set([
  PAIRWISE_SECTOR,
  'organization',
  'first_party',
  'may_request_idno',
  'permissions',
  'school_codes',
  'previous_client_secrets',
  'developer_org',
]);

/** The pages oidc-provider asks us to draw, drawn by the web layer. */
export type ProviderPages = {
  error(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): void;
  logout(ctx: KoaContextWithOIDC, form: string): void;
  loggedOut(ctx: KoaContextWithOIDC): void | Promise<void>;
};

/** A developer organisation, as a registration at /reg is made for it. */
export type DeveloperOrg = { id: string; name: string };

export type ConfigurationDeps = {
  identities: Identities;
  pages: ProviderPages;
  keyring: Keyring;
  keys: KeySet;
  adapter: AdapterFactory;
  outboundAllowPrivateNetworks: boolean;
  /** The developer organisation an initial access token registers clients for (developer portal, issue 15): a live
   *  token whose maker is still one of its owners. */
  developerOrgOfToken(token: string): Promise<DeveloperOrg | undefined>;
  /** A developer organisation by id: a registered client's, when it changes itself (RFC 7592). */
  developerOrgById(id: string): Promise<DeveloperOrg | undefined>;
  /** The developer portal's URI rules for an organisation's registrations: http://localhost only outside production. */
  development?: boolean;
};

/** Why the developer portal refuses a URI (uriProblem's keys), for an error_description. */
const URI_PROBLEMS: Record<string, string> = {
  notUrl: 'is not an absolute URL',
  wildcard: 'must not contain a wildcard',
  fragment: 'must not contain a fragment',
  credentials: 'must not contain a user name or password',
  notHttps: 'must use https (http only to localhost, and not in production)',
};

/** invalid_redirect_uri saying what is wrong (oidc-provider's own description is about authorization requests). */
function invalidRedirectUri(description: string): Error {
  return Object.assign(new errors.InvalidRedirectUri(), { error_description: description });
}

/** The URI fields of a registration, each checked as the developer portal checks its URIs. */
const URI_FIELDS = [
  'redirect_uris',
  'post_logout_redirect_uris',
  'backchannel_logout_uri',
  'client_uri',
  'policy_uri',
  'tos_uri',
  'logo_uri',
  'jwks_uri',
  'initiate_login_uri',
  'sector_identifier_uri',
  'request_uris',
] as const;

/**
 * An organisation's registration (or change) at /reg held to the developer portal's rules (domain/developers/details.ts):
 * every URI absolute https without wildcard, fragment or credentials (http only to localhost outside production), the
 * redirect URIs on one host (pairwise ids are per host), only the roles an app may serve (SERVED_ROLES).
 */
function checkPortalRules(properties: Record<string, unknown>, rules: UriRules): void {
  for (const field of URI_FIELDS) {
    const value = properties[field];
    if (value === undefined || value === null) continue;
    const list = Array.isArray(value) ? value : [value];
    for (const uri of list) {
      const problem = typeof uri === 'string' ? uriProblem(uri, rules) : 'notUrl';
      if (!problem) continue;
      const description = `${field}: ${JSON.stringify(uri)} ${URI_PROBLEMS[problem] ?? 'is refused'}`;
      throw field === 'redirect_uris' ? invalidRedirectUri(description) : new errors.InvalidClientMetadata(description);
    }
  }
  const redirects = Array.isArray(properties.redirect_uris) ? (properties.redirect_uris as string[]) : [];
  if (new Set(redirects.map((u) => new URL(u).host)).size > 1)
    throw invalidRedirectUri('redirect_uris must all be on one host (pairwise identifiers are per host)');
  const roles = properties.allowed_roles;
  if (roles !== undefined && roles !== null) {
    const refused = (Array.isArray(roles) ? roles : [roles]).filter((r) => !SERVED_ROLES.includes(r as never));
    if (refused.length)
      throw new errors.InvalidClientMetadata(
        `allowed_roles: ${refused.map((r) => JSON.stringify(r)).join(', ')} may not be served by an app (only ${SERVED_ROLES.join(', ')})`,
      );
  }
}

/** How long a session that never signed anyone in is kept. */
export const ANONYMOUS_SESSION_SECONDS = 600;

/** Whether a token was issued to the client, or (`asAudience`) names the client in its audience. */
function tokenConcerns(clientId: string, token: { clientId?: string; aud?: unknown }, asAudience: boolean): boolean {
  if (token.clientId === clientId) return true;
  const aud = Array.isArray(token.aud) ? token.aud : [token.aud];
  return asAudience && aud.includes(clientId);
}

export function buildConfiguration(deps: ConfigurationDeps): Configuration {
  const pairwise = new PairwiseIds(deps.keyring);
  return {
    adapter: deps.adapter as unknown as Configuration['adapter'],
    jwks: { keys: deps.keys.jwks as never },
    cookies: {
      // Keygrip's methods, which oidc-provider hands to Koa's cookies as it would a Keygrip made of the list.
      keys: deps.keys.cookieSigner as unknown as string[],
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    acrValues: [MFA_ACR],
    scopes: ['openid', 'offline_access', ...Object.keys(SCOPE_CLAIMS).filter((s) => s !== 'openid')],
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    async findAccount(ctx, id, token) {
      // A token's grant; at the authorization endpoint (before oidc-provider loads the grant) the session's grant for
      // this client, so the identity prompt finds the chosen identity already read.
      const grantOf = () =>
        (token as { grantId?: string } | undefined)?.grantId ??
        ctx.oidc.grant?.jti ??
        (ctx.oidc.client && ctx.oidc.session?.grantIdFor(ctx.oidc.client.clientId));
      const grantId = grantOf();
      const along = accountReadAlong(id, grantId);
      const account = along ? along.account : await deps.identities.loadAccount(id, grantId);
      // At the authorization endpoint, a browser signed in as someone locked or gone, or before their password
      // changed, is signed out: the sign-in page next. Even one the change's sign-out did not list (a sign-in left at
      // the consent page or the identity menu, or one that checked the old password while the change was being made:
      // its time is that check's, before the change's, People.checkPassword).
      const session = !token && ctx.oidc.session?.accountId === id ? ctx.oidc.session : undefined;
      if (
        account?.person.status !== 'active' ||
        (session && signedInBefore(session, account.person.password_changed_at))
      ) {
        if (session) forgetSessionLogin(session);
        return undefined;
      }
      // A token of an app open only to some roles, for a person who holds none of them any more (an identity ended):
      // no tokens (invalid_grant at a refresh or a code) and no userinfo (invalid_token). Interactively the identity
      // prompt tells the person instead (no_identity_accepted).
      const roles = ctx.oidc.client?.metadata().allowed_roles;
      if (token && Array.isArray(roles) && roles.length > 0 && acceptedBy(account.identities, roles).length === 0)
        return undefined;
      return {
        accountId: account.person.id,
        // The identity prompt (identity-prompt.ts) reads these instead of querying again.
        loaded: account,
        async claims(_use, scope) {
          const client = ctx.oidc.client;
          return (await deps.identities.claims(account, {
            clientId: client?.clientId,
            allowedRoles: client?.metadata().allowed_roles,
            grantId: grantOf(),
            scopes: new Set(scope.split(' ')),
            ids: pairwise.forClient(client),
          })) as { sub: string };
        },
      };
    },
    subjectTypes: ['public', 'pairwise'],
    // The authorization code flow only: no implicit or hybrid flow puts an ID token or claims in the address.
    responseTypes: ['code'],
    pairwiseIdentifier: (_ctx, accountId, client) => pairwise.subject(pairwiseSector(client), accountId),
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
      scope: DEFAULT_CLIENT_SCOPE,
    },
    extraParams: ['identity_hint'],
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'ES256'],
      introspectionSigningAlgValues: ['RS256', 'ES256'],
      authorizationSigningAlgValues: ['RS256', 'ES256'],
    },
    extraClientMetadata: {
      properties: [...EXTRA_CLIENT_METADATA],
      validator(ctx, key, value, metadata) {
        const route = ctx?.oidc?.route;
        // Set by the organisation policy below, and only to the token's organisation.
        if (key === 'developer_org' && value !== undefined && value === ctx?.state?.developerOrg?.id) return;
        if (key === 'organization' && value !== undefined && value === ctx?.state?.developerOrg?.name) return;
        // Sent back unchanged in an update (as a client reads its registration and sends it again): kept.
        if (key === 'organization' && route === 'client_update' && value === ctx?.oidc?.client?.metadata().organization)
          return;
        // Shown in the client's registration; sent back in an update, it is taken and ignored (the pinned one stays).
        if (key === PAIRWISE_SECTOR && route === 'client_update') return;
        if (
          TRUSTED_METADATA.has(key) &&
          value !== undefined &&
          (route === 'registration' || route === 'client_update')
        ) {
          throw new errors.InvalidClientMetadata(`${key} cannot be set by registration`);
        }
        if (
          (key === 'allowed_roles' || key === 'permissions' || key === 'school_codes') &&
          value !== undefined &&
          (!Array.isArray(value) || value.some((r) => typeof r !== 'string'))
        ) {
          throw new errors.InvalidClientMetadata(`${key} must be an array of strings`);
        }
        if (
          (key === 'first_party' || key === 'may_request_idno') &&
          value !== undefined &&
          typeof value !== 'boolean'
        ) {
          throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
        }
        if (
          key === 'may_request_idno' &&
          value !== true &&
          String(metadata.scope ?? '')
            .split(' ')
            .includes('idno')
        ) {
          throw new errors.InvalidClientMetadata("the idno scope needs the bureau's approval (may_request_idno)");
        }
      },
    },
    loadExistingGrant: (ctx) => loadFirstPartyGrant(ctx),
    features: {
      devInteractions: { enabled: false },
      // A client may ask about, or revoke, only tokens issued to it (or, introspecting, tokens meant for it).
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => tokenConcerns(client.clientId, token, true),
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => tokenConcerns(client.clientId, token, false),
      },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      backchannelLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      dPoP: { enabled: true, nonceSecret: deps.keyring.key('dpop-nonce') },
      requestObjects: { enabled: true },
      registration: {
        enabled: true,
        initialAccessToken: true,
        // An organisation's token (developer portal): its clients are third-party, pairwise and listed as theirs.
        policies: {
          async [DEVELOPER_ORG_POLICY](ctx, properties) {
            const token = ctx.oidc.entities.InitialAccessToken?.jti;
            const registered = ctx.oidc.client?.metadata().developer_org;
            const org = token
              ? await deps.developerOrgOfToken(token)
              : typeof registered === 'string'
                ? await deps.developerOrgById(registered)
                : undefined;
            if (!org) throw new errors.InvalidClientMetadata('this registration token is not valid any more');
            ctx.state.developerOrg = org;
            checkPortalRules(properties, { development: deps.development ?? false });
            Object.assign(properties, {
              developer_org: org.id,
              organization: org.name,
              subject_type: 'pairwise',
              first_party: undefined,
            });
          },
        },
      },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => deps.pages.logout(ctx, form),
        postLogoutSuccessSource: (ctx) => deps.pages.loggedOut(ctx),
      },
    },
    // A session without an account (a visitor who opened the sign-out page, or one that never signed in) lives briefly.
    ttl: { ...TTL, Session: (_ctx, session) => (session.accountId ? TTL.Session : ANONYMOUS_SESSION_SECONDS) },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: buildInteractionPolicy(deps.identities),
    },
    renderError: ((ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) =>
      deps.pages.error(ctx, out)) as unknown as Configuration['renderError'],
    conformIdTokenClaims: true,
    // oidc-provider refuses outbound calls to special-use addresses (SSRF protection); intranet RPs may need them.
    ...(deps.outboundAllowPrivateNetworks
      ? {
          fetch: (url: string | URL | Request, init?: RequestInit) => {
            const { dispatcher: _ssrfGuard, ...options } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
            return globalThis.fetch(url, options);
          },
        }
      : {}),
  };
}
