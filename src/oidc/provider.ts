// Builds the oidc-provider instance, and rebuilds it when another process rotates the keys.
import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import mount from 'koa-mount';
import Provider from 'oidc-provider';
import type { SignInCounts } from '../domain/activity/sign-in-counts.ts';
import type { Identities } from '../domain/identities/service.ts';
import type { Keyring } from '../platform/keyring.ts';
import type { Logger } from '../platform/log.ts';
import type { Metrics } from '../platform/metrics.ts';
import { isStoreUnavailable, RETRY_AFTER_SECONDS } from '../platform/storage/unavailable.ts';
import { accountActivityHook } from './activity-hook.ts';
import type { AdapterFactory } from './adapters/types.ts';
import { rememberClientMetadata } from './client-metadata.ts';
import { buildConfiguration, type ConfigurationDeps, type ProviderPages } from './configuration.ts';
import { type KeySet, loadKeys } from './keys.ts';
import { acceptPreviousSecrets } from './previous-secrets.ts';

export type ProviderDeps = {
  issuer: string;
  db: Knex;
  /** For the account-activity bookkeeping (when a grant or session was last used): see Database.ephemeral. */
  ephemeral: Knex;
  /** A client's sign-ins per day, counted for every authorization (one for the process: the provider may be rebuilt). */
  signIns: SignInCounts;
  keyring: Keyring;
  adapter: AdapterFactory;
  identities: Identities;
  pages: ProviderPages;
  trustProxy: boolean;
  trustProxyHops: number;
  outboundAllowPrivateNetworks: boolean;
  developerOrgOfToken: ConfigurationDeps['developerOrgOfToken'];
  developerOrgById: ConfigurationDeps['developerOrgById'];
  /** Outside production: the developer portal's URI rules let http://localhost through (for /reg too). */
  development?: boolean;
  log: Logger;
  metrics: Metrics;
};

const EVENTS = [
  'authorization.success',
  'authorization.error',
  'grant.success',
  'grant.error',
  'grant.revoked',
  'end_session.success',
  'registration_create.success',
  'registration_delete.success',
  'backchannel.error',
  'introspection.error',
  'revocation.error',
  'userinfo.error',
  'server_error',
] as const;

function createProvider(deps: ProviderDeps, keys: KeySet): Provider {
  const provider = new Provider(
    deps.issuer,
    buildConfiguration({
      identities: deps.identities,
      pages: deps.pages,
      keyring: deps.keyring,
      keys,
      adapter: deps.adapter,
      outboundAllowPrivateNetworks: deps.outboundAllowPrivateNetworks,
      developerOrgOfToken: deps.developerOrgOfToken,
      developerOrgById: deps.developerOrgById,
      development: deps.development,
    }),
  );
  acceptPreviousSecrets(provider);
  rememberClientMetadata(provider);
  provider.proxy = deps.trustProxy;
  provider.maxIpsCount = deps.trustProxyHops;
  const on = provider.on.bind(provider) as (event: string, listener: (...args: never[]) => void) => void;
  for (const event of EVENTS) on(event, () => deps.metrics.oidcEvents.inc({ event }));
  accountActivityHook(provider, { db: deps.ephemeral, log: deps.log, signIns: deps.signIns });
  on('server_error', (ctx: { state: Record<string, unknown> }, err: Error) => {
    // A store out of reach is not our fault: the request is answered 503 (see storeUnavailableAs503).
    if (isStoreUnavailable(err)) {
      ctx.state.storeUnavailable = true;
      deps.log.warn({ err: err.message }, 'oidc-provider: storage unavailable');
    } else deps.log.error({ err }, 'oidc-provider server_error');
  });
  on('backchannel.error', (_ctx: unknown, err: Error) =>
    deps.log.warn({ err: err.message }, 'back-channel logout failed'),
  );
  return provider;
}

/**
 * oidc-provider answers anything that throws with 500 server_error; when it was a store out of reach, the answer is
 * 503 with a Retry-After instead (and `temporarily_unavailable` for API callers), as our own pages answer.
 */
export const storeUnavailableAs503: Middleware = async (ctx, next) => {
  await next();
  if (ctx.status !== 500 || !ctx.state.storeUnavailable) return;
  ctx.status = 503;
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (ctx.body && typeof ctx.body === 'object' && 'error' in ctx.body) {
    ctx.body = { error: 'temporarily_unavailable', error_description: 'try again in a few seconds' };
  }
};

export type ProviderHolder = {
  provider(): Provider;
  middleware: Middleware;
  keys(): KeySet;
  /** Reloads the keys; rebuilds the provider when they changed. Returns whether it did. */
  refresh(): Promise<boolean>;
};

export async function createProviderHolder(deps: ProviderDeps): Promise<ProviderHolder> {
  let keys = await loadKeys(deps.db, deps.keyring);
  let provider = createProvider(deps, keys);
  let mounted = mount(provider as never) as Middleware;
  return {
    provider: () => provider,
    keys: () => keys,
    middleware: (ctx, next) => storeUnavailableAs503(ctx, () => mounted(ctx, next)),
    async refresh() {
      const next = await loadKeys(deps.db, deps.keyring);
      if (next.fingerprint === keys.fingerprint) return false;
      keys = next;
      provider = createProvider(deps, keys);
      mounted = mount(provider as never) as Middleware;
      deps.log.info({ keys: keys.jwks.map((k) => (k as { kid?: string }).kid) }, 'keys changed; provider rebuilt');
      return true;
    },
  };
}
