// Composition root: storage, then the domain services, then keys and clients, then the provider, then the flows,
// then the HTTP server. Everything a flow uses is built here, once. With WORKERS > 1 (src/cluster.ts) the work done
// once for all processes (keys, configured clients, demo data: `setUpOnce`) is the primary's `prepareServer`, and
// each worker's `startServer` skips it.

import http from 'node:http';
import type net from 'node:net';
import compose from 'koa-compose';
import { purgeAccountActivity } from './domain/activity/activity.ts';
import { SignInCounts } from './domain/activity/sign-in-counts.ts';
import { type ClientCache, startClientCache } from './domain/clients/cache.ts';
import { ownPagesClients } from './domain/clients/own-pages.ts';
import { readClientsFile } from './domain/clients/registry.ts';
import { type DemoData, readDemoData, seedDemo } from './domain/demo/seed.ts';
import { purgeActivationTokens } from './domain/enrolment/activation-tokens.ts';
import { deliverableChannels, outboxFromSettings } from './domain/outbox/index.ts';
import { purgeDeliveredMessages } from './domain/outbox/queue.ts';
import { purgeExpiredRegistrations } from './domain/people/persons.ts';
import { purgeSyncLog } from './domain/schools/sync-log.ts';
import { buildDomainServices, type DomainServices } from './domain/services.ts';
import { FLOWS } from './flows/index.ts';
import { providerPages } from './flows/sign-in/provider-pages.ts';
import { signOutLanguage } from './flows/sign-in/sign-out-language.ts';
import { withRequestWrites } from './oidc/adapters/deferred-writes.ts';
import { adapterFactory } from './oidc/adapters/index.ts';
import { purgeExpired } from './oidc/adapters/postgres.ts';
import type { AdapterFactory } from './oidc/adapters/types.ts';
import { createInitialAccessToken } from './oidc/initial-access-token.ts';
import { browserSession, revokeReused } from './oidc/internals.ts';
import { ensureKeys } from './oidc/keys.ts';
import { PairwiseIds } from './oidc/pairwise.ts';
import { PersonAccess } from './oidc/person-access.ts';
import { createProviderHolder, type ProviderHolder } from './oidc/provider.ts';
import { Background } from './platform/background.ts';
import { applyBranding } from './platform/i18n/index.ts';
import { createLogger } from './platform/log.ts';
import { createMetrics } from './platform/metrics.ts';
import type { Settings } from './platform/settings.ts';
import { purgeSharedStore } from './platform/shared-store/postgres.ts';
import { openStorage, type Storage } from './platform/storage/open.ts';
import { buildApp } from './web/app.ts';
import { buildForms } from './web/forms.ts';
import type { Services } from './web/services.ts';
import { signOutLimit } from './web/sign-out-limit.ts';

export type RunningServer = {
  issuer: string;
  port: number;
  storage: Storage;
  holder: ProviderHolder;
  /** oidc-provider's storage, per model (initial access tokens are made through it). */
  adapter: AdapterFactory;
  services: Services;
  /** Sign-ins per client and day, added to storage once a second (tests flush them to read them at once). */
  signIns: SignInCounts;
  close(): Promise<void>;
};

/** How one process takes part in serving: a single server does everything (the default), a cluster splits it. */
export type ServeOptions = {
  /** Another process (a cluster's primary, `prepareServer`) has done the once-only work: keys, clients, demo data. */
  prepared?: boolean;
  /** Runs the periodic purges (a cluster gives them to one worker). Default: true. */
  housekeeping?: boolean;
  /** Fields every log line of this process carries (a worker's number and pid). */
  logBindings?: Record<string, unknown>;
};

/** A cluster primary's storage once the once-only work is done (no HTTP: its workers serve). */
export type PreparedServer = { issuer: string; storage: Storage; demo: DemoData | undefined };

const issuerFor = (settings: Settings, port: number) => settings.issuer ?? `http://localhost:${port}`;
const demoData = (settings: Settings) => (settings.seedDemo ? readDemoData() : undefined);

function domainServices(settings: Settings, storage: Storage, issuer: string, clientCache?: ClientCache) {
  return buildDomainServices({
    db: storage.db,
    keyring: storage.keyring,
    shared: storage.shared,
    clientCache,
    bcryptCost: settings.bcryptCost,
    passwordHash: settings.passwordHash,
    issuer,
    channels: deliverableChannels(settings),
    bindingDefaultPassword: settings.bindingDefaultPassword,
    federationTimeoutSeconds: settings.federationTimeoutSeconds,
  });
}

/** The work done once however many processes serve: signing keys, the configured clients, the demo data. */
async function setUpOnce(
  settings: Settings,
  storage: Storage,
  domain: DomainServices,
  issuer: string,
): Promise<DemoData | undefined> {
  await ensureKeys(storage.db, storage.keyring);
  for (const client of readClientsFile(settings.clientsFile)) await domain.clients.upsert(client, 'config');
  for (const client of ownPagesClients(issuer)) await domain.clients.upsert(client, 'config');
  const demo = demoData(settings);
  // Processes starting together on one database seed one after the other (the second finds everyone there): the lock
  // is held by a transaction of its own while the seeding runs on other connections of the pool.
  if (demo)
    await storage.db.transaction(async (lock) => {
      await lock.raw("select pg_advisory_xact_lock(hashtextextended('campus-sso:seed-demo', 0))");
      await seedDemo({ db: storage.db, keyring: storage.keyring, ...domain }, issuer);
    });
  return demo;
}

/**
 * A cluster primary's part (WORKERS > 1): opens storage (starting the embedded PostgreSQL, applying migrations) and
 * does the once-only work for the port its workers will listen on. Closing `storage` ends it.
 */
export async function prepareServer(settings: Settings): Promise<PreparedServer> {
  const storage = await openStorage(settings);
  try {
    const issuer = issuerFor(settings, settings.port);
    const demo = await setUpOnce(settings, storage, domainServices(settings, storage, issuer), issuer);
    return { issuer, storage, demo };
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** This process's own address for calls to itself: loopback unless it listens on one address only. */
function internalBase(host: string | undefined, port: number): string {
  if (!host || host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function listen(server: http.Server, settings: Settings): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => resolve((server.address() as net.AddressInfo).port);
    if (settings.host) server.listen(settings.port, settings.host, done);
    else server.listen(settings.port, done);
  });
}

export async function startServer(settings: Settings, options: ServeOptions = {}): Promise<RunningServer> {
  const base = createLogger(settings.logLevel);
  const log = options.logBindings ? base.child(options.logBindings) : base;
  const metrics = createMetrics();
  applyBranding(settings.branding);
  const storage = await openStorage(settings);
  const { db, keyring } = storage;
  let server: http.Server | undefined;
  let clientCache: Awaited<ReturnType<typeof startClientCache>> | undefined;
  let signIns: SignInCounts | undefined;
  try {
    clientCache = await startClientCache(db, log);
    // The issuer may depend on the port we get, so listen first and answer 503 until ready.
    let handler: http.RequestListener = (_req, res) => {
      res.writeHead(503, { 'Retry-After': '1' }).end();
    };
    server = http.createServer((req, res) => handler(req, res));
    const port = await listen(server, settings);
    const issuer = issuerFor(settings, port);

    const domain = domainServices(settings, storage, issuer, clientCache.cache);
    const demo = options.prepared ? demoData(settings) : await setUpOnce(settings, storage, domain, issuer);

    const adapter = adapterFactory({
      clients: domain.clients,
      db,
      ephemeral: storage.ephemeral,
      redis: storage.redis ? { client: storage.redis, prefix: storage.redisPrefix } : undefined,
    });
    signIns = new SignInCounts(storage.ephemeral, log);
    const holder = await createProviderHolder({
      issuer,
      db,
      ephemeral: storage.ephemeral,
      signIns,
      keyring,
      identities: domain.identities,
      pages: providerPages,
      log,
      metrics,
      adapter,
      trustProxy: settings.trustProxy,
      trustProxyHops: settings.trustProxyHops,
      outboundAllowPrivateNetworks: settings.outboundAllowPrivateNetworks,
      developerOrgOfToken: (token) => domain.developers.organisations.orgForToken(token),
      developerOrgById: (id) => domain.developers.organisations.byId(id),
      development: settings.env !== 'production',
    });
    const services: Services = {
      ...domain,
      issuer,
      development: settings.env !== 'production',
      initialAccessToken: (ttl, policies) => createInitialAccessToken(adapter, ttl, policies),
      internalBase: internalBase(settings.host, port),
      log,
      metrics,
      metricsGate: { token: settings.metricsToken, trustProxy: settings.trustProxy },
      demo,
      forms: buildForms(settings.maxBodyBytes),
      background: new Background(log),
      provider: holder.provider,
      personAccess: new PersonAccess(holder.provider, db, log),
      pairwise: new PairwiseIds(keyring),
      health: storage.health,
    };
    const flows = FLOWS.filter((f) => f.when?.(settings) ?? true);
    handler = buildApp({
      log,
      metrics,
      trustProxy: settings.trustProxy,
      trustProxyHops: settings.trustProxyHops,
      issuer,
      requireHttps: settings.env === 'production',
      cookieKeys: () => holder.keys().cookieSigner,
      provider: compose([signOutLimit(domain.throttle, log), signOutLanguage, holder.middleware]),
      signedIn: async (ctx) => !!(await browserSession(holder.provider(), ctx)).accountId,
      // oidc-provider's state: a request's writes go together at its end (one statement, or one Redis pipeline).
      aroundRequest: withRequestWrites,
      reused: (used) => revokeReused(holder.provider(), used),
      routes: (router) => {
        for (const flow of flows) flow.routes(router, services);
      },
    }).callback();

    // Every process delivers: claims take rows FOR UPDATE SKIP LOCKED under a lease, so no message goes out twice.
    const outbox = outboxFromSettings(settings, db, log);
    // Every process reloads the keys (its provider is built from them) and finishes queued sign-outs whose request
    // failed (claimed FOR UPDATE SKIP LOCKED: each by one process); purges are idempotent deletes, run by one.
    const timers = [
      setInterval(
        () => holder.refresh().catch((err) => log.error({ err }, 'key refresh failed')),
        settings.keyRefreshSeconds * 1000,
      ),
      setInterval(
        () =>
          services.personAccess
            .settlePendingSignOuts()
            .catch((err) => log.error({ err }, 'queued sign-outs could not be read')),
        30_000,
      ),
    ];
    if (options.housekeeping ?? true)
      timers.push(
        setInterval(
          () =>
            Promise.all([
              purgeExpired(db),
              purgeSharedStore(db),
              purgeAccountActivity(db),
              purgeActivationTokens(db),
              purgeExpiredRegistrations(db),
              purgeDeliveredMessages(db),
              purgeSyncLog(db),
            ]).catch((err) => log.error({ err }, 'purge failed')),
          600_000,
        ),
      );
    for (const t of timers) t.unref();
    log.info({ issuer, port, storage: storage.describe }, 'campus-sso listening');

    const listening = server;
    const cache = clientCache;
    const counts = signIns;
    return {
      issuer,
      port,
      storage,
      holder,
      adapter,
      services,
      signIns: counts,
      async close() {
        for (const t of timers) clearInterval(t);
        await new Promise<void>((resolve) => {
          listening.close(() => resolve());
          listening.closeIdleConnections();
          setTimeout(() => listening.closeAllConnections(), 5000).unref();
        });
        await services.background.idle();
        await outbox.stop();
        await cache.stop();
        await counts.close();
        await storage.close();
      },
    };
  } catch (err) {
    server?.close();
    await clientCache?.stop();
    await signIns?.close();
    await storage.close();
    throw err;
  }
}
