import type { Knex } from 'knex';

/**
 * The school's sync log (issue 14, item 6; seed 000 §9 同步紀錄): every call a school's systems make to our APIs, with
 * its action, the app, the result code and message, and the time. Nothing personal: no names, no ID numbers. Kept a
 * year (the periodic purge).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('school_sync_log', (t) => {
    t.bigIncrements('id');
    t.text('school_code').notNullable().references('schools.code').onDelete('cascade');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('action').notNullable();
    t.text('client_id');
    t.integer('code').notNullable();
    t.text('message').notNullable();
    t.boolean('ok').notNullable();
    t.index(['school_code', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('school_sync_log');
}
