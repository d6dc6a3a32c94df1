import type { Knex } from 'knex';

/**
 * Upstream providers people may sign in with (issue 13): the city's OpenID provider, Google, Microsoft, Yahoo, LINE,
 * Facebook. Configuration kept in PostgreSQL, each client secret sealed with the master key; changed only by the
 * `campus-sso upstream` commands, every change audited.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('upstream_providers', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    // oidc (discovery at the issuer) | facebook (its OAuth dialog and the Graph `me` endpoint)
    t.text('kind').notNullable();
    t.text('issuer').notNullable();
    t.text('client_id').notNullable();
    t.text('client_secret_sealed').notNullable();
    t.text('scope').notNullable();
    t.text('icon');
    // Endpoints given instead of discovered (Facebook's, or a test's).
    t.jsonb('endpoints');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('upstream_providers');
}
