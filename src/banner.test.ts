import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBanner } from './banner.ts';
import { readDemoData } from './domain/demo/seed.ts';

test('the start-up line names the address to open, and the demo accounts when seeded', () => {
  const plain = startBanner({ issuer: 'http://localhost:3000', storage: 'embedded PostgreSQL' });
  assert.match(plain, /Open http:\/\/localhost:3000\/ in a browser/);
  assert.doesNotMatch(plain, /Demo accounts/);
  const demo = readDemoData();
  const withDemo = startBanner({ issuer: 'http://localhost:3000', storage: 'embedded PostgreSQL', demo });
  for (const person of demo.people) assert.ok(withDemo.includes(`${person.username} / ${person.password}`));
});
