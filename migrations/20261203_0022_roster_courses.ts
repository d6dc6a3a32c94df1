import type { Knex } from 'knex';

/**
 * 配課資料 (issue 14, item 3): which teacher teaches which subject to which class, per school and semester, as the
 * back office imports it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('roster_courses', (t) => {
    t.text('school_code').notNullable().references('schools.code').onDelete('cascade');
    t.integer('academic_year').notNullable();
    t.smallint('semester').notNullable();
    t.text('class_code').notNullable();
    t.text('subject_code').notNullable();
    t.text('subject_name').notNullable();
    t.text('staff_no').notNullable();
    t.smallint('hours').notNullable();
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['school_code', 'academic_year', 'semester', 'class_code', 'subject_code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('roster_courses');
}
