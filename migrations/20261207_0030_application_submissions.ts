import type { Knex } from 'knex';

/**
 * One application per application form: the new-application form carries a random key, kept with the application it
 * made, unique per person who submitted it, so the same form sent twice (at once, or again later) makes one
 * application, and the second submission finds it. Applications made before (or by other means) have none.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('client_applications', (t) => {
    t.uuid('submission_key');
    t.unique(['submitted_by', 'submission_key'], { indexName: 'client_applications_submission' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('client_applications', (t) => {
    t.dropUnique(['submitted_by', 'submission_key'], 'client_applications_submission');
    t.dropColumn('submission_key');
  });
}
