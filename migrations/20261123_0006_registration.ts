import type { Knex } from 'knex';

/**
 * Self-registration (SPEC §4 flow 1): the contact phone typed in the wizard (聯絡電話: a mobile or a landline, not
 * verified and not a login name, so not in the unique `mobile` column), and the one-use activation links.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('persons', (t) => {
    t.text('contact_phone');
  });
  await knex.schema.createTable('activation_tokens', (t) => {
    // SHA-256 of the random token in the mailed link; the token itself is never stored.
    t.text('token_hash').primary();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('cascade');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['person_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('activation_tokens');
  await knex.schema.alterTable('persons', (t) => {
    t.dropColumn('contact_phone');
  });
}
