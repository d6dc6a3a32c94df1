import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../../src/platform/storage/embedded-postgres.ts';
import { testEnv } from '../helpers/server.ts';

const root = new URL('../../', import.meta.url).pathname;
const node = process.execPath;
const main = ['--disable-warning=ExperimentalWarning', 'src/main.ts'];

async function waitFor(url: string, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const res = await fetch(url);
      if (res.ok) return res;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer`);
}

describe('the server process', () => {
  it('stops with one clear line naming a bad setting', () => {
    for (const [name, value] of [
      ['PORT', 'eighty'],
      ['DATABASE_URL', 'mysql://x'],
      ['BCRYPT_COST', '99'],
      ['SECRET_KEY', 'short'],
    ] as const) {
      const run = spawnSync(node, main, {
        cwd: root,
        env: { ...process.env, ...testEnv(), [name]: value },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(run.status, 1, name);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, new RegExp(`^campus-sso: configuration error: ${name}: `));
    }
    const prod = spawnSync(node, main, {
      cwd: root,
      env: { ...process.env, ...testEnv(), NODE_ENV: 'production', SECRET_KEY: undefined },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(prod.status, 1);
    assert.match(prod.stderr, /SECRET_KEY: required when NODE_ENV=production/);
  });

  it('starts in the embedded default, keeps its generated secret, and shuts down gracefully on SIGTERM', {
    skip: process.env.DATABASE_URL ? 'embedded mode only' : false,
  }, async () => {
    const env = { ...testEnv(), DATABASE_URL: undefined, REDIS_URL: undefined, SECRET_KEY: undefined };
    const run = async () => {
      const port = await freePort();
      const child = spawn(node, main, {
        cwd: root,
        env: { ...process.env, ...env, PORT: String(port), DATABASE_URL: '', REDIS_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      await waitFor(`http://localhost:${port}/readyz`);
      const jwks = await (await fetch(`http://localhost:${port}/jwks`)).json();
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      return { jwks, out };
    };
    const first = await run();
    const secret = path.join(env.DATA_DIR, 'secret.key');
    assert.equal(fs.statSync(secret).mode & 0o777, 0o600, 'the generated secret is private');
    assert.equal(
      fs.existsSync(path.join(env.DATA_DIR, 'postgres', 'postmaster.pid')),
      false,
      'embedded PostgreSQL stopped',
    );
    const second = await run();
    assert.deepEqual(second.jwks, first.jwks, 'the same keys after a restart');
    assert.doesNotMatch(first.out, /Blue-Chalk-2026|password_hash|client_secret/);
    for (const line of first.out.trim().split('\n')) {
      if (line.startsWith('{')) assert.doesNotThrow(() => JSON.parse(line), 'logs are JSON');
    }
  });
});
