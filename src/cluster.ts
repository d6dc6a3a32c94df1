// WORKERS > 1: `npm start` as node's cluster. The primary does what is done once for all (server.ts prepareServer:
// starts and owns the embedded PostgreSQL, applies migrations, creates the first keys, upserts the configured
// clients, seeds the demo data), then forks the workers. Each worker serves HTTP on the one port (the primary hands
// the connections out in turn) and skips the once-only work; worker 0 also runs the periodic purges, and every worker
// delivers the outbox (its claims are FOR UPDATE SKIP LOCKED under a lease). What a process keeps in memory stays
// right across them: clients through LISTEN/NOTIFY, keys reloaded every KEY_REFRESH_SECONDS, and /metrics is summed
// over the workers by the primary. A worker that dies is started again: at once after a long life, backing off up to
// 30 seconds while it keeps dying young. close() (SIGTERM, SIGINT) stops the workers gracefully, then closes the
// primary's storage, which stops the embedded PostgreSQL.
import cluster, { type Worker } from 'node:cluster';
import type pg from 'pg';
import { AggregatorRegistry } from 'prom-client';
import type { DemoData } from './domain/demo/seed.ts';
import { createLogger } from './platform/log.ts';
import type { Settings } from './platform/settings.ts';
import { freePort } from './platform/storage/embedded-postgres.ts';
import type { Storage } from './platform/storage/open.ts';
import { prepareServer, type RunningServer, startServer } from './server.ts';

/** What the primary and a worker tell each other over cluster's channel. */
type Message =
  /** worker → primary: ready for its settings. */
  | { type: 'campus-sso:hello' }
  | { type: 'campus-sso:start'; settings: Settings; slot: number }
  | { type: 'campus-sso:ready' }
  | { type: 'campus-sso:failed'; error: string }
  /** worker → primary: every worker's metrics, please; the primary answers with `text` or `error`. */
  | { type: 'campus-sso:metrics'; id: number; text?: string; error?: string }
  /** primary → worker: your own metrics, please; the worker answers with `metrics`. */
  | { type: 'campus-sso:own-metrics'; id: number; metrics?: object[] };

export type RunningCluster = {
  issuer: string;
  /** The primary's storage (it owns the embedded PostgreSQL). */
  storage: Storage;
  demo: DemoData | undefined;
  workers: number;
  close(): Promise<void>;
};

/** How long a worker may take to stop gracefully before it is killed. */
const STOP_GRACE_MS = 30_000;
/** A worker that lived this long before it died is started again at once; one that died younger, after a wait. */
const LONG_LIFE_MS = 30_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** How long the primary waits for a worker's own metrics (a worker that does not answer is left out). */
const METRICS_WAIT_MS = 2_000;

function tell(to: Worker | NodeJS.Process, message: Message) {
  // A channel that closed meanwhile (the other side died) is not an error here: its exit is handled.
  if (to === process) process.send?.(message, undefined, {}, () => {});
  else (to as Worker).send(message, () => {});
}

/** How the workers reach PostgreSQL: as configured, or the primary's embedded cluster (they never start their own). */
function databaseUrl(settings: Settings, storage: Storage): string {
  if (settings.databaseUrl) return settings.databaseUrl;
  return (storage.db.client as { connectionSettings: pg.ClientConfig }).connectionSettings.connectionString!;
}

type Slot = { index: number; worker?: Worker; ready: boolean; startedAt: number; youngDeaths: number };

/** The primary: the once-only work, then `settings.workers` workers, kept running until close(). */
export async function startCluster(settings: Settings): Promise<RunningCluster> {
  const log = createLogger(settings.logLevel).child({ primary: process.pid });
  // Every worker must know the port before the first one listens (the issuer names it): PORT=0 is chosen here.
  const port = settings.port || (await freePort());
  const { issuer, storage, demo } = await prepareServer({ ...settings, port });
  const forWorkers: Settings = { ...settings, port, databaseUrl: databaseUrl(settings, storage) };
  const slots: Slot[] = Array.from({ length: settings.workers }, (_, index) => ({
    index,
    ready: false,
    startedAt: 0,
    youngDeaths: 0,
  }));
  const restarts = new Set<NodeJS.Timeout>();
  let stopping = false;
  let starting: { resolve(): void; reject(err: Error): void } | undefined;
  const started = new Promise<void>((resolve, reject) => {
    starting = { resolve, reject };
  });

  let asks = 0;
  const answers = new Map<number, (metrics: object[] | undefined) => void>();
  const ownMetrics = (worker: Worker) =>
    new Promise<object[] | undefined>((resolve) => {
      const id = ++asks;
      const timer = setTimeout(() => answers.get(id)?.(undefined), METRICS_WAIT_MS);
      answers.set(id, (metrics) => {
        clearTimeout(timer);
        answers.delete(id);
        resolve(metrics);
      });
      tell(worker, { type: 'campus-sso:own-metrics', id });
    });
  /** Every ready worker's metrics, summed (prom-client's cluster aggregation: counters and histograms add up). */
  const clusterMetrics = async () => {
    const ready = slots.flatMap((s) => (s.ready && s.worker ? [s.worker] : []));
    const each = await Promise.all(ready.map(ownMetrics));
    return AggregatorRegistry.aggregate(each.filter((m) => m !== undefined)).metrics();
  };

  const fork = (slot: Slot) => {
    slot.ready = false;
    slot.startedAt = Date.now();
    const worker = cluster.fork();
    slot.worker = worker;
    worker.on('error', () => {}); // a send to a worker that just died; its exit is handled below
    worker.on('message', (m: Message) => {
      if (m.type === 'campus-sso:hello')
        tell(worker, { type: 'campus-sso:start', settings: forWorkers, slot: slot.index });
      else if (m.type === 'campus-sso:ready') {
        slot.ready = true;
        if (!starting) log.info({ worker: slot.index, pid: worker.process.pid }, 'worker started again');
        else if (slots.every((s) => s.ready)) starting.resolve();
      } else if (m.type === 'campus-sso:failed') {
        log.error({ worker: slot.index, pid: worker.process.pid, err: m.error }, 'worker failed to start');
        starting?.reject(new Error(`worker ${slot.index}: ${m.error}`));
      } else if (m.type === 'campus-sso:own-metrics') answers.get(m.id)?.(m.metrics);
      else if (m.type === 'campus-sso:metrics') {
        clusterMetrics().then(
          (text) => tell(worker, { type: 'campus-sso:metrics', id: m.id, text }),
          (err: Error) => tell(worker, { type: 'campus-sso:metrics', id: m.id, error: err.message }),
        );
      }
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.ready = false;
      if (stopping) return;
      if (starting) {
        starting.reject(new Error(`worker ${slot.index} exited while starting (${signal ?? code})`));
        return;
      }
      slot.youngDeaths = Date.now() - slot.startedAt < LONG_LIFE_MS ? slot.youngDeaths + 1 : 0;
      const delay = slot.youngDeaths ? Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** (slot.youngDeaths - 1)) : 0;
      log.warn(
        { worker: slot.index, pid: worker.process.pid, code, signal, restartInMs: delay },
        'worker exited; starting another',
      );
      const timer = setTimeout(() => {
        restarts.delete(timer);
        fork(slot);
      }, delay);
      restarts.add(timer);
    });
  };

  const stopWorker = (worker: Worker) =>
    new Promise<void>((resolve) => {
      if (worker.isDead()) return resolve();
      const kill = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
      worker.process.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      // A signal, not a message: a worker still loading (no listener yet) would miss a message, and a signal ends it.
      worker.process.kill('SIGTERM');
    });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopping = true;
      for (const timer of restarts) clearTimeout(timer);
      await Promise.all(slots.flatMap((s) => (s.worker ? [stopWorker(s.worker)] : [])));
      await storage.close();
    })());

  for (const slot of slots) fork(slot);
  try {
    await started;
  } catch (err) {
    await close();
    throw err;
  } finally {
    starting = undefined;
  }
  log.info({ issuer, port, storage: storage.describe, workers: settings.workers }, 'campus-sso listening');
  return { issuer, storage, demo, workers: settings.workers, close };
}

/** A worker's life: asks the primary for its settings, serves, and stops gracefully on SIGTERM (or SIGINT). */
export function serveAsWorker(): void {
  let server: RunningServer | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server?.close(); // while still starting there is nothing to finish: it ends at once
    process.exit(0);
  };
  let asks = 0;
  const asked = new Map<number, (m: { text?: string; error?: string }) => void>();
  /** /metrics: every worker's, from the primary (this process alone would show only its own share). */
  const clusterMetrics = () =>
    new Promise<string>((resolve, reject) => {
      const id = ++asks;
      const timer = setTimeout(() => asked.get(id)?.({ error: 'the primary did not answer' }), 10_000);
      asked.set(id, (m) => {
        clearTimeout(timer);
        asked.delete(id);
        if (m.text === undefined) reject(new Error(`metrics: ${m.error}`));
        else resolve(m.text);
      });
      tell(process, { type: 'campus-sso:metrics', id });
    });
  const start = async (settings: Settings, slot: number) => {
    try {
      server = await startServer(settings, {
        prepared: true,
        housekeeping: slot === 0,
        logBindings: { worker: slot, pid: process.pid },
      });
    } catch (err) {
      // cluster says `bind EADDRINUSE null:3000` for a port in use: name it as a single server would.
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      const error = inUse ? `listen EADDRINUSE: port ${settings.port} is already in use` : (err as Error).message;
      process.send!({ type: 'campus-sso:failed', error } satisfies Message, () => process.exit(1));
      return;
    }
    const { registry } = server.services.metrics;
    registry.metrics = clusterMetrics;
    process.on('message', (m: Message) => {
      if (m.type === 'campus-sso:own-metrics')
        void registry.getMetricsAsJSON().then((metrics) => tell(process, { ...m, metrics }));
    });
    tell(process, { type: 'campus-sso:ready' });
  };
  process.on('message', (m: Message) => {
    if (m.type === 'campus-sso:start') void start(m.settings, m.slot);
    else if (m.type === 'campus-sso:metrics') asked.get(m.id)?.(m);
  });
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  tell(process, { type: 'campus-sso:hello' });
}
