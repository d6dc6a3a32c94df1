import type { Knex } from 'knex';

/**
 * Parent-child binding (親子綁定, seed 002): one application per parent and student, from the parent's verified
 * contact, reviewed by the student's homeroom teacher or the school; an approved one becomes a guardian link. The
 * parent's national ID is sealed and blind-indexed like a person's; the signature keeps the typed name, the time, the
 * address, the browser and a SHA-256 of the application as shown. Links end (never vanish) when revoked.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('binding_applications', (t) => {
    t.uuid('id').primary();
    // The contact the parent verified with a code (email lower-cased, mobile as 0912345678): whose status page shows it.
    t.text('contact_kind').notNullable();
    t.text('contact').notNullable();
    t.text('relationship').notNullable();
    t.uuid('student_identity_id').notNullable().references('identities.id').onDelete('cascade');
    t.text('school_code').notNullable().references('schools.code');
    // The parent's account when one existed at submission (signed in to confirm), else set on approval.
    t.uuid('parent_person_id').references('persons.id').onDelete('set null');
    t.text('parent_name').notNullable();
    t.text('parent_email');
    t.text('parent_mobile');
    t.text('parent_national_id_sealed').notNullable();
    t.text('parent_national_id_index').notNullable();
    t.jsonb('signature');
    // pending | approved | rejected | withdrawn
    t.text('status').notNullable().defaultTo('pending');
    t.text('reason');
    // parent (the four steps) | sis (pushed by the school-affairs system)
    t.text('source').notNullable().defaultTo('parent');
    t.text('decided_by');
    t.timestamp('decided_at', { useTz: true });
    t.uuid('guardian_link_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['contact_kind', 'contact']);
    t.index(['school_code', 'status']);
    t.index(['student_identity_id']);
  });
  // One open application per parent and student; an email used by one parent's applications is not another's.
  await knex.raw(
    "create unique index binding_applications_open on binding_applications (student_identity_id, parent_national_id_index) where status = 'pending'",
  );
  await knex.raw('create index binding_applications_email on binding_applications (lower(parent_email))');

  await knex.schema.alterTable('guardian_links', (t) => {
    t.uuid('application_id');
    t.timestamp('ended_at', { useTz: true });
    t.text('ended_by');
    t.text('ended_reason');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('guardian_links', (t) => {
    for (const c of ['application_id', 'ended_at', 'ended_by', 'ended_reason']) t.dropColumn(c);
  });
  await knex.schema.dropTableIfExists('binding_applications');
}
