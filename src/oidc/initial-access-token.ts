// Initial access tokens for dynamic client registration (RFC 7591), stored like oidc-provider's own.
import crypto from 'node:crypto';
import type { AdapterFactory } from './adapters/types.ts';

export async function createInitialAccessToken(
  adapter: AdapterFactory,
  ttlSeconds: number,
  policies?: string[],
): Promise<string> {
  const jti = crypto.randomBytes(32).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  await adapter('InitialAccessToken').upsert(
    jti,
    { jti, iat, exp: iat + ttlSeconds, kind: 'InitialAccessToken', ...(policies?.length ? { policies } : {}) },
    ttlSeconds,
  );
  return jti;
}
