// Connected apps: the grants a person gave, grouped by app; revoking one ends the grant and every token of it.
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import { recordAudit } from '../domain/audit.ts';
import { forgetGrant } from '../domain/activity/activity.ts';

export type ConnectedApp = {
  clientId: string;
  name: string;
  organization?: string;
  firstParty: boolean;
  /** Scopes granted, `openid` left out (it only names the account). */
  scopes: string[];
  grantedAt: Date;
  lastUsedAt: Date;
};

type GrantRow = { grant_id: string; client_id: string; created_at: Date; last_used_at: Date };

export async function connectedApps(provider: Provider, db: Knex, personId: string): Promise<ConnectedApp[]> {
  const rows: GrantRow[] = await db('person_grants').where({ person_id: personId }).orderBy('created_at');
  const apps = new Map<string, ConnectedApp>();
  for (const row of rows) {
    const grant = await provider.Grant.find(row.grant_id);
    const client = grant?.accountId === personId ? await provider.Client.find(row.client_id) : undefined;
    if (!grant || !client) {
      // Expired, revoked by the provider, or its app was deleted.
      await forgetGrant(db, row.grant_id);
      continue;
    }
    const metadata = client.metadata() as { organization?: unknown; first_party?: unknown };
    const app = apps.get(row.client_id) ?? {
      clientId: row.client_id,
      name: client.clientName ?? row.client_id,
      organization: typeof metadata.organization === 'string' ? metadata.organization : undefined,
      firstParty: metadata.first_party === true,
      scopes: [],
      grantedAt: row.created_at,
      lastUsedAt: row.last_used_at,
    };
    const scopes = new Set([...app.scopes, ...grant.getOIDCScope().split(' ').filter((s) => s && s !== 'openid')]);
    app.scopes = [...scopes];
    if (row.last_used_at > app.lastUsedAt) app.lastUsedAt = row.last_used_at;
    apps.set(row.client_id, app);
  }
  return [...apps.values()].sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
}

/** Ends one grant: the grant first (so a racing refresh fails), then every token and code issued under it. */
export async function revokeGrant(provider: Provider, db: Knex, grantId: string): Promise<void> {
  await provider.Grant.adapter.destroy(grantId);
  // One call removes the grant's access and refresh tokens and codes, whichever model: both adapters index by grant.
  await provider.AccessToken.adapter.revokeByGrantId(grantId);
  await forgetGrant(db, grantId);
}

/** Revokes every grant the person gave to the app. Returns false when there was none (unknown app). */
export async function revokeApp(provider: Provider, db: Knex, personId: string, clientId: string): Promise<boolean> {
  const rows: { grant_id: string }[] = await db('person_grants').select('grant_id').where({ person_id: personId, client_id: clientId });
  if (!rows.length) return false;
  for (const row of rows) await revokeGrant(provider, db, row.grant_id);
  await recordAudit(db, { actor: personId, action: 'grant.revoked', subject: personId, detail: { client: clientId, grants: rows.length, via: 'account' } });
  return true;
}
