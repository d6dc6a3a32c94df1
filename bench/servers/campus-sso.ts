// Child process: campus-sso itself (settings from the environment, as `npm start`), plus the benchmark's client.
// Requests from the parent: `load` (bench people, see bench/lib/people.ts), `size` (database size), the roster import
// scenario's `roster-setup` and `roster-state` (bench/lib/roster.ts), `rss-start` / `rss-stop` (peak memory between),
// `memory` (this process's memory now, after a full collection if asked and started with --expose-gc) and `sessions`
// (the provider sessions recorded in person_sessions).
import fs from 'node:fs';
import { parseSettings } from '../../src/platform/settings.ts';
import { startServer } from '../../src/server.ts';
import { registerClient } from '../../test/helpers/rp.ts';
import { serveParent } from '../lib/child.ts';
import { BENCH_CLIENT, BENCH_CLIENT_METADATA } from '../lib/oidc.ts';
import { databaseSize, loadPeople } from '../lib/people.ts';
import { startProfile, stopProfile } from '../lib/profiler.ts';
import { rosterSetup, rosterState } from '../lib/roster.ts';

try {
  const settings = parseSettings();
  const server = await startServer(settings);
  const { db, keyring } = server.storage;
  await registerClient(server, BENCH_CLIENT_METADATA, BENCH_CLIENT.secret);
  // Every SQL statement the server sends, on either pool (see Database.ephemeral).
  let sql = 0;
  for (const pool of new Set([db, (server.storage as { ephemeral?: typeof db }).ephemeral ?? db]))
    pool.on('query', () => {
      sql++;
    });
  /** process.memoryUsage() and, from /proc, how much of the RSS is anonymous memory and how much mapped files. */
  const memory = () => {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { ...process.memoryUsage(), rssAnon: kB('RssAnon'), rssFile: kB('RssFile') };
  };
  let rssPeak = 0;
  let rssTimer: NodeJS.Timeout | undefined;
  serveParent(
    {
      stats: async () => ({ sql }),
      'roster-setup': async (m) => ({ ...(await rosterSetup(server, Number(m.rows))) }),
      'roster-state': async (m) => ({ ...(await rosterState(db, String(m.school), String(m.marker))) }),
      'rss-start': async () => {
        rssPeak = process.memoryUsage.rss();
        rssTimer = setInterval(() => {
          rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
        }, 20);
        return { rss: rssPeak };
      },
      'rss-stop': async () => {
        clearInterval(rssTimer);
        return { peak: Math.max(rssPeak, process.memoryUsage.rss()) };
      },
      memory: async (m) => {
        if (m.gc) {
          if (typeof globalThis.gc !== 'function') throw new Error('memory: gc asked for, but no --expose-gc');
          globalThis.gc();
        }
        return memory();
      },
      sessions: async () => {
        const [row] = await db('person_sessions').count({ count: '*' });
        return { sessions: Number(row?.count) };
      },
      'profile-start': async () => {
        await startProfile();
        return {};
      },
      'profile-stop': async (m) => {
        await stopProfile(String(m.file));
        return {};
      },
      load: async (m) => ({
        ...(await loadPeople(db, keyring, { people: Number(m.people), bcryptCost: settings.bcryptCost })),
      }),
      size: async () => ({ ...(await databaseSize(db)) }),
    },
    () => server.close(),
  );
  process.send!({ type: 'ready', issuer: server.issuer, storage: server.storage.describe });
} catch (err) {
  process.send!({ type: 'failed', error: (err as Error).message });
  process.exit(1);
}
