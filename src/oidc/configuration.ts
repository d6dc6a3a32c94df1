// oidc-provider configuration: features, scopes and claims, TTLs, and the hooks into our accounts and pages.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { DEFAULT_CLIENT_SCOPE, personClaims, SCOPE_CLAIMS } from '../domain/identities/claims.ts';
import { loadAccount } from '../domain/identities/account.ts';
import type { Keyring } from '../platform/keyring.ts';
import { renderPage, type RenderContext } from '../web/render.ts';
import type { AdapterFactory } from './adapters/types.ts';
import { errors } from './provider-errors.ts';
import type { KeySet } from './keys.ts';
import { loadFirstPartyGrant } from './first-party-grant.ts';
import { translator, chooseLocale } from '../platform/i18n/index.ts';
import { buildInteractionPolicy } from './identity-prompt.ts';

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
export const EXTRA_CLIENT_METADATA = ['first_party', 'allowed_roles', 'organization', 'may_request_idno', 'permissions'] as const;
/** Set by the bureau, never by the client itself through dynamic registration. */
const TRUSTED_METADATA = new Set(['first_party', 'may_request_idno', 'permissions']);

export type ConfigurationDeps = {
  db: Knex;
  keyring: Keyring;
  keys: KeySet;
  adapter: AdapterFactory;
  outboundAllowPrivateNetworks: boolean;
};

function renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) {
  const t = translator(chooseLocale(ctx));
  const message = t(`error.code.${out.error}`, { defaultValue: t('error.generic') });
  renderPage(ctx as unknown as RenderContext, 'error', {
    pageTitle: t('error.title'),
    message,
    code: out.error,
    description: out.error === 'server_error' ? undefined : out.error_description,
  });
}

export function buildConfiguration(deps: ConfigurationDeps): Configuration {
  const pairwiseKey = deps.keyring.key('pairwise');
  return {
    adapter: deps.adapter as unknown as Configuration['adapter'],
    jwks: { keys: deps.keys.jwks as never },
    cookies: {
      keys: deps.keys.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    scopes: ['openid', 'offline_access', ...Object.keys(SCOPE_CLAIMS).filter((s) => s !== 'openid')],
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    async findAccount(ctx, id, token) {
      // A token's grant; at the authorization endpoint (before oidc-provider loads the grant) the session's grant for
      // this client, so the identity prompt finds the chosen identity already read.
      const grantOf = () => (token as { grantId?: string } | undefined)?.grantId ?? ctx.oidc.grant?.jti
        ?? (ctx.oidc.client && ctx.oidc.session?.grantIdFor(ctx.oidc.client.clientId));
      const account = await loadAccount(deps.db, id, grantOf());
      if (!account || account.person.status !== 'active') return undefined;
      return {
        accountId: account.person.id,
        // The identity prompt (identity-prompt.ts) reads these instead of querying again.
        loaded: account,
        async claims(_use, scope) {
          const client = ctx.oidc.client;
          return (await personClaims(deps.db, deps.keyring, account, {
            clientId: client?.clientId, allowedRoles: client?.metadata().allowed_roles, grantId: grantOf(), scopes: new Set(scope.split(' ')),
          })) as { sub: string };
        },
      };
    },
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier(_ctx, accountId, client) {
      return crypto.createHmac('sha256', pairwiseKey).update(`${client.sectorIdentifier}\0${accountId}`).digest('base64url');
    },
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
        if (TRUSTED_METADATA.has(key) && value !== undefined && (route === 'registration' || route === 'client_update')) {
          throw new errors.InvalidClientMetadata(`${key} cannot be set by registration`);
        }
        if ((key === 'allowed_roles' || key === 'permissions') && value !== undefined && (!Array.isArray(value) || value.some((r) => typeof r !== 'string'))) {
          throw new errors.InvalidClientMetadata(`${key} must be an array of strings`);
        }
        if ((key === 'first_party' || key === 'may_request_idno') && value !== undefined && typeof value !== 'boolean') {
          throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
        }
        if (key === 'may_request_idno' && value !== true && String(metadata.scope ?? '').split(' ').includes('idno')) {
          throw new errors.InvalidClientMetadata('the idno scope needs the bureau\'s approval (may_request_idno)');
        }
      },
    },
    loadExistingGrant: (ctx) => loadFirstPartyGrant(ctx),
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      backchannelLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      dPoP: { enabled: true, nonceSecret: deps.keyring.key('dpop-nonce') },
      requestObjects: { enabled: true },
      registration: { enabled: true, initialAccessToken: true },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          const t = translator(chooseLocale(ctx));
          renderPage(ctx as unknown as RenderContext, 'sign-in/logout', { pageTitle: t('logout.title'), form });
        },
        postLogoutSuccessSource(ctx) {
          const t = translator(chooseLocale(ctx));
          renderPage(ctx as unknown as RenderContext, 'sign-in/logged-out', { pageTitle: t('logout.done') });
        },
      },
    },
    ttl: { ...TTL },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: buildInteractionPolicy(deps.db) },
    renderError: renderError as unknown as Configuration['renderError'],
    conformIdTokenClaims: true,
    // oidc-provider refuses outbound calls to special-use addresses (SSRF protection); intranet RPs may need them.
    ...(deps.outboundAllowPrivateNetworks
      ? { fetch: (url: string | URL | Request, init?: RequestInit) => {
          const { dispatcher: _ssrfGuard, ...options } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
          return globalThis.fetch(url, options);
        } }
      : {}),
  };
}
