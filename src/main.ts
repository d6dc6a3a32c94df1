// `npm start`: reads the settings, starts the server, shuts down gracefully on SIGTERM/SIGINT.
import { startBanner } from './banner.ts';
import { parseSettings, SettingsError } from './platform/settings.ts';
import { startServer } from './server.ts';

try {
  const server = await startServer(parseSettings());
  if (process.stdout.isTTY) {
    const { issuer, storage, services } = server;
    process.stdout.write(startBanner({ issuer, storage: storage.describe, demo: services.demo }));
  }
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
