import type { Knex } from 'knex';

/**
 * Checked import files waiting for 確定匯入 (issue 14, item 3): the file's head (school, semester, which file, until
 * when) and its rows as the roster tables will hold them (national IDs already sealed), so a 50,000-row file is
 * compared and written by the database instead of passing through the server's memory twice. Taking the head is the
 * one use; a head and its rows go when taken or 30 minutes old.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('roster_staged_files', (t) => {
    t.text('token').primary();
    t.text('school_code').notNullable().references('schools.code').onDelete('cascade');
    t.integer('academic_year').notNullable();
    t.smallint('semester').notNullable();
    t.text('file').notNullable();
    t.text('filename').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('roster_staged_rows', (t) => {
    t.text('token').notNullable().references('roster_staged_files.token').onDelete('cascade');
    t.text('part').notNullable();
    t.integer('seq').notNullable();
    t.jsonb('row').notNullable();
    t.primary(['token', 'part', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('roster_staged_rows');
  await knex.schema.dropTableIfExists('roster_staged_files');
}
