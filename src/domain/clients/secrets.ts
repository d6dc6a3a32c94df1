// Client secrets: new ones (random, shown once), and a rotation that keeps the old secret valid for a grace period the
// developer picks (at most 7 days) in metadata `previous_client_secrets` — checked by oidc-provider's client
// authentication (oidc/previous-secrets.ts) and ours for API clients (api-client.ts), in constant time.
import crypto from 'node:crypto';
import { z } from 'zod';
import type { ClientMetadata } from './metadata.ts';

export const PREVIOUS_SECRETS = 'previous_client_secrets';
export const MAX_GRACE_SECONDS = 7 * 86_400;

const Previous = z.array(z.object({ secret: z.string(), until: z.number() })).catch([]);

export const newClientSecret = () => crypto.randomBytes(32).toString('base64url');

/** Equal-length digests, so the time taken says nothing about the secret. */
export const sameSecret = (a: string, b: string) =>
  crypto.timingSafeEqual(
    crypto.createHash('sha256').update(a).digest(),
    crypto.createHash('sha256').update(b).digest(),
  );

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The old secrets still in their grace period. */
export const previousSecrets = (metadata: ClientMetadata, now = nowSeconds()) =>
  Previous.parse(metadata[PREVIOUS_SECRETS]).filter((p) => p.until > now);

/** Whether `given` is an old secret of the client still in its grace period. */
export function matchesPreviousSecret(metadata: ClientMetadata, given: string, now = nowSeconds()): boolean {
  let found = false;
  for (const p of previousSecrets(metadata, now)) if (sameSecret(p.secret, given)) found = true;
  return found;
}

/** Whether `given` is the client's secret, or an old one still in its grace period. */
export function secretMatches(metadata: ClientMetadata, given: string, now = nowSeconds()): boolean {
  const current = typeof metadata.client_secret === 'string' && sameSecret(metadata.client_secret, given);
  return matchesPreviousSecret(metadata, given, now) || current;
}

/**
 * The metadata with a new secret; the one it replaces stays valid for `graceSeconds` (0: ends now). Only that one: a
 * secret replaced earlier and still in its grace ends now (a rotation is often the answer to a leak, and ten rotations
 * would otherwise leave ten working secrets).
 */
export function withRotatedSecret(
  metadata: ClientMetadata,
  secret: string,
  graceSeconds: number,
  now = nowSeconds(),
): ClientMetadata {
  const kept: { secret: string; until: number }[] = [];
  if (graceSeconds > 0 && typeof metadata.client_secret === 'string')
    kept.push({ secret: metadata.client_secret, until: now + Math.min(graceSeconds, MAX_GRACE_SECONDS) });
  const next: ClientMetadata = { ...metadata, client_secret: secret };
  if (kept.length) next[PREVIOUS_SECRETS] = kept;
  else delete next[PREVIOUS_SECRETS];
  return next;
}
