import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSettings, SettingsError } from './settings.ts';

test('defaults give the embedded development setup on port 3000', () => {
  const s = parseSettings({});
  assert.equal(s.port, 3000);
  assert.equal(s.databaseUrl, undefined);
  assert.equal(s.seedDemo, true);
  assert.equal(s.bcryptCost, 10);
});

test('a bad value names the variable', () => {
  assert.throws(
    () => parseSettings({ PORT: 'eighty' }),
    (e: Error) => e instanceof SettingsError && e.message.startsWith('PORT:'),
  );
  assert.throws(() => parseSettings({ DATABASE_URL: 'mysql://x' }), /^SettingsError: DATABASE_URL:|DATABASE_URL:/);
  assert.throws(() => parseSettings({ SECRET_KEY: 'short' }), /SECRET_KEY:/);
  assert.throws(() => parseSettings({ BCRYPT_COST: '3' }), /BCRYPT_COST:/);
});

test('production requires secrets, a database and an https issuer', () => {
  assert.throws(() => parseSettings({ NODE_ENV: 'production' }), /SECRET_KEY: required/);
  const key = Buffer.alloc(32, 1).toString('base64url');
  assert.throws(() => parseSettings({ NODE_ENV: 'production', SECRET_KEY: key }), /DATABASE_URL/);
  assert.throws(
    () =>
      parseSettings({
        NODE_ENV: 'production',
        SECRET_KEY: key,
        DATABASE_URL: 'postgres://db/x',
        ISSUER: 'https://sso.example.org/',
      }),
    /SMTP_URL/,
  );
  const production = {
    NODE_ENV: 'production',
    SECRET_KEY: key,
    DATABASE_URL: 'postgres://db/x',
    ISSUER: 'https://sso.example.org/',
    SMTP_URL: 'smtp://mail:25',
  };
  // Behind the TLS proxy it must have: without trusting it, no cookie could be marked Secure.
  assert.throws(() => parseSettings(production), /TRUST_PROXY: must be true/);
  assert.throws(() => parseSettings({ ...production, TRUST_PROXY: 'false' }), /TRUST_PROXY: must be true/);
  const ok = parseSettings({ ...production, TRUST_PROXY: 'true' });
  // Demo accounts have published passwords.
  assert.throws(
    () => parseSettings({ ...production, TRUST_PROXY: 'true', SEED_DEMO: 'true' }),
    /SEED_DEMO: must be off/,
  );
  assert.equal(ok.issuer, 'https://sso.example.org');
  assert.equal(ok.seedDemo, false);
});
