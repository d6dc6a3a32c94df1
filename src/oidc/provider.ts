// Builds the oidc-provider instance, and rebuilds it when another process rotates the keys.
import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import mount from 'koa-mount';
import Provider from 'oidc-provider';
import type { Identities } from '../domain/identities/service.ts';
import type { Keyring } from '../platform/keyring.ts';
import type { Logger } from '../platform/log.ts';
import type { Metrics } from '../platform/metrics.ts';
import { accountActivityHook } from './activity-hook.ts';
import type { AdapterFactory } from './adapters/types.ts';
import { buildConfiguration, type ProviderPages } from './configuration.ts';
import { type KeySet, loadKeys } from './keys.ts';

export type ProviderDeps = {
  issuer: string;
  db: Knex;
  /** For the account-activity bookkeeping (when a grant or session was last used): see Database.ephemeral. */
  ephemeral: Knex;
  keyring: Keyring;
  adapter: AdapterFactory;
  identities: Identities;
  pages: ProviderPages;
  trustProxy: boolean;
  trustProxyHops: number;
  outboundAllowPrivateNetworks: boolean;
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
    }),
  );
  provider.proxy = deps.trustProxy;
  provider.maxIpsCount = deps.trustProxyHops;
  const on = provider.on.bind(provider) as (event: string, listener: (...args: never[]) => void) => void;
  for (const event of EVENTS) on(event, () => deps.metrics.oidcEvents.inc({ event }));
  accountActivityHook(provider, { db: deps.ephemeral, log: deps.log });
  on('server_error', (_ctx: unknown, err: Error) => deps.log.error({ err }, 'oidc-provider server_error'));
  on('backchannel.error', (_ctx: unknown, err: Error) =>
    deps.log.warn({ err: err.message }, 'back-channel logout failed'),
  );
  return provider;
}

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
    middleware: (ctx, next) => mounted(ctx, next),
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
