import type { Knex } from 'knex';

/**
 * Automatic approval of bindings, per school (off by default): when the school's roster names the parent as the
 * student's guardian — the same name, mobile number and relationship — the application is approved at once.
 * `roster_guardians` holds those roster rows (imported by the school; the back office will fill it too).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('schools', (t) => {
    t.boolean('binding_auto_approve').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('roster_guardians', (t) => {
    t.uuid('id').primary();
    t.text('school_code').notNullable().references('schools.code');
    t.uuid('student_identity_id').notNullable().references('identities.id').onDelete('cascade');
    t.text('name').notNullable();
    t.text('mobile').notNullable();
    t.text('relationship').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['student_identity_id']);
    t.index(['school_code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('roster_guardians');
  await knex.schema.alterTable('schools', (t) => {
    t.dropColumn('binding_auto_approve');
  });
}
