// `node bench/cpu-breakdown.ts [--op sso|refresh|introspection|sign-in] [--bare] [--seconds N] [--warm-up N]
//   [--bcrypt-cost C] [--concurrency C] [--top N] [--functions N] [--postgres N] [--load-generator]`: where one operation's CPU goes on the whole
// machine, measured with Linux `perf` (Debian's `linux-perf`; run as root). One server under test (campus-sso as
// `npm start` runs it, on storage of its own as for `npm run bench`, bcrypt at cost 4 unless given; or with `--bare` the
// bare oidc-provider) gets the operation at c=8 (or --concurrency) from this process; after the warm-up (default 20 s; V8's compiler keeps
// optimising for a minute or more, less and less: see the README) every CPU of the machine is sampled for N seconds
// (default 10) while the load goes on. Each sample is CPU time really spent: unlike V8's own profiler, time a thread
// waits inside a system call is not counted, and PostgreSQL, Redis, the kernel, the load generator and the server's
// other threads (libuv's pool, where passwords are hashed and tokens signed; V8's helpers: garbage collection, the
// optimising compiler) are in the same picture. The server's main thread is split by the package (or project folder)
// of the innermost JavaScript function of each sample, so that a built-in, a native call or a system call counts for
// the code that made it; `--functions N` lists the N functions that made most of it the same way (a JIT frame's name
// can be stale when V8 moved code; read the packages first). `--postgres N` lists the N functions PostgreSQL's processes
// spent most in (the innermost only: its build has no frame pointers to walk the stack by). With `--load-generator` (and this script itself run with
// `node --perf-basic-prof --logfile=+ --no-logfile-per-isolate`) the load generator's main thread is split instead.
// Figures are CPU milliseconds per operation.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Target } from './lib/oidc.ts';
import { type Running, startBare, startCampusSso, storageFromEnv } from './lib/targets.ts';
import { introspectionWorker } from './scenarios/introspection.ts';
import { passwordSignInWorker } from './scenarios/password-sign-in.ts';
import { refreshWorker } from './scenarios/refresh.ts';
import { ssoHopWorker } from './scenarios/sso-hop.ts';

const argv = process.argv.slice(2);
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const WORKERS: Record<string, (t: Target) => Promise<() => Promise<unknown>>> = {
  sso: ssoHopWorker,
  refresh: refreshWorker,
  introspection: introspectionWorker,
  'sign-in': passwordSignInWorker,
};
const opName = option('--op') ?? 'sso';
const worker = WORKERS[opName];
if (!worker) {
  console.error(`unknown operation ${opName}: one of ${Object.keys(WORKERS).join(', ')}`);
  process.exit(2);
}
const seconds = Number(option('--seconds') ?? 10);
const warmUpSeconds = Number(option('--warm-up') ?? 20);
const top = Number(option('--top') ?? 14);
const functions = Number(option('--functions') ?? 0);
const postgresFunctions = Number(option('--postgres') ?? 0);
const concurrency = Number(option('--concurrency') ?? 8);
const HZ = 499;

try {
  execFileSync('perf', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('needs Linux perf: apt-get install linux-perf (and root, or kernel.perf_event_paranoid <= 0)');
  process.exit(2);
}

/** Packages that do one job, shown together. */
const GROUPS: [RegExp, string][] = [
  [/^(pg|pg-protocol|pg-types|pg-pool|knex|tarn|postgres-\w+)$/, 'database client (pg, knex, tarn)'],
  [/^(ioredis|redis-parser|cluster-key-slot|denque|standard-as-callback)$/, 'Redis client (ioredis)'],
  [/^(oidc-provider|jose|quick-lru|@koa\/cors|paseto3?)$/, 'oidc-provider (with jose)'],
  [/^node:/, 'Node (http, streams, buffers, timers)'],
  [
    /^(koa|koa-compose|@koa\/router|@koa\/bodyparser|co-body|raw-body|delegates|cookies|keygrip|tsscmp|accepts|negotiator|type-is|media-typer|mime-types|on-finished|ee-first|http-errors|statuses|vary|encodeurl|escape-html|content-disposition|content-type|fresh|parseurl|qs|iconv-lite|bytes|destroy|depd|only|koa-views|helmet|koa-helmet)$/,
    'Koa and its helpers (cookies, bodies, routing)',
  ],
  [
    /^(pino|@pinojs\/.*|sonic-boom|thread-stream|prom-client|tdigest|bintrees|fast-redact)$/,
    'logs and metrics (pino, prom-client)',
  ],
  [/^(pug|pug-runtime|i18next)$/, 'pages and texts (pug, i18next)'],
  [/^src(\/|$)/, "campus-sso's own code (src/)"],
];
const group = (where: string) => GROUPS.find(([re]) => re.test(where))?.[1] ?? `other packages (${where})`;

/** `JS:*name file:///…/node_modules/pkg/lib/x.js:1:2` → `pkg`; project files → their folder; Node's → `node:…`. */
function whereOf(symbol: string): string | undefined {
  const m = /^JS:\S?\S* (\S+?):\d+:\d+/.exec(symbol);
  if (!m) return undefined;
  const url = m[1]!;
  if (url.startsWith('node:')) return url.split('/')[0];
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + 13).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return path.relative(process.cwd(), path.dirname(file)) || '.';
}

async function drive(running: Running) {
  const next = await Promise.all(Array.from({ length: concurrency }, () => worker!(running.target)));
  let [stop, ops] = [false, 0];
  const loops = next.map(async (op) => {
    while (!stop) {
      await op();
      ops++;
    }
  });
  return {
    count: () => ops,
    reset() {
      ops = 0;
    },
    async end() {
      stop = true;
      await Promise.all(loops);
    },
  };
}

/** JIT-compiled functions named for perf (in /tmp/perf-PID.map); V8's log, which that flag
 *  also turns on, to a temporary file that is never named. */
const NODE_FLAGS = ['--perf-basic-prof', '--logfile=+', '--no-logfile-per-isolate'];
const bcryptCost = Number(option('--bcrypt-cost') ?? 4);
const running = argv.includes('--bare')
  ? await startBare(NODE_FLAGS)
  : await startCampusSso(storageFromEnv(), bcryptCost, NODE_FLAGS);
const serverPid = running.child.pid;
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cpu-breakdown-')), 'perf.data');
let ops = 0;
try {
  const load = await drive(running);
  await new Promise((resolve) => setTimeout(resolve, warmUpSeconds * 1000));
  load.reset();
  const perf: ChildProcess = spawn(
    'perf',
    ['record', '-a', '-g', '-F', String(HZ), '-o', file, '--', 'sleep', String(seconds)],
    { stdio: 'ignore' },
  );
  await new Promise((resolve) => perf.once('exit', resolve));
  ops = load.count();
  await load.end();
} finally {
  await running.close();
}

// One sample per `perf script` block: a header line (comm pid/tid …) and its stack, innermost frame first.
const tallies = new Map<string, number>();
const mainByPackage = new Map<string, number>();
const mainByFunction = new Map<string, number>();
const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
const postgresByFunction = new Map<string, number>();
let kernelOfServer = 0;
/** The main thread split by package and function: the server's, or with `--load-generator` this process's. */
const focus = argv.includes('--load-generator') ? process.pid : serverPid;
if (focus === process.pid && !process.execArgv.includes('--perf-basic-prof'))
  console.error("(run this script itself with node --perf-basic-prof to name the load generator's functions)");
const splitMain = (frames: { sym: string }[]) => {
  const innermost = frames.find((f) => whereOf(f.sym) !== undefined);
  const where = innermost && whereOf(innermost.sym);
  if (innermost) add(mainByFunction, innermost.sym.replace(/^JS:\S?/, '').replace('file:///', '/'));
  const gc = frames.some((f) => /Scavenge|MarkCompact|GarbageCollect|Heap::Collect/.test(f.sym));
  const key = where ?? (gc ? 'V8 garbage collection' : 'native (V8, libc, node C++)');
  add(mainByPackage, key);
  return where ? group(where) : key;
};
const classify = (head: { comm: string; pid: number; tid: number }, frames: { sym: string; dso: string }[]) => {
  if (head.pid === 0) return add(tallies, 'idle');
  const main = head.tid === head.pid && head.pid === focus ? splitMain(frames) : undefined;
  if (head.pid === serverPid) {
    if (frames[0]?.dso.includes('kernel')) kernelOfServer++;
    if (head.tid === serverPid) return add(tallies, `server, main thread: ${main ?? 'all'}`);
    if (head.comm.startsWith('libuv')) return add(tallies, 'server, libuv threads (password hashes, token signatures)');
    const compiling = frames.some((f) => /compiler::|Compil|Maglev|Turbofan/.test(f.sym));
    return add(tallies, `server, V8 helper threads (${compiling ? 'compiler' : 'garbage collection and other'})`);
  }
  if (head.pid === process.pid)
    return add(tallies, `load generator (this process)${main ? `, main thread: ${main}` : ''}`);
  if (head.comm === 'postgres') {
    const inKernel = frames[0]?.dso.includes('kernel');
    const own = frames.find((f) => !f.dso.includes('kernel'));
    add(postgresByFunction, `${own?.sym ?? '?'}${inKernel ? ' (in the kernel)' : ''}`);
    return add(tallies, 'PostgreSQL');
  }
  if (head.comm.startsWith('redis')) return add(tallies, 'Redis');
  return add(tallies, `other (${head.comm})`);
};
const script = spawn('perf', ['script', '-i', file, '-F', 'comm,pid,tid,ip,sym,dso'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
let head: { comm: string; pid: number; tid: number } | undefined;
let frames: { sym: string; dso: string }[] = [];
for await (const line of readline.createInterface({ input: script.stdout! })) {
  if (!line.trim()) continue;
  if (!/^\s/.test(line)) {
    if (head) classify(head, frames);
    const m = /^\s*(.+?)\s+(\d+)\/(\d+)/.exec(line);
    head = m ? { comm: m[1]!, pid: Number(m[2]), tid: Number(m[3]) } : undefined;
    frames = [];
  } else {
    // `   7fc26c3ca974 JS:^name file:…:82:29+0x474 (/tmp/perf-1.map)`
    const m = /^\s*[0-9a-f]+\s+(.*?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)$/.exec(line);
    if (m) frames.push({ sym: m[1]!, dso: m[2]! });
  }
}
if (head) classify(head, frames);
fs.rmSync(path.dirname(file), { recursive: true, force: true });
fs.rmSync(`/tmp/perf-${serverPid}.map`, { force: true });

const msPerSample = 1000 / HZ;
const perOp = (samples: number) => ((samples * msPerSample) / ops).toFixed(3);
const busy = [...tallies].filter(([k]) => k !== 'idle').reduce((a, [, v]) => a + v, 0);
const target = argv.includes('--bare') ? 'bare oidc-provider' : `campus-sso (${storageFromEnv().name})`;
console.log(
  `${target}: ${opName}, c=${concurrency}, ${ops} operations in ${seconds} s (${(ops / seconds).toFixed(0)}/s)`,
);
console.log(
  `CPU ms per operation on the whole machine (${busy} samples at ${HZ} Hz; idle ${perOp(tallies.get('idle') ?? 0)})\n`,
);
const rows = [...tallies].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]);
for (const [key, n] of rows)
  console.log(`  ${perOp(n).padStart(7)}  ${((100 * n) / busy).toFixed(1).padStart(5)} %  ${key}`);
console.log(
  `  ${perOp(busy).padStart(7)}  100.0 %  in all (of it the server's system calls: ${perOp(kernelOfServer)})`,
);
const main = [...mainByPackage].sort((a, b) => b[1] - a[1]);
const whose = focus === serverPid ? "the server's" : "the load generator's";
console.log(`\n${whose} main thread by package (top ${top}):`);
for (const [key, n] of main.slice(0, top)) console.log(`  ${perOp(n).padStart(7)}  ${key}`);
const rest = main.slice(top).reduce((a, [, n]) => a + n, 0);
if (rest) console.log(`  ${perOp(rest).padStart(7)}  the other ${main.length - top}`);
if (postgresFunctions) {
  console.log(`\nPostgreSQL by function (top ${postgresFunctions}):`);
  for (const [key, n] of [...postgresByFunction].sort((a, b) => b[1] - a[1]).slice(0, postgresFunctions))
    console.log(`  ${perOp(n).padStart(7)}  ${key}`);
}
if (functions) {
  console.log(`\n${whose} main thread by function (top ${functions}):`);
  const byFunction = [...mainByFunction].sort((a, b) => b[1] - a[1]).slice(0, functions);
  for (const [key, n] of byFunction) console.log(`  ${perOp(n).padStart(7)}  ${key.replace(`${process.cwd()}/`, '')}`);
}
