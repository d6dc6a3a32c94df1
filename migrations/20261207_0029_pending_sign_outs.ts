import type { Knex } from 'knex';

/**
 * Sign-outs everywhere still owed to a person: written in the transaction that changes their password (or locks them),
 * deleted once every other session and grant has ended. A failure in between (a store down at that moment) leaves the
 * row, and every process retries it (PersonAccess.settlePendingSignOuts) until it is done, so a password change can
 * never leave the old password's sessions alive unnoticed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pending_sign_outs', (t) => {
    t.uuid('id').primary();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('CASCADE');
    /** The provider session of the browser in use, which stays signed in (with its grants). */
    t.text('keep_session');
    t.text('reason').notNullable();
    /** Who asked, when not the person (the bureau's lock). */
    t.uuid('actor');
    /** Sessions signed in and grants given after this moment are not ended (they came with the new password). */
    t.timestamp('before', { useTz: true }).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    /** The request that wrote the row holds it first; a retry claims it only after this. */
    t.timestamp('locked_until', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['locked_until']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('pending_sign_outs');
}
