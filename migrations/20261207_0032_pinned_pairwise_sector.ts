import type { Knex } from 'knex';

/**
 * Pairwise clients get their sector pinned (`pairwise_sector` in their metadata, src/domain/clients/metadata.ts): the
 * one their people's ids were made for until now, worked out as oidc-provider does (the host of the
 * sector_identifier_uri, else of the first redirect URI, else of the jwks_uri), so that a later move of the app to
 * another host keeps every `sub`. A frozen copy of the rule, as a migration must not change with the code.
 */
export async function up(knex: Knex): Promise<void> {
  const rows: { client_id: string; metadata: Record<string, unknown> | string }[] = await knex('oidc_clients')
    .whereRaw("metadata->>'subject_type' = 'pairwise' and metadata->>'pairwise_sector' is null")
    .forUpdate()
    .select('client_id', 'metadata');
  for (const row of rows) {
    const m = typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata;
    const host = (uri: unknown) => {
      try {
        return typeof uri === 'string' ? new URL(uri).host : undefined;
      } catch {
        return undefined;
      }
    };
    const responseTypes = Array.isArray(m.response_types) ? m.response_types : ['code'];
    const sector =
      m.sector_identifier_uri !== undefined
        ? host(m.sector_identifier_uri)
        : responseTypes.length && Array.isArray(m.redirect_uris)
          ? host(m.redirect_uris[0])
          : host(m.jwks_uri);
    if (!sector) continue;
    await knex('oidc_clients')
      .where({ client_id: row.client_id })
      .update({ metadata: JSON.stringify({ ...m, pairwise_sector: sector }) });
  }
}

export async function down(): Promise<void> {}
