// The architecture's rules (.dependency-cruiser.cjs: layers, flows apart, one seam to oidc-provider's internals, no
// cycles, no dead modules), checked by dependency-cruiser over src/ on every test run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const depcruise = fileURLToPath(new URL('../node_modules/.bin/depcruise', import.meta.url));

test('src/ keeps the dependency rules', async () => {
  const result = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      depcruise,
      ['--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'src'],
      { cwd: root, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
      },
    );
  });
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /no dependency violations found/);
});
