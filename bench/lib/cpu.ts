// CPU time by process kind (Linux /proc), to say where a scenario's time goes: the server under test, the database
// (every postgres and redis-server process on the machine), and this load generator.
import fs from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function processTicks(pid: number | string): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0; // gone (a backend that ended): its time is lost, a small undercount
  }
}

function comm(pid: number | string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined; // gone
  }
}

/** Ticks of every process with one of these names, summed as they grow: a process that ends (a PostgreSQL backend
 *  closing) keeps what it had, so the total never goes down. */
const seen = new Map<string, number>();
let accumulated = 0;
function ticksOf(names: Set<string>): number {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    if (!names.has(comm(pid) ?? '')) continue;
    const now = processTicks(pid);
    const before = seen.get(pid) ?? 0;
    if (now >= before) accumulated += now - before;
    else accumulated += now; // the pid was reused by a new process
    seen.set(pid, now);
  }
  return accumulated;
}

/** CPU seconds so far: the server process, every database process, this process. */
export type CpuSnapshot = { serverCpu: number; dbCpu: number; loadCpu: number };

const DATABASES = new Set(['postgres', 'redis-server']);

/** A process and every process below it that is not a database (a cluster's primary and its workers; the embedded
 *  PostgreSQL it started counts as the database's). */
export function serverProcesses(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {} // gone
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree.filter((pid) => !DATABASES.has(comm(pid) ?? ''));
}

/** `tree`: the server's time is that of `serverProcesses(serverPid)` (a worker that ended takes its time along). */
export function cpuSnapshot(serverPid?: number, tree = false): CpuSnapshot {
  const own = process.cpuUsage();
  const server = serverPid === undefined ? [] : tree ? serverProcesses(serverPid) : [serverPid];
  return {
    serverCpu: server.reduce((sum, pid) => sum + processTicks(pid), 0) / TICKS_PER_SECOND,
    dbCpu: ticksOf(DATABASES) / TICKS_PER_SECOND,
    loadCpu: (own.user + own.system) / 1e6,
  };
}
