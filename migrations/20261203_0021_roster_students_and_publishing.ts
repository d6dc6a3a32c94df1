import type { Knex } from 'knex';

/**
 * The rest of a school's roster (issue 14, items 3 and 5): students (class, seat, birth date; national IDs sealed, with a
 * blind index) and their parents, per school and semester as the back office imports them; and what publishing needs
 * on the verification credentials: which roster row a credential stands for (`roster_key`, one credential per row and
 * school), its password sealed so the school can print it for the class until it is used, the parent's relationship,
 * and the identity it became.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('roster_students', (t) => {
    t.text('school_code').notNullable().references('schools.code').onDelete('cascade');
    t.integer('academic_year').notNullable();
    t.smallint('semester').notNullable();
    t.text('student_no').notNullable();
    t.text('name').notNullable();
    t.text('national_id_sealed').notNullable();
    t.text('national_id_index').notNullable();
    t.text('class_code').notNullable();
    t.smallint('seat').notNullable();
    t.date('birthdate').notNullable();
    t.text('gender');
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['school_code', 'academic_year', 'semester', 'student_no']);
  });
  await knex.schema.createTable('roster_parents', (t) => {
    t.text('school_code').notNullable().references('schools.code').onDelete('cascade');
    t.integer('academic_year').notNullable();
    t.smallint('semester').notNullable();
    t.text('student_no').notNullable();
    t.text('mobile').notNullable();
    t.text('name').notNullable();
    t.text('relationship').notNullable();
    t.text('national_id_sealed');
    t.text('national_id_index');
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['school_code', 'academic_year', 'semester', 'student_no', 'mobile']);
  });
  await knex.schema.alterTable('roster_credentials', (t) => {
    // student:<學號> | staff:<教師編號> | parent:<學號>:<手機>; none for credentials a school's system uploaded.
    t.text('roster_key');
    t.text('password_sealed');
    t.text('relationship');
    t.uuid('identity_id').references('identities.id').onDelete('set null');
    t.unique(['school_code', 'roster_key']);
  });
  // A published credential's password is sealed (the school prints it) and checked against that, not hashed.
  await knex.raw('alter table roster_credentials alter column password_hash drop not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex('roster_credentials').whereNull('password_hash').delete();
  await knex.raw('alter table roster_credentials alter column password_hash set not null');
  await knex.schema.alterTable('roster_credentials', (t) => {
    t.dropUnique(['school_code', 'roster_key']);
    t.dropColumn('roster_key');
    t.dropColumn('password_sealed');
    t.dropColumn('relationship');
    t.dropColumn('identity_id');
  });
  await knex.schema.dropTableIfExists('roster_parents');
  await knex.schema.dropTableIfExists('roster_students');
}
