import type { Knex } from 'knex';

/**
 * Roster registration (SPEC §4 flow 9): the verification accounts a vocational or private school issues to the
 * people on its roster (認證帳號 / 認證密碼). A person proves membership with one, once; it is then claimed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('roster_credentials', (t) => {
    t.uuid('id').primary();
    t.text('school_code').notNullable().references('schools.code');
    // student | teacher | staff | parent
    t.text('role').notNullable();
    t.text('account').notNullable();
    // bcrypt; the password itself is never stored.
    t.text('password_hash').notNullable();
    t.text('name').notNullable();
    t.text('class_code');
    t.integer('seat');
    t.text('student_no');
    t.uuid('claimed_by_person_id').references('persons.id').onDelete('set null');
    t.timestamp('claimed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['school_code', 'account']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('roster_credentials');
}
