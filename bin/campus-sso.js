#!/usr/bin/env node
// Runs the CLI on Node 22+ (the project's own node@22 when the shell's node is older).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
let node = process.execPath;
if (major < 22) {
  node = createRequire(import.meta.url).resolve('node/bin/node');
}
const result = spawnSync(node, ['--disable-warning=ExperimentalWarning', cli, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
