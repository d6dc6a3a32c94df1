// `node bench/workers-run.ts [--seconds N] [--concurrency N] [--bcrypt-cost N]`: only the WORKERS=1 / WORKERS=2
// comparison (scenarios/workers.ts) and the city estimate, in the embedded PostgreSQL and, when DATABASE_URL is set,
// on that PostgreSQL (+ Redis when REDIS_URL is set).
import os from 'node:os';
import { markdown, type Row } from './lib/report.ts';
import type { StorageMode } from './lib/targets.ts';
import { workersScenario } from './scenarios/workers.ts';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number) => Number(argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const seconds = flag('--seconds', 10);
const concurrency = flag('--concurrency', 8);
const bcryptCost = flag('--bcrypt-cost', 10);

const storages: StorageMode[] = [{ name: 'embedded PostgreSQL' }];
if (process.env.DATABASE_URL)
  storages.push({
    name: process.env.REDIS_URL ? 'PostgreSQL + Redis' : 'PostgreSQL',
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL,
  });

const rows: Row[] = [];
const estimates: string[] = [];
for (const storage of storages) {
  console.error(`campus-sso (${storage.name}), WORKERS=1 and 2…`);
  const result = await workersScenario(
    storage,
    {
      signIn: { concurrency, maxOps: 100_000, maxSeconds: seconds, warmupOps: concurrency * 2 },
      hop: { concurrency, maxOps: 100_000, maxSeconds: seconds, warmupOps: concurrency * 10 },
    },
    { bcryptCost, log: (line) => console.error(line) },
  );
  rows.push(...result.rows);
  if (result.estimate) estimates.push(`- ${storage.name}: ${result.estimate.text}`);
}

const cpu = os.cpus();
console.log(
  markdown({
    title: `${cpu[0]?.model}, ${cpu.length} cores, Node ${process.version}; bcrypt cost ${bcryptCost}, ${seconds} s per measurement. CPU ms/op: server = the primary and its workers.`,
    rows,
    checks: [],
    sizes: [],
  }),
);
console.log(['', ...estimates].join('\n'));
