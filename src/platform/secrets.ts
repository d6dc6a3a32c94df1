// Resolves the master secret: from SECRET_KEY, or (outside production) generated once and kept in DATA_DIR.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from './settings.ts';

export function resolveSecretKey(settings: Settings): Buffer {
  if (settings.secretKey) return Buffer.from(settings.secretKey, 'base64url');
  const file = path.join(settings.dataDir, 'secret.key');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(settings.dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString('base64url'), { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return resolveSecretKey(settings);
    throw err;
  }
}
