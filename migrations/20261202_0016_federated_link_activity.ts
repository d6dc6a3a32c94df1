import type { Knex } from 'knex';

/**
 * Linked upstream accounts (issue 13): when each was last used to sign in (the account portal lists it), and at most
 * one link per person and upstream (a second Google account replaces the first only by unlinking it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('federated_links', (t) => {
    t.timestamp('last_used_at', { useTz: true });
    t.unique(['person_id', 'provider']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('federated_links', (t) => {
    t.dropUnique(['person_id', 'provider']);
    t.dropColumn('last_used_at');
  });
}
