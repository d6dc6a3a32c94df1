import type { Knex } from 'knex';

/**
 * A school's roster as its back office imports it (issue 14, item 3), per school and semester: classes and their
 * homeroom teachers, teachers and staff (national IDs sealed, with a blind index). Publishing (item 5) turns it into
 * identities; a person missing from the latest import is marked as leaving, not deleted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('roster_classes', (t) => {
    t.text('school_code').notNullable().references('schools.code').onDelete('cascade');
    t.integer('academic_year').notNullable();
    t.smallint('semester').notNullable();
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.smallint('grade').notNullable();
    t.text('homeroom_staff_no');
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['school_code', 'academic_year', 'semester', 'code']);
  });
  await knex.schema.createTable('roster_staff', (t) => {
    t.text('school_code').notNullable().references('schools.code').onDelete('cascade');
    t.integer('academic_year').notNullable();
    t.smallint('semester').notNullable();
    t.text('staff_no').notNullable();
    t.text('name').notNullable();
    t.text('national_id_sealed').notNullable();
    t.text('national_id_index').notNullable();
    t.text('kind').notNullable();
    t.text('title');
    t.text('email');
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['school_code', 'academic_year', 'semester', 'staff_no']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('roster_staff');
  await knex.schema.dropTableIfExists('roster_classes');
}
