// The embedded PostgreSQL across real server processes: a cluster left running by a killed server is taken over and
// stopped at the next shutdown, and a DATA_DIR below a private folder (a clone under /root) works and keeps its data.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { Keyring } from '../../src/platform/keyring.ts';
import { resolveSecretKey } from '../../src/platform/secrets.ts';
import { parseSettings } from '../../src/platform/settings.ts';
import { freePort } from '../../src/platform/storage/embedded-postgres.ts';
import {
  type Env,
  gone,
  killAll,
  postmaster,
  postmasterPidFile,
  processEnv,
  runCli,
  startServerProcess,
  stopServerProcess,
  waitReady,
} from '../helpers/process.ts';

const folders: string[] = [];

function tempFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-embedded-'));
  folders.push(dir);
  return dir;
}

const envFor = (dataDir: string, port: number): Env => processEnv(dataDir, port, {}, true);

function assertStopped(dataDir: string, pid: number) {
  assert.equal(fs.existsSync(postmasterPidFile(dataDir)), false, 'postmaster.pid is gone');
  assert.ok(gone(pid), `postmaster ${pid} has exited`);
}

/** One statement on the cluster over TCP, as a tool would connect. */
async function query<Row extends pg.QueryResultRow>(dataDir: string, env: Env, sql: string, values: unknown[] = []) {
  const password = new Keyring(resolveSecretKey(parseSettings(env))).key('embedded-db').toString('base64url');
  const { port } = postmaster(dataDir)!;
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'campus_sso', password, database: 'campus_sso' });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function schoolName(dataDir: string, env: Env, code: string): Promise<string | undefined> {
  return (await query<{ name: string }>(dataDir, env, 'select name from schools where code = $1', [code]))[0]?.name;
}

/** The server's connections to its database: over the cluster's Unix-domain socket (no client address) or over TCP. */
async function serverConnections(dataDir: string, env: Env) {
  const [row] = await query<{ unix: number; tcp: number }>(
    dataDir,
    env,
    `select count(*) filter (where client_addr is null)::int as unix, count(*) filter (where client_addr is not null)::int as tcp
       from pg_stat_activity where datname = 'campus_sso' and backend_type = 'client backend' and pid <> pg_backend_pid()`,
  );
  return row!;
}

after(async () => {
  killAll();
  for (const dir of folders) {
    const dataDir = path.join(dir, 'data');
    const link = path.join(dataDir, 'postgres');
    let cluster: string | undefined;
    try {
      cluster = fs.realpathSync(link);
    } catch {}
    // A postmaster still running for our folder only (its command line names the cluster folder).
    const pm = postmaster(dataDir);
    if (pm && cluster && !gone(pm.pid)) {
      let command = '';
      try {
        command = fs.readFileSync(`/proc/${pm.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {}
      if (command.includes(`-D ${cluster}`)) {
        process.kill(pm.pid, 'SIGQUIT');
        for (let i = 0; i < 100 && !gone(pm.pid); i++) await new Promise((r) => setTimeout(r, 50));
      }
    }
    // A cluster kept outside DATA_DIR (the private-folder case as root) is removed with it.
    if (cluster && fs.lstatSync(link).isSymbolicLink()) fs.rmSync(cluster, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('the embedded PostgreSQL across server processes', {
  skip: process.env.DATABASE_URL ? 'embedded mode only' : false,
}, () => {
  it('takes over the cluster a killed server left running, leaves it to the server for the CLI, and stops it at shutdown', async () => {
    const base = tempFolder();
    fs.chmodSync(base, 0o755); // the ordinary layout: DATA_DIR/postgres itself holds the cluster
    const dataDir = path.join(base, 'data');
    const port = await freePort();
    const env = envFor(dataDir, port);

    const first = startServerProcess(env);
    await waitReady(port, first);
    const { pid } = postmaster(dataDir)!;
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(!gone(pid), 'kill -9 of the server leaves its PostgreSQL running');

    const second = startServerProcess(env);
    await waitReady(port, second);
    assert.equal(postmaster(dataDir)?.pid, pid, 'the running cluster was taken over, not started twice');
    const connections = await serverConnections(dataDir, env);
    assert.ok(connections.unix > 0, 'the server talks to its cluster over the Unix-domain socket');
    assert.equal(connections.tcp, 0, 'and not over TCP');

    // The CLI while the server runs uses the server's cluster and leaves it running.
    const added = await runCli(env, 'school', 'add', '--code', '654321', '--name', 'Y', '--level', 'junior');
    assert.equal(added.status, 0, added.stderr);
    assert.ok(!gone(pid), 'the CLI did not stop the server’s cluster');
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);

    await stopServerProcess(second);
    assertStopped(dataDir, pid);
  });

  it('starts from a DATA_DIR below a private (0700) folder and keeps its data across restarts', async () => {
    const base = tempFolder(); // mkdtemp makes it 0700, as /root is
    assert.equal(fs.statSync(base).mode & 0o777, 0o700);
    const dataDir = path.join(base, 'data');
    const port = await freePort();
    const env = envFor(dataDir, port);

    const first = startServerProcess(env);
    await waitReady(port, first);
    const firstPid = postmaster(dataDir)!.pid;
    await stopServerProcess(first);
    assertStopped(dataDir, firstPid);

    // Without a server the CLI starts the cluster for itself and stops it when done.
    const added = await runCli(env, 'school', 'add', '--code', '123456', '--name', 'X', '--level', 'junior');
    assert.equal(added.status, 0, added.stderr);
    assert.equal(fs.existsSync(postmasterPidFile(dataDir)), false, 'the CLI stopped the cluster it started');

    const second = startServerProcess(env);
    await waitReady(port, second);
    assert.equal(await schoolName(dataDir, env, '123456'), 'X', 'the row survived the restarts');
    const secondPid = postmaster(dataDir)!.pid;
    await stopServerProcess(second);
    assertStopped(dataDir, secondPid);

    assert.equal(fs.statSync(base).mode & 0o777, 0o700, 'the private folder kept its permissions');
    if (process.getuid?.() === 0) {
      assert.ok(fs.lstatSync(path.join(dataDir, 'postgres')).isSymbolicLink(), 'the cluster lives outside, linked');
    }
  });
});
