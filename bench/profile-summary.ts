// `node bench/profile-summary.ts FILE.cpuprofile [--top N]`: where a server's CPU time went, from a V8 CPU profile
// (written by `npm run bench -- --profile`): self time by package or project folder, then the hottest functions.
import fs from 'node:fs';
import path from 'node:path';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/profile-summary.ts FILE.cpuprofile [--top N]');
  process.exit(2);
}
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** `node_modules/oidc-provider/…` → `oidc-provider`; the project's own files → their folder; Node internals → `node:`. */
function where(url: string): string {
  if (!url) return '(native / idle / gc)';
  if (url.startsWith('node:')) return 'node: internals';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = p.slice(nm + 13).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return path.relative(process.cwd(), path.dirname(p)) || '.';
}

const groups = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const name = n.callFrame.functionName || '(anonymous)';
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
    groups.set(name, (groups.get(name) ?? 0) + us);
    continue;
  }
  groups.set(where(n.callFrame.url), (groups.get(where(n.callFrame.url)) ?? 0) + us);
  const key = `${name} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(`file://${process.cwd()}/`, '')}:${n.callFrame.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
console.log(`${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log('\nself time by package / folder:');
for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${g}`);
console.log('\nhottest functions (self time):');
for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${f}`);
