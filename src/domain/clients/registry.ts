// First-party clients defined in config/clients.json, checked and upserted into PostgreSQL at start.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { z } from 'zod';
import { recordAudit } from '../audit.ts';
import { forgetCachedClient } from './cache.ts';

export const ConfiguredClient = z
  .object({
    client_id: z.string().regex(/^[A-Za-z0-9._-]{3,64}$/),
    client_name: z.string().min(1),
    redirect_uris: z.array(z.string().min(1)).min(1),
  })
  .passthrough();
export type ConfiguredClient = z.infer<typeof ConfiguredClient>;

const ClientsFile = z.object({ clients: z.array(ConfiguredClient) });

export function readClientsFile(file: string): ConfiguredClient[] {
  const parsed = ClientsFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data.clients;
}

/** Replaces ${ISSUER} in every string value. */
export function withIssuer<T>(value: T, issuer: string): T {
  return JSON.parse(JSON.stringify(value).replaceAll('${ISSUER}', issuer)) as T;
}

/**
 * Inserts or updates a client's metadata. A secret already stored is kept unless a new one is given;
 * confidential clients without one get a random secret (set a known one with `campus-sso client add`).
 */
export async function upsertClient(db: Knex, client: ConfiguredClient, source: string, secret?: string): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await tx('oidc_clients').where({ client_id: client.client_id }).forUpdate().first();
    const metadata: Record<string, unknown> = { ...client };
    delete metadata.$comment;
    const isPublic = metadata.token_endpoint_auth_method === 'none';
    if (!isPublic) metadata.client_secret = secret ?? row?.metadata?.client_secret ?? crypto.randomBytes(32).toString('base64url');
    else delete metadata.client_secret;
    if (row && isDeepStrictEqual(row.metadata, metadata)) return;
    const json = JSON.stringify(metadata);
    await tx('oidc_clients')
      .insert({ client_id: client.client_id, metadata: json, source })
      .onConflict('client_id')
      .merge({ metadata: json, source, updated_at: tx.fn.now() });
    await recordAudit(tx, { actor: source, action: row ? 'client.updated' : 'client.created', subject: client.client_id });
  });
  forgetCachedClient(db, client.client_id);
}
