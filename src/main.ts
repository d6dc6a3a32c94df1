// `npm start`: reads the settings, starts the server (with WORKERS > 1, a cluster of them: cluster.ts), shuts down
// gracefully on SIGTERM/SIGINT.
import cluster from 'node:cluster';
import { startBanner } from './banner.ts';
import { serveAsWorker, startCluster } from './cluster.ts';
import { parseSettings, type Settings, SettingsError } from './platform/settings.ts';
import { startServer } from './server.ts';

/** The server (one process), or the cluster's primary; what the banner says of it, and how to stop it. */
async function start(settings: Settings) {
  if (settings.workers > 1) {
    const primary = await startCluster(settings);
    const storage = `${primary.storage.describe}, ${primary.workers} workers`;
    return { banner: { issuer: primary.issuer, storage, demo: primary.demo }, close: primary.close };
  }
  const server = await startServer(settings);
  const { issuer, storage, services } = server;
  return { banner: { issuer, storage: storage.describe, demo: services.demo }, close: server.close };
}

if (cluster.isWorker) serveAsWorker();
else {
  try {
    const server = await start(parseSettings());
    if (process.stdout.isTTY) process.stdout.write(startBanner(server.banner));
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`${JSON.stringify({ level: 30, msg: `${signal}: shutting down` })}\n`);
      await server.close();
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`campus-sso: configuration error: ${err.message}\n`);
    } else {
      process.stderr.write(`campus-sso: failed to start: ${(err as Error).message}\n`);
    }
    process.exit(1);
  }
}
