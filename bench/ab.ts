// `node bench/ab.ts <checkout A> <checkout B> [--rounds N] [--ops sso,refresh,introspection,sign-in] [--bcrypt-cost C]`: the same
// operations on two versions of campus-sso running side by side, each given the load in turns (a slice to A, a slice
// to B, the order swapped every round), so that the VM's drift, which moves quick runs made one after another by
// ±20 %, falls on both alike. Each checkout's own bench/lib/targets.ts starts its server (as `npm start` runs it, on
// storage of its own; DATABASE_URL and REDIS_URL as for `npm run bench`, else the embedded PostgreSQL); a checkout is a
// directory such as a `git worktree add /tmp/before <commit>` with node_modules linked. Prints each one's throughput and
// server CPU per operation over all its slices (and how much of it the kernel's, on the server's behalf: system calls,
// the loopback network) and the databases' (every postgres and redis-server process: the other's are idle then), and
// each slice's. `--bcrypt-cost 4` (the lowest; default 10) leaves the sign-in's work beyond
// its password hash to be compared, with five times the sign-ins per slice.
import fs from 'node:fs';
import path from 'node:path';
import { cpuSnapshot } from './lib/cpu.ts';
import type { Target } from './lib/oidc.ts';
import { type Running, storageFromEnv } from './lib/targets.ts';
import { introspectionWorker } from './scenarios/introspection.ts';
import { passwordSignInWorker } from './scenarios/password-sign-in.ts';
import { refreshWorker } from './scenarios/refresh.ts';
import { ssoHopWorker } from './scenarios/sso-hop.ts';

const argv = process.argv.slice(2);
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const checkouts = argv.filter((word, i) => !word.startsWith('--') && !argv[i - 1]?.startsWith('--'));
if (checkouts.length !== 2) {
  console.error(
    'usage: node bench/ab.ts <checkout A> <checkout B> [--rounds N] [--ops sso,refresh,introspection,sign-in]',
  );
  process.exit(2);
}
const rounds = Number(option('--rounds') ?? 6);
const bcryptCost = Number(option('--bcrypt-cost') ?? 10);

/** The scenarios' own workers (each with its setup: a signed-in browser, a refresh chain, a token), at the bench's
 *  concurrency, and how many operations make one slice. */
type Operation = { concurrency: number; perSlice: number; worker(t: Target): Promise<() => Promise<unknown>> };
const OPERATIONS: Record<string, Operation> = {
  sso: { concurrency: 8, perSlice: 300, worker: ssoHopWorker },
  refresh: { concurrency: 8, perSlice: 600, worker: refreshWorker },
  introspection: { concurrency: 8, perSlice: 1500, worker: introspectionWorker },
  'sign-in': { concurrency: 4, perSlice: bcryptCost < 10 ? 200 : 40, worker: passwordSignInWorker },
};
const wanted = (option('--ops') ?? 'sso,refresh,introspection,sign-in').split(',');
for (const name of wanted) if (!OPERATIONS[name]) throw new Error(`unknown operation ${name}`);

/** CPU milliseconds the process has used, in all and in the kernel (utime + stime and stime, from /proc). */
function cpuMs(pid: number): { all: number; sys: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { all: (Number(fields[11]) + Number(fields[12])) * 10, sys: Number(fields[12]) * 10 };
}

const storage = storageFromEnv();

const servers: { label: string; running: Running }[] = [];
try {
  for (const [i, dir] of checkouts.entries()) {
    const targets = path.resolve(dir!, 'bench/lib/targets.ts');
    const { startCampusSso } = (await import(targets)) as typeof import('./lib/targets.ts');
    servers.push({ label: `${'AB'[i]} ${dir}`, running: await startCampusSso(storage, bcryptCost) });
  }
  console.log(`${storage.name}, ${rounds} rounds, bcrypt cost ${bcryptCost}`);
  for (const name of wanted) {
    const op = OPERATIONS[name]!;
    const slice = async (running: Running) => {
      const workers = await Promise.all(Array.from({ length: op.concurrency }, () => op.worker(running.target)));
      let left = op.perSlice;
      const [start, cpuStart, dbStart] = [performance.now(), cpuMs(running.child.pid), cpuSnapshot().dbCpu];
      await Promise.all(
        workers.map(async (next) => {
          while (left-- > 0) await next();
        }),
      );
      const cpuEnd = cpuMs(running.child.pid);
      const db = (cpuSnapshot().dbCpu - dbStart) * 1000;
      return { ms: performance.now() - start, cpu: cpuEnd.all - cpuStart.all, sys: cpuEnd.sys - cpuStart.sys, db };
    };
    for (const s of servers) await slice(s.running); // warm-up
    const totals = servers.map(() => ({ ms: 0, cpu: 0, sys: 0, db: 0, slices: [] as string[] }));
    for (let round = 0; round < rounds; round++)
      for (const i of round % 2 ? [1, 0] : [0, 1]) {
        const { ms, cpu, sys, db } = await slice(servers[i]!.running);
        const total = totals[i]!;
        total.ms += ms;
        total.cpu += cpu;
        total.sys += sys;
        total.db += db;
        total.slices.push(`${((op.perSlice / ms) * 1000).toFixed(0)}/s ${(cpu / op.perSlice).toFixed(2)}`);
      }
    for (const [i, s] of servers.entries()) {
      const { ms, cpu, sys, db, slices } = totals[i]!;
      const ops = op.perSlice * rounds;
      console.log(
        `${name} ${s.label}: ${((ops / ms) * 1000).toFixed(1)} ops/s, server CPU ${(cpu / ops).toFixed(2)} ms/op (kernel ${(sys / ops).toFixed(2)}), databases ${(db / ops).toFixed(2)} ms/op  [${slices.join(', ')}]`,
      );
    }
  }
} finally {
  for (const s of servers) await s.running.close();
}
