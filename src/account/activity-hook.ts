// Provider events → person_grants and person_sessions. Attach to every provider built (createProvider).
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Logger } from '../log/logger.ts';
import { forgetGrant, forgetSession, recordAuthorization, touchGrant } from './activity.ts';
import { browserLabel } from './browser-label.ts';
import { ACCOUNT_CLIENT_ID } from './client.ts';

export function accountActivityHook(provider: Provider, deps: { db: Knex; log: Logger }): void {
  // Listeners are not awaited by the provider: a failure is logged and must never reach the request.
  const quietly = (what: string, work: () => Promise<void>) => {
    work().catch((err) => deps.log.error({ err }, `account activity: ${what} failed`));
  };

  provider.on('authorization.success', (ctx) => {
    const { session, client } = ctx.oidc;
    const personId = session?.accountId;
    if (!session || !personId || !client) return;
    const grantId = session.grantIdFor(client.clientId) ?? ctx.oidc.grant?.jti;
    const browser = browserLabel(ctx.get('user-agent'));
    quietly('recording an authorization', () =>
      recordAuthorization(deps.db, { personId, clientId: client.clientId, grantId, sessionUid: session.uid, browser }, client.clientId !== ACCOUNT_CLIENT_ID));
  });

  provider.on('grant.success', (ctx) => {
    const grantId = ctx.oidc.grant?.jti;
    if (grantId) quietly('touching a grant', () => touchGrant(deps.db, grantId));
  });

  // Logout, refresh-token reuse and the like revoke grants inside the provider.
  provider.on('grant.revoked', (_ctx, grantId) => {
    quietly('forgetting a grant', () => forgetGrant(deps.db, grantId));
  });

  provider.on('end_session.success', (ctx) => {
    const session = ctx.oidc.session as { uid?: string; destroyed?: boolean } | undefined;
    const uid = session?.uid;
    if (uid && session.destroyed) quietly('forgetting a session', () => forgetSession(deps.db, uid));
  });
}
