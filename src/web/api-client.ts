// Server-to-server API routes: the caller authenticates as a client (domain/clients/api-client.ts) holding the
// permission the route needs; a refusal is JSON with a stable error code.
import type { Context, Middleware } from 'koa';
import {
  type ApiClient,
  authenticateApiClient,
  basicCredentials,
  type Permission,
} from '../domain/clients/api-client.ts';
import type { ClientRegistry } from '../domain/clients/registry.ts';
import { API_CLIENT_AUTH } from '../platform/limits.ts';
import type { Throttle } from '../platform/throttle.ts';

const DESCRIPTIONS: Record<string, string> = {
  invalid_client: 'client authentication failed',
  insufficient_permission: 'this client lacks the permission this call needs',
  school_not_allowed: 'this client may not act for this school',
  too_many: 'too many failed authentications: try again after Retry-After seconds',
};

export function refuseJson(ctx: Context, status: number, error: string, extra: Record<string, unknown> = {}): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  if (status === 401) ctx.set('WWW-Authenticate', 'Basic realm="campus-sso", charset="UTF-8"');
  ctx.body = { error, ...(DESCRIPTIONS[error] ? { error_description: DESCRIPTIONS[error] } : {}), ...extra };
}

/**
 * Authenticates the caller; `school` names the school the call is about (for clients bound to schools). Failed
 * authentications count per client id and per network address (API_CLIENT_AUTH); past either limit, 429.
 */
export function requireApiClient(
  clients: ClientRegistry,
  throttle: Throttle,
  permission: Permission,
  school?: (ctx: Context) => string,
): Middleware {
  return async (ctx, next) => {
    const clientId = basicCredentials(ctx.get('authorization'))?.id.slice(0, 64);
    const limited = await Promise.all([
      clientId ? throttle.exhausted(API_CLIENT_AUTH.client, clientId) : false,
      throttle.exhausted(API_CLIENT_AUTH.address, ctx.ip),
    ]);
    if (limited.includes(true)) {
      ctx.set('Retry-After', String(API_CLIENT_AUTH.client.windowSeconds));
      return refuseJson(ctx, 429, 'too_many');
    }
    const check = await authenticateApiClient(clients, ctx.get('authorization'), {
      permission,
      schoolCode: school?.(ctx),
    });
    if (!check.ok && check.status === 401)
      await Promise.all([
        clientId ? throttle.hit(API_CLIENT_AUTH.client, clientId) : undefined,
        throttle.hit(API_CLIENT_AUTH.address, ctx.ip),
      ]);
    if (!check.ok) return refuseJson(ctx, check.status, check.error);
    ctx.state.apiClient = check.client;
    await next();
  };
}

export const apiClientOf = (ctx: Context): ApiClient => ctx.state.apiClient as ApiClient;
