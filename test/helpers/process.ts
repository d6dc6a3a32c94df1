// Real server processes for tests that need them (kill -9, restarts, two processes): `node src/main.ts` as
// `npm start` runs it, the CLI as an operator runs it, and what the embedded PostgreSQL leaves on disk.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const node = process.execPath;
const bin = path.join(root, 'bin', 'campus-sso.js');

export type Env = Record<string, string | undefined>;
export type ServerProcess = { child: ChildProcess; exited: Promise<number | null>; output: () => string };

/** Every server process started here, to be killed by `killAll` if a test ends early. */
const running = new Set<ChildProcess>();

/** An environment for a server process of our own on `port` (storage from the test's environment unless `embedded`). */
export function processEnv(dataDir: string, port: number, overrides: Env = {}, embedded = false): Env {
  const env: Env = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
    BCRYPT_COST: '4',
    NODE_ENV: 'test',
    ...overrides,
  };
  if (embedded) for (const name of ['DATABASE_URL', 'REDIS_URL', 'SECRET_KEY', 'EMBEDDED_PG_PORT']) delete env[name];
  return env;
}

export function startServerProcess(env: Env): ServerProcess {
  const child = spawn(
    node,
    ['--disable-warning=ExperimentalWarning', '--experimental-async-context-frame', 'src/main.ts'],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, exited, output: () => out };
}

export async function waitReady(port: number, server: ServerProcess, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (server.child.exitCode !== null) assert.fail(`the server exited (${server.child.exitCode}): ${server.output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`/readyz did not answer: ${server.output()}`);
}

/** SIGTERM, and a clean exit. */
export async function stopServerProcess(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0, server.output());
}

export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

export function runCli(env: Env, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export const postmasterPidFile = (dataDir: string) => path.join(dataDir, 'postgres', 'postmaster.pid');

/** The embedded postmaster's pid and port, from its postmaster.pid (absent once it has stopped). */
export function postmaster(dataDir: string): { pid: number; port: number } | undefined {
  try {
    const lines = fs.readFileSync(postmasterPidFile(dataDir), 'utf8').split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]) };
  } catch {
    return undefined;
  }
}

/** Whether a process has exited (an unreaped zombie counts as exited). */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
