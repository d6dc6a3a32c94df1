import type { Knex } from 'knex';

/**
 * Binding codes: a code the school hands a student's parent (printed, or as a QR code) that names the student and
 * approves the parent's application at once. Valid 7 days, used once; only a keyed digest of the code is kept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('binding_codes', (t) => {
    t.uuid('id').primary();
    t.text('code_index').notNullable().unique();
    t.uuid('student_identity_id').notNullable().references('identities.id').onDelete('cascade');
    t.text('school_code').notNullable();
    t.text('issued_by').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.uuid('application_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['student_identity_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('binding_codes');
}
