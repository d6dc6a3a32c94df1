// Composition root: storage, then keys and clients, then the provider, then the routes, then the HTTP server.
import http from 'node:http';
import type net from 'node:net';
import Router from '@koa/router';
import type { Settings } from './platform/settings.ts';
import { readClientsFile, upsertClient } from './domain/clients/registry.ts';
import { openStorage, type Storage } from './platform/storage/open.ts';
import { readDemoData, seedDemo } from './domain/demo/seed.ts';
import { demoRoutes } from './flows/demo/routes.ts';
import { interactionRoutes } from './flows/sign-in/routes.ts';
import { accountPortalClient } from './domain/clients/account-portal.ts';
import { purgeAccountActivity } from './domain/activity/activity.ts';
import { accountRoutes } from './flows/account/routes.ts';
import { createLogger } from './platform/log.ts';
import { passwordRoutes } from './flows/password-reset/routes.ts';
import { mailboxRoutes, outboxFromSettings } from './domain/outbox/index.ts';
import { purgeExpired } from './oidc/adapters/postgres.ts';
import { purgeSharedStore } from './platform/shared-store/postgres.ts';
import { purgeActivationTokens } from './flows/registration/activation-tokens.ts';
import { registrationRoutes } from './flows/registration/routes.ts';
import { sisRoutes } from './flows/sis/routes.ts';
import { rosterRegistrationRoutes } from './flows/roster/routes.ts';
import { ensureKeys } from './oidc/keys.ts';
import { createProviderHolder, type ProviderHolder } from './oidc/provider.ts';
import { buildApp } from './web/app.ts';
import { homeRoutes } from './flows/home/routes.ts';
import { createMetrics } from './platform/metrics.ts';
import { opsRoutes } from './flows/ops/routes.ts';

export type RunningServer = {
  issuer: string;
  port: number;
  storage: Storage;
  holder: ProviderHolder;
  close(): Promise<void>;
};

function listen(server: http.Server, settings: Settings): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => resolve((server.address() as net.AddressInfo).port);
    if (settings.host) server.listen(settings.port, settings.host, done);
    else server.listen(settings.port, done);
  });
}

export async function startServer(settings: Settings): Promise<RunningServer> {
  const log = createLogger(settings.logLevel);
  const metrics = createMetrics();
  const storage = await openStorage(settings);
  const { db, keyring } = storage;
  let server: http.Server | undefined;
  try {
    await ensureKeys(db, keyring);
    for (const client of readClientsFile(settings.clientsFile)) await upsertClient(db, client, 'config');

    // The issuer may depend on the port we get, so listen first and answer 503 until ready.
    let handler: http.RequestListener = (_req, res) => {
      res.writeHead(503, { 'Retry-After': '1' }).end();
    };
    server = http.createServer((req, res) => handler(req, res));
    const port = await listen(server, settings);
    const issuer = settings.issuer ?? `http://localhost:${port}`;
    await upsertClient(db, accountPortalClient(issuer), 'config');

    const demo = settings.seedDemo ? readDemoData() : undefined;
    if (demo) await seedDemo(db, keyring, issuer, settings.bcryptCost);

    const holder = await createProviderHolder({
      issuer, db, ephemeral: storage.ephemeral, keyring, adapter: storage.adapter, trustProxy: settings.trustProxy, log, metrics,
      outboundAllowPrivateNetworks: settings.outboundAllowPrivateNetworks,
    });
    const interactionDeps = {
      provider: holder.provider, db, bcryptCost: settings.bcryptCost, shared: storage.shared, log, metrics, maxBodyBytes: settings.maxBodyBytes,
    };
    const app = buildApp({
      log, metrics, trustProxy: settings.trustProxy,
      cookieKeys: () => holder.keys().cookieKeys,
      provider: holder.middleware,
      routes: [
        (r: Router) => opsRoutes(r, { db, redis: storage.redis, metrics }),
        (r: Router) => homeRoutes(r, { demo }),
        (r: Router) => interactionRoutes(r, interactionDeps),
        (r: Router) => registrationRoutes(r, { db, keyring, shared: storage.shared, bcryptCost: settings.bcryptCost, issuer, maxBodyBytes: settings.maxBodyBytes }),
        (r: Router) => sisRoutes(r, { issuer, provider: holder.provider, db, keyring, shared: storage.shared, bcryptCost: settings.bcryptCost, maxBodyBytes: settings.maxBodyBytes, log }),
        (r: Router) => passwordRoutes(r, { ...interactionDeps, issuer }),
        (r: Router) => accountRoutes(r, {
          issuer, provider: holder.provider, db, keyring, shared: storage.shared, bcryptCost: settings.bcryptCost,
          maxBodyBytes: settings.maxBodyBytes, log,
        }),
        (r: Router) => rosterRegistrationRoutes(r, { issuer, provider: holder.provider, db, keyring, shared: storage.shared, bcryptCost: settings.bcryptCost, maxBodyBytes: settings.maxBodyBytes, log }),
        ...(demo ? [(r: Router) => demoRoutes(r, { issuer, clientId: demo.client.client_id, log })] : []),
        ...(settings.mailboxPage ? [(r: Router) => mailboxRoutes(r, { db })] : []),
      ],
    });
    handler = app.callback();

    const outbox = outboxFromSettings(settings, db, log);
    const timers = [
      setInterval(() => holder.refresh().catch((err) => log.error({ err }, 'key refresh failed')), settings.keyRefreshSeconds * 1000),
      setInterval(() => Promise.all([purgeExpired(db), purgeSharedStore(db), purgeAccountActivity(db), purgeActivationTokens(db)]).catch((err) => log.error({ err }, 'purge failed')), 600_000),
    ];
    for (const t of timers) t.unref();
    log.info({ issuer, port, storage: storage.describe }, 'campus-sso listening');

    const listening = server;
    return {
      issuer, port, storage, holder,
      async close() {
        for (const t of timers) clearInterval(t);
        await outbox.stop();
        await new Promise<void>((resolve) => {
          listening.close(() => resolve());
          listening.closeIdleConnections();
          setTimeout(() => listening.closeAllConnections(), 5000).unref();
        });
        await storage.close();
      },
    };
  } catch (err) {
    server?.close();
    await storage.close();
    throw err;
  }
}
