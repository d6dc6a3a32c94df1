import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('persons', (t) => {
    t.text('mobile');
    t.boolean('mobile_verified').notNullable().defaultTo(false);
    t.text('gender'); // male | female | other
    t.date('birthdate');
    // National ID: sealed (AES-GCM) for display, keyed blind index for lookup; never stored in clear.
    t.text('national_id_sealed');
    t.text('national_id_index');
    t.timestamp('password_changed_at', { useTz: true });
  });
  await knex.raw('create unique index persons_mobile_key on persons (mobile)');
  await knex.raw('create unique index persons_national_id_key on persons (national_id_index)');

  await knex.schema.alterTable('schools', (t) => {
    t.integer('academic_year'); // ROC year, e.g. 115
    t.integer('semester'); // 1 | 2
    t.date('semester_start');
    t.date('semester_end');
  });

  await knex.schema.createTable('classes', (t) => {
    t.uuid('id').primary();
    t.text('school_code').notNullable().references('schools.code');
    t.integer('academic_year').notNullable();
    t.integer('semester').notNullable();
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.uuid('homeroom_identity_id');
    t.unique(['school_code', 'academic_year', 'semester', 'code']);
  });

  await knex.schema.alterTable('identities', (t) => {
    t.uuid('class_id').references('classes.id');
    t.timestamp('ended_at', { useTz: true });
    t.index(['school_code', 'role']);
  });

  await knex.schema.createTable('guardian_links', (t) => {
    t.uuid('id').primary();
    t.uuid('parent_person_id').notNullable().references('persons.id').onDelete('cascade');
    t.uuid('student_identity_id').notNullable().references('identities.id').onDelete('cascade');
    // father | mother (legal representative) ; grandfather | grandmother | maternal_grandfather | maternal_grandmother | other (guardian)
    t.text('relationship').notNullable();
    t.text('approved_by');
    t.timestamp('approved_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['parent_person_id', 'student_identity_id']);
    t.index(['student_identity_id']);
  });

  await knex.schema.createTable('federated_links', (t) => {
    t.uuid('id').primary();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('cascade');
    t.text('provider').notNullable();
    t.text('subject').notNullable();
    t.text('email');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['provider', 'subject']);
    t.index(['person_id']);
  });

  // The identity a person last chose for a client, and the identity each grant carries.
  await knex.schema.createTable('identity_choices', (t) => {
    t.uuid('person_id').notNullable().references('persons.id').onDelete('cascade');
    t.text('client_id').notNullable();
    t.uuid('identity_id').notNullable().references('identities.id').onDelete('cascade');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['person_id', 'client_id']);
  });
  await knex.schema.createTable('grant_identities', (t) => {
    t.text('grant_id').primary();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('cascade');
    t.text('client_id').notNullable();
    t.uuid('identity_id').notNullable().references('identities.id').onDelete('cascade');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.raw('create index audit_events_subject_at on audit_events (subject, at desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists audit_events_subject_at');
  for (const table of ['grant_identities', 'identity_choices', 'federated_links', 'guardian_links']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('identities', (t) => {
    t.dropIndex(['school_code', 'role']);
    t.dropColumn('class_id');
    t.dropColumn('ended_at');
  });
  await knex.schema.dropTableIfExists('classes');
  await knex.schema.alterTable('schools', (t) => {
    for (const c of ['academic_year', 'semester', 'semester_start', 'semester_end']) t.dropColumn(c);
  });
  await knex.raw('drop index if exists persons_mobile_key');
  await knex.raw('drop index if exists persons_national_id_key');
  await knex.schema.alterTable('persons', (t) => {
    for (const c of [
      'mobile',
      'mobile_verified',
      'gender',
      'birthdate',
      'national_id_sealed',
      'national_id_index',
      'password_changed_at',
    ])
      t.dropColumn(c);
  });
}
