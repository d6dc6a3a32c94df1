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
 * Authenticates the caller; `school` names the school the call is about (for clients bound to schools). Every
 * authentication is counted before it is checked, per network address and per client id at that address
 * (API_CLIENT_AUTH, each a Throttle.attempt: calls sent at once get no more checks than calls one after another), a
 * success taking back its own counts; past either limit, 429 with nothing checked.
 */
export function requireApiClient(
  clients: ClientRegistry,
  throttle: Throttle,
  permission: Permission,
  school?: (ctx: Context) => string,
): Middleware {
  return async (ctx, next) => {
    const clientId = basicCredentials(ctx.get('authorization'))?.id.slice(0, 64);
    const made: { check?: Awaited<ReturnType<typeof authenticateApiClient>> } = {};
    // Only a failed authentication (401) is a failure; a known client without the permission or school is not.
    const authenticate = async () => {
      const check = await authenticateApiClient(clients, ctx.get('authorization'), {
        permission,
        schoolCode: school?.(ctx),
      });
      made.check = check;
      return check.ok || check.status !== 401;
    };
    // A right call takes back only its own count (never another caller's failures); the client's is counted at this
    // address, so that wrong secrets sent from elsewhere cannot shut the real school system out.
    const { outcome } = await throttle.attempt(
      API_CLIENT_AUTH.address,
      ctx.ip,
      async () =>
        clientId
          ? (await throttle.attempt(API_CLIENT_AUTH.client, `${clientId}\0${ctx.ip}`, authenticate, 'refund'))
              .outcome === 'ok'
          : authenticate(),
      'refund',
    );
    const { check } = made;
    if (outcome === 'limited' || !check) {
      ctx.set('Retry-After', String(API_CLIENT_AUTH.client.windowSeconds));
      return refuseJson(ctx, 429, 'too_many');
    }
    if (!check.ok) return refuseJson(ctx, check.status, check.error);
    ctx.state.apiClient = check.client;
    await next();
  };
}

export const apiClientOf = (ctx: Context): ApiClient => ctx.state.apiClient as ApiClient;
