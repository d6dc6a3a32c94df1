import type { Knex } from 'knex';

/**
 * An organisation's initial access tokens for dynamic registration (issue 15, item 4): which organisation a token
 * registers clients for (the token's digest, never the token), so each client it registers is listed as theirs.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dev_org_tokens', (t) => {
    t.text('digest').primary();
    t.uuid('org_id').notNullable().references('dev_organisations.id').onDelete('cascade');
    t.uuid('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['org_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('dev_org_tokens');
}
