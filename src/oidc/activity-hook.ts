// Provider events → person_grants and person_sessions. Attach to every provider built (createProvider).
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import { forgetGrant, forgetSession, recordAuthorization, touchGrant } from '../domain/activity/activity.ts';
import { browserLabel } from '../domain/activity/browser-label.ts';
import type { SignInCounts } from '../domain/activity/sign-in-counts.ts';
import { ACCOUNT_CLIENT_ID } from '../domain/clients/own-pages.ts';
import type { Logger } from '../platform/log.ts';

/** "Last used" is shown to the minute: a session or grant written this recently is not written again. */
const REWRITE_AFTER_MS = 60_000;
const REMEMBERED = 10_000;

/** Keys written within the last minute (per process; another process writes its own first time). */
export function recentWrites(now = () => Date.now()) {
  const at = new Map<string, number>();
  return {
    /** True if `key` is due for a write (and records it as written). */
    due(key: string): boolean {
      const last = at.get(key);
      if (last !== undefined && now() - last < REWRITE_AFTER_MS) return false;
      at.delete(key);
      if (at.size >= REMEMBERED) at.delete(at.keys().next().value!);
      at.set(key, now());
      return true;
    },
    forget(key: string) {
      at.delete(key);
    },
  };
}

export function accountActivityHook(provider: Provider, deps: { db: Knex; log: Logger; signIns: SignInCounts }): void {
  const recent = recentWrites();
  // Listeners are not awaited by the provider: a failure is logged and must never reach the request.
  const quietly = (what: string, key: string, work: () => Promise<void>) => {
    work().catch((err) => {
      recent.forget(key);
      deps.log.error({ err }, `account activity: ${what} failed`);
    });
  };

  provider.on('authorization.success', (ctx) => {
    const { session, client } = ctx.oidc;
    const personId = session?.accountId;
    if (!session || !personId || !client) return;
    const grantId = session.grantIdFor(client.clientId) ?? ctx.oidc.grant?.jti;
    const browser = browserLabel(ctx.get('user-agent'));
    const key = `authorization ${session.uid} ${grantId} ${personId} ${browser}`;
    // Every sign-in counts in the client's sign-ins per day (the developer portal shows them); once a minute the
    // session and grant are recorded as used.
    deps.signIns.count(client.clientId);
    if (!recent.due(key)) return;
    const recordGrant = client.clientId !== ACCOUNT_CLIENT_ID;
    // The grant's row is written now: the token request that follows need not touch it again within the minute.
    if (recordGrant && grantId) recent.due(`grant ${grantId}`);
    quietly('recording an authorization', key, () =>
      recordAuthorization(
        deps.db,
        { personId, clientId: client.clientId, grantId, sessionUid: session.uid, browser },
        recordGrant,
      ),
    );
  });

  provider.on('grant.success', (ctx) => {
    const grantId = ctx.oidc.grant?.jti;
    const key = `grant ${grantId}`;
    if (grantId && recent.due(key)) quietly('touching a grant', key, () => touchGrant(deps.db, grantId));
  });

  // Logout, refresh-token reuse and the like revoke grants inside the provider.
  provider.on('grant.revoked', (_ctx, grantId) => {
    quietly('forgetting a grant', `grant ${grantId}`, () => forgetGrant(deps.db, grantId));
  });

  provider.on('end_session.success', (ctx) => {
    const session = ctx.oidc.session as { uid?: string; destroyed?: boolean } | undefined;
    const uid = session?.uid;
    if (uid && session.destroyed) quietly('forgetting a session', `session ${uid}`, () => forgetSession(deps.db, uid));
  });
}
