// Server-to-server client authentication for the SIS API: HTTP Basic client_id:client_secret, checked against the
// client's stored secret in constant time; then the `sis` permission.
import crypto from 'node:crypto';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { SIS_PERMISSION } from './deps.ts';

export type SisClient = { clientId: string; name: string; redirectUris: string[] };

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function refuse(ctx: Context, status: 401 | 403, error: string, description: string) {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  if (status === 401) ctx.set('WWW-Authenticate', 'Basic realm="campus-sso", charset="UTF-8"');
  ctx.body = { error, error_description: description };
}

export function requireSisClient(provider: () => Provider) {
  return async (ctx: Context, next: Next) => {
    const creds = basicCredentials(ctx.get('authorization'));
    const client = creds && /^[A-Za-z0-9._-]{1,64}$/.test(creds.id) ? await provider().Client.find(creds.id).catch(() => undefined) : undefined;
    const stored = client?.clientSecret;
    // Compared as digests (equal length) so the time taken says nothing about the secret.
    const ok = !!creds && typeof stored === 'string' && crypto.timingSafeEqual(digest(stored), digest(creds.secret));
    if (!client || !ok) return refuse(ctx, 401, 'invalid_client', 'client authentication failed');
    const permissions = (client.metadata() as { permissions?: unknown }).permissions;
    if (!Array.isArray(permissions) || !permissions.includes(SIS_PERMISSION)) {
      return refuse(ctx, 403, 'insufficient_permission', `this client lacks the ${SIS_PERMISSION} permission`);
    }
    const sis: SisClient = { clientId: client.clientId, name: String(client.clientName ?? client.clientId), redirectUris: [...(client.redirectUris ?? [])] };
    ctx.state.sisClient = sis;
    await next();
  };
}

export const sisClientOf = (ctx: Context) => ctx.state.sisClient as SisClient;

/** The return URL must be on the origin of one of the client's registered redirect URIs. */
export function returnUrlAllowed(client: SisClient, returnUrl: string): boolean {
  const origin = new URL(returnUrl).origin;
  return client.redirectUris.some((u) => {
    try {
      return new URL(u).origin === origin;
    } catch {
      return false;
    }
  });
}
