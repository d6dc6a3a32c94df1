import type { Knex } from 'knex';

/**
 * Which master secret this database was set up with: a keyed digest (never the secret), so that a server started with
 * another SECRET_KEY (or a lost DATA_DIR/secret.key) stops at once with a clear message instead of sealing new values
 * with a key the old ones cannot be opened with. One row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('secret_check', (t) => {
    t.smallint('id').primary().checkIn(['1']);
    t.text('digest').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('secret_check');
}
