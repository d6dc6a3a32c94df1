// `node --experimental-async-context-frame bench/per-request.ts [--sql] [--sign-ins N] [--hops N]`: where a sign-in's
// and an SSO hop's CPU goes, HTTP request by HTTP request. campus-sso runs in this process (storage of its own, as the
// bench's: the embedded PostgreSQL, or DATABASE_URL / REDIS_URL; bcrypt at the lowest cost, 4, so the hash hardly
// counts), one flow at a time; each request's CPU is this process's from the request's arrival to its response's
// last byte (so it includes V8's helper threads and any garbage collection that falls in it, and the load generator's
// little share in between), with the SQL statements sent meanwhile. `--sql` lists each request's statements too.
// Absolute figures are those of one flow at a time (an idle event loop wakes for every round trip), higher than under
// load; compare requests with each other, and one commit with another.
import http from 'node:http';
import { parseSettings } from '../src/platform/settings.ts';
import { startServer } from '../src/server.ts';
import { registerClient } from '../test/helpers/rp.ts';
import { BENCH_CLIENT, BENCH_CLIENT_METADATA } from './lib/oidc.ts';
import { benchStorage, campusSsoTarget, storageFromEnv } from './lib/targets.ts';
import { passwordSignInWorker } from './scenarios/password-sign-in.ts';
import { ssoHopWorker } from './scenarios/sso-hop.ts';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) =>
  argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback;
const listSql = argv.includes('--sql');

type Tally = { count: number; cpuUs: number; sql: number; statements: string[] };
const tallies = new Map<string, Tally>();
let measuring = false;
let statements = 0;
/** The statements of the request now being served, when it is the first of its name (--sql). */
let listing: string[] | undefined;

// Every request the server is given, timed from its arrival to its response's last byte.
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
  if (event === 'request' && measuring) {
    const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
    // Ids (interaction uids) replaced, so that every flow's requests add up under the same names.
    const key = `${req.method} ${(req.url ?? '').split('?')[0]!.replace(/[\w-]{16,}/g, ':id')}`;
    const [cpu, sql] = [process.cpuUsage(), statements];
    const first = !tallies.has(key);
    listing = first && listSql ? [] : undefined;
    const listed = listing;
    res.on('finish', () => {
      const used = process.cpuUsage(cpu);
      const t = tallies.get(key) ?? { count: 0, cpuUs: 0, sql: 0, statements: listed ?? [] };
      t.count++;
      t.cpuUs += used.user + used.system;
      t.sql += statements - sql;
      tallies.set(key, t);
    });
  }
  return (emit as (this: http.Server, ...all: unknown[]) => boolean).call(this, event, ...args);
} as typeof emit;

const storage = storageFromEnv();
const { env, cleanup } = await benchStorage(storage, 4);
for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
process.env.LOG_LEVEL = 'warn';
const server = await startServer(parseSettings());
try {
  await registerClient(server, BENCH_CLIENT_METADATA, BENCH_CLIENT.secret);
  const pools = new Set([server.storage.db, server.storage.ephemeral]);
  for (const pool of pools)
    pool.on('query', (q: { sql: string }) => {
      statements++;
      listing?.push(q.sql.replace(/\s+/g, ' ').trim().slice(0, 140));
    });
  const target = await campusSsoTarget(`campus-sso (${storage.name})`, server.issuer);
  console.log(`${target.name}, bcrypt cost 4, one flow at a time; CPU µs and SQL statements per request`);
  const flows = [
    ['password sign-in flow (the demo teacher: the identity menu)', passwordSignInWorker, option('--sign-ins', 300)],
    ['SSO hop', ssoHopWorker, option('--hops', 1000)],
  ] as const;
  for (const [name, worker, count] of flows) {
    const next = await worker(target);
    for (let i = 0; i < count / 2; i++) await next(); // warm-up: the JIT compiles the hot paths first
    tallies.clear();
    measuring = true;
    for (let i = 0; i < count; i++) await next();
    measuring = false;
    console.log(`\n${name}, ${count} flows:`);
    let [cpu, sql] = [0, 0];
    for (const [key, t] of tallies) {
      console.log(
        `  ${(t.cpuUs / t.count).toFixed(0).padStart(6)} µs  ${(t.sql / t.count).toFixed(2).padStart(5)} SQL  ×${(t.count / count).toFixed(2)}  ${key}`,
      );
      for (const statement of t.statements) console.log(`        ${statement}`);
      [cpu, sql] = [cpu + t.cpuUs, sql + t.sql];
    }
    console.log(`  ${(cpu / count).toFixed(0).padStart(6)} µs  ${(sql / count).toFixed(2).padStart(5)} SQL  per flow`);
  }
} finally {
  await server.close();
  await cleanup();
}
