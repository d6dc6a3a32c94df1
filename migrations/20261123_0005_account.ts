import type { Knex } from 'knex';

/**
 * What the account pages list that oidc-provider cannot look up by person (its Redis store is keyed by id only):
 * the grants a person gave to apps and the provider sessions a person signed in with. Filled by the provider's
 * events (src/account/activity-hook.ts); a row whose grant or session is gone is dropped when next listed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('person_grants', (t) => {
    t.text('grant_id').primary();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('cascade');
    t.text('client_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['person_id', 'client_id']);
  });
  await knex.schema.createTable('person_sessions', (t) => {
    // oidc-provider's Session `uid`: stable for the session's life, while its storage id changes at each sign-in.
    t.text('session_uid').primary();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('cascade');
    // A coarse label such as "Chrome · Windows"; never the full User-Agent or the network address.
    t.text('browser');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['person_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('person_sessions');
  await knex.schema.dropTableIfExists('person_grants');
}
