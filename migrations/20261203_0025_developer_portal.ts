import type { Knex } from 'knex';

/**
 * The developer portal and the bureau console (issue 15): developer accounts the bureau grants, organisations and their
 * members, app applications with their review history (the client exists from approval on), and sign-ins per client
 * per day.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('developer_accounts', (t) => {
    t.uuid('person_id').primary().references('persons.id').onDelete('cascade');
    t.text('granted_by').notNullable();
    t.timestamp('granted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('dev_organisations', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.uuid('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create unique index dev_organisations_name on dev_organisations (lower(name))');
  await knex.schema.createTable('dev_org_members', (t) => {
    t.uuid('org_id').notNullable().references('dev_organisations.id').onDelete('cascade');
    t.uuid('person_id').notNullable().references('persons.id').onDelete('cascade');
    t.text('role').notNullable().checkIn(['owner', 'member']);
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['org_id', 'person_id']);
    t.index(['person_id']);
  });
  await knex.schema.createTable('client_applications', (t) => {
    t.uuid('id').primary();
    t.uuid('org_id').notNullable().references('dev_organisations.id');
    t.text('status').notNullable().checkIn(['submitted', 'changes_requested', 'approved', 'rejected', 'disabled']);
    // What the developer asked for (json, not jsonb: kept as written); `live`: what the bureau approved last.
    t.json('details').notNullable();
    t.json('live');
    t.text('client_id').unique();
    t.text('bureau_note');
    t.boolean('secret_unseen').notNullable().defaultTo(false);
    t.uuid('submitted_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['org_id']);
    t.index(['status', 'updated_at']);
  });
  await knex.schema.createTable('client_application_events', (t) => {
    t.bigIncrements('id');
    t.uuid('application_id').notNullable().references('client_applications.id').onDelete('cascade');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('note');
    t.json('fields').notNullable().defaultTo('[]');
    t.index(['application_id', 'at']);
  });
  await knex.schema.createTable('client_sign_in_days', (t) => {
    t.text('client_id').notNullable();
    t.date('day').notNullable();
    t.integer('count').notNullable().defaultTo(0);
    t.primary(['client_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'client_sign_in_days',
    'client_application_events',
    'client_applications',
    'dev_org_members',
    'dev_organisations',
    'developer_accounts',
  ])
    await knex.schema.dropTableIfExists(table);
}
