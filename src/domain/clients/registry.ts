// The registry of relying parties (oidc-provider's `Client` model and ours): stored in PostgreSQL in both storage
// modes, kept in memory by every process (cache.ts), changed by dynamic registration, the CLI, config/clients.json
// and the demo seed. Every change but a registration's own is audited here.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { z } from 'zod';
import { asJsonObject } from '../../platform/stored-json.ts';
import { recordAudit } from '../audit.ts';
import type { ClientCache } from './cache.ts';

/** Client metadata as stored: oidc-provider's registration metadata plus ours (metadata.ts). */
export type ClientMetadata = Record<string, unknown> & { client_id?: string };

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
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder config/clients.json uses, not a template.
  return JSON.parse(JSON.stringify(value).replaceAll('${ISSUER}', issuer)) as T;
}

/** Stored metadata is parsed, never trusted: anything that is not an object is missing. */
export const asMetadata = (value: unknown) => asJsonObject(value) as ClientMetadata | undefined;

export class ClientRegistry {
  readonly #db: Knex;
  readonly #cache: ClientCache | undefined;

  constructor(db: Knex, cache?: ClientCache) {
    this.#db = db;
    this.#cache = cache;
  }

  /** A client's metadata (a private copy), or undefined. */
  async find(clientId: string): Promise<ClientMetadata | undefined> {
    const cached = this.#cache?.get(clientId);
    // Kept as JSON text and parsed on every read: the caller gets its own copy and cannot change the cached one.
    if (cached) return cached.json === undefined ? undefined : asMetadata(cached.json);
    const generation = this.#cache?.generation() ?? 0;
    const row = await this.#db('oidc_clients').select('metadata').where({ client_id: clientId }).first();
    const metadata = asMetadata(row?.metadata);
    this.#cache?.set(clientId, metadata && JSON.stringify(metadata), generation);
    return metadata;
  }

  /** Writes metadata as oidc-provider's registration endpoints give it (audited by the provider's events). */
  async save(clientId: string, metadata: ClientMetadata): Promise<void> {
    await this.#db('oidc_clients')
      .insert({ client_id: clientId, metadata: JSON.stringify(metadata), source: 'registration' })
      .onConflict('client_id')
      .merge({ metadata: JSON.stringify(metadata), updated_at: this.#db.fn.now() });
    this.#cache?.forget(clientId);
  }

  async remove(clientId: string): Promise<void> {
    await this.#db('oidc_clients').where({ client_id: clientId }).delete();
    this.#cache?.forget(clientId);
  }

  /**
   * Inserts or updates a client defined by an operator (CLI, clients.json, demo). A secret already stored is kept
   * unless a new one is given; confidential clients without one get a random secret.
   */
  async upsert(client: ConfiguredClient, source: string, secret?: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const row = await tx('oidc_clients').where({ client_id: client.client_id }).forUpdate().first();
      const metadata: Record<string, unknown> = { ...client };
      delete metadata.$comment;
      const isPublic = metadata.token_endpoint_auth_method === 'none';
      if (!isPublic)
        metadata.client_secret = secret ?? row?.metadata?.client_secret ?? crypto.randomBytes(32).toString('base64url');
      else delete metadata.client_secret;
      if (row && isDeepStrictEqual(row.metadata, metadata)) return;
      const json = JSON.stringify(metadata);
      await tx('oidc_clients')
        .insert({ client_id: client.client_id, metadata: json, source })
        .onConflict('client_id')
        .merge({ metadata: json, source, updated_at: tx.fn.now() });
      await recordAudit(tx, {
        actor: source,
        action: row ? 'client.updated' : 'client.created',
        subject: client.client_id,
      });
    });
    this.#cache?.forget(client.client_id);
  }

  /** Display names of clients, by id (a client without one is named by its id). */
  async names(clientIds: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (!clientIds.length) return names;
    const rows: { client_id: string; name: string | null }[] = await this.#db('oidc_clients')
      .select('client_id', this.#db.raw("metadata->>'client_name' as name"))
      .whereIn('client_id', clientIds);
    for (const r of rows) names.set(r.client_id, r.name ?? r.client_id);
    return names;
  }
}
