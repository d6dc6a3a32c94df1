import type { Knex } from 'knex';

/**
 * The school back office's semester parameters (issue 14, item 2; seed 000 §9 設定學期參數): each semester's start and end
 * dates per school. The current one is the school's `academic_year` and `semester` (already on `schools`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('school_semesters', (t) => {
    t.text('school_code').notNullable().references('schools.code').onDelete('cascade');
    t.integer('academic_year').notNullable();
    t.smallint('semester').notNullable();
    t.date('starts_on').notNullable();
    t.date('ends_on').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['school_code', 'academic_year', 'semester']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('school_semesters');
}
