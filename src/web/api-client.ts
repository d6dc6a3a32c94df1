// Server-to-server API routes: the caller authenticates as a client (domain/clients/api-client.ts) holding the
// permission the route needs; a refusal is JSON with a stable error code.
import type { Context, Middleware } from 'koa';
import { type ApiClient, authenticateApiClient, type Permission } from '../domain/clients/api-client.ts';
import type { ClientRegistry } from '../domain/clients/registry.ts';

const DESCRIPTIONS: Record<string, string> = {
  invalid_client: 'client authentication failed',
  insufficient_permission: 'this client lacks the permission this call needs',
  school_not_allowed: 'this client may not act for this school',
};

export function refuseJson(ctx: Context, status: number, error: string, extra: Record<string, unknown> = {}): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  if (status === 401) ctx.set('WWW-Authenticate', 'Basic realm="campus-sso", charset="UTF-8"');
  ctx.body = { error, ...(DESCRIPTIONS[error] ? { error_description: DESCRIPTIONS[error] } : {}), ...extra };
}

/** Authenticates the caller; `school` names the school the call is about (for clients bound to schools). */
export function requireApiClient(
  clients: ClientRegistry,
  permission: Permission,
  school?: (ctx: Context) => string,
): Middleware {
  return async (ctx, next) => {
    const check = await authenticateApiClient(clients, ctx.get('authorization'), {
      permission,
      schoolCode: school?.(ctx),
    });
    if (!check.ok) return refuseJson(ctx, check.status, check.error);
    ctx.state.apiClient = check.client;
    await next();
  };
}

export const apiClientOf = (ctx: Context): ApiClient => ctx.state.apiClient as ApiClient;
