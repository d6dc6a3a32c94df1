import type { Knex } from 'knex';

/**
 * The second factor of administrators (issue 14): a TOTP secret per person (RFC 6238, an authenticator app), sealed with
 * the master key, and the last time step used, so that a code is good once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('person_totp', (t) => {
    t.uuid('person_id').primary().references('persons.id').onDelete('cascade');
    t.text('secret_sealed').notNullable();
    t.bigInteger('last_time_step').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('person_totp');
}
