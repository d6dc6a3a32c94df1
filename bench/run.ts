// Issue 5 benchmark: `npm run bench` (quick, < 3 minutes) or `npm run bench -- --full`.
// Starts campus-sso in this process (embedded PostgreSQL; also PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set)
// and a bare oidc-provider, drives them over loopback and writes bench/results/<ISO date>.json plus a markdown table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerClient } from '../test/helpers/rp.ts';
import { startTestServer } from '../test/helpers/server.ts';
import { endpoints, type Target } from './lib/oidc.ts';
import type { Limits, Result } from './lib/timing.ts';
import { bcryptCompares } from './scenarios/bcrypt.ts';
import { startBareProvider } from './scenarios/bare-provider.ts';
import { clientCredentialsGrants } from './scenarios/client-credentials.ts';
import { introspections } from './scenarios/introspection.ts';
import { passwordSignIns } from './scenarios/password-sign-in.ts';
import { refreshGrants } from './scenarios/refresh.ts';
import { ssoHops } from './scenarios/sso-hop.ts';
import { userinfoRequests } from './scenarios/userinfo.ts';

const full = process.argv.includes('--full');
const BCRYPT_COST = 10;
const cores = os.cpus().length;
const http: Limits = full
  ? { concurrency: 16, maxOps: 50_000, maxSeconds: 60, warmupOps: 500 }
  : { concurrency: 8, maxOps: 3_000, maxSeconds: 5, warmupOps: 50 };
const signIns: Limits = { ...http, maxOps: full ? 5_000 : 300, warmupOps: full ? 50 : 8 };
const bcryptLimits: Limits = { concurrency: cores, maxOps: full ? 2_000 : 200, maxSeconds: http.maxSeconds, warmupOps: cores };

const storages: Array<{ name: string; env: Record<string, string | undefined> }> = [
  { name: 'campus-sso (embedded PostgreSQL)', env: { DATABASE_URL: undefined, REDIS_URL: undefined } },
];
if (process.env.DATABASE_URL) {
  storages.push({ name: `campus-sso (PostgreSQL${process.env.REDIS_URL ? ' + Redis' : ''})`, env: {} });
}

const results: Result[] = [];
const report = (r: Result) => {
  results.push(r);
  console.error(`  ${r.scenario} [${r.target}]: ${r.opsPerSec}/s, p95 ${r.p95Ms} ms, ${r.errors} errors${r.firstError ? ` (${r.firstError})` : ''}`);
};

const started = Date.now();
console.error(`bench (${full ? 'full' : 'quick'}): ${cores} × ${os.cpus()[0]?.model}, Node ${process.version}`);
report(await bcryptCompares(BCRYPT_COST, { ...bcryptLimits, concurrency: 1, warmupOps: 1 })); // one core
report(await bcryptCompares(BCRYPT_COST, bcryptLimits)); // every core

const bare = await startBareProvider();
try {
  report(await clientCredentialsGrants(bare.target, http));
  report(await introspections(bare.target, http));
} finally {
  await bare.close();
}

for (const storage of storages) {
  console.error(`starting ${storage.name}…`);
  const server = await startTestServer({ BCRYPT_COST: String(BCRYPT_COST), ...storage.env });
  try {
    const client = { id: 'bench-rp', secret: 'bench-rp-secret-0123456789abcdefghij' };
    await registerClient(server.storage.db, { client_id: client.id, first_party: true, grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] }, client.secret);
    // The demo student has exactly one identity, so no identity menu.
    const t: Target = { name: storage.name, e: await endpoints(server.issuer), client, person: { login: 'student', password: 'Student-2026' } };
    report(await passwordSignIns(t, signIns));
    report(await ssoHops(t, http));
    report(await refreshGrants(t, http));
    report(await clientCredentialsGrants(t, http));
    report(await introspections(t, http));
    report(await userinfoRequests(t, http));
  } finally {
    await server.close();
  }
}

// Ratios: campus-sso's token-endpoint throughput as a fraction of the bare library's.
const bareRate = (scenario: string) => results.find((r) => r.target === bare.target.name && r.scenario === scenario)?.opsPerSec;
const rows = results.map((r) => {
  const base = r.target === bare.target.name ? undefined : bareRate(r.scenario);
  return { ...r, vsBare: base ? Math.round((r.opsPerSec / base) * 100) / 100 : undefined };
});

const machine = { cpu: os.cpus()[0]?.model, cores, node: process.version, platform: `${os.type()} ${os.release()}` };
const at = new Date().toISOString();
const file = path.join(import.meta.dirname, 'results', `${at.replaceAll(':', '-')}.json`);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, `${JSON.stringify({ at, mode: full ? 'full' : 'quick', bcryptCost: BCRYPT_COST, machine, limits: { http, signIns, bcrypt: bcryptLimits }, results: rows }, null, 2)}\n`);

const lines = [
  `Machine: ${machine.cpu}, ${cores} cores, Node ${machine.node} — ${full ? 'full' : 'quick'} run ${at}; load generator in the same process, loopback.`,
  '',
  '| scenario | target | concurrency | ops | errors | ops/s | p50 ms | p95 ms | p99 ms | vs bare |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.scenario} | ${r.target} | ${r.concurrency} | ${r.ops} | ${r.errors} | ${r.opsPerSec} | ${r.p50Ms} | ${r.p95Ms} | ${r.p99Ms} | ${r.vsBare ?? ''} |`),
];
console.log(lines.join('\n'));
console.error(`wrote ${path.relative(process.cwd(), file)} in ${Math.round((Date.now() - started) / 1000)} s`);
