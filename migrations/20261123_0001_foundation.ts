import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // oidc-provider state (sessions, grants, codes, tokens, PAR, ...) when REDIS_URL is not set.
  await knex.schema.createTable('oidc_payloads', (t) => {
    t.text('model').notNullable();
    t.text('id').notNullable();
    // json, not jsonb: payloads may hold any string a client sent, \u0000 included, which jsonb refuses.
    t.json('payload').notNullable();
    t.text('grant_id');
    t.text('uid');
    t.text('user_code');
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('consumed_at', { useTz: true });
    t.primary(['model', 'id']);
    t.index(['grant_id']);
    t.index(['model', 'uid']);
    t.index(['model', 'user_code']);
    t.index(['expires_at']);
  });

  // Registered relying parties: from config/, the CLI and dynamic registration (RFC 7591).
  await knex.schema.createTable('oidc_clients', (t) => {
    t.text('client_id').primary();
    t.json('metadata').notNullable();
    t.text('source').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Signing and cookie keys, sealed with the master secret.
  await knex.schema.createTable('keys', (t) => {
    t.text('kid').primary();
    t.text('kind').notNullable(); // signing | cookie
    t.text('alg');
    t.text('material').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('activates_at', { useTz: true }).notNullable();
    t.timestamp('retires_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.index(['kind', 'activates_at']);
  });

  await knex.schema.createTable('persons', (t) => {
    t.uuid('id').primary();
    t.text('username');
    t.text('email');
    t.boolean('email_verified').notNullable().defaultTo(false);
    t.text('name').notNullable();
    t.text('password_hash');
    t.boolean('must_change_password').notNullable().defaultTo(false);
    t.text('status').notNullable().defaultTo('active');
    t.text('locale');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create unique index persons_username_key on persons (lower(username))');
  await knex.raw('create unique index persons_email_key on persons (lower(email))');

  await knex.schema.createTable('schools', (t) => {
    t.text('code').primary();
    t.text('name').notNullable();
    t.text('level').notNullable();
    t.text('kind').notNullable().defaultTo('municipal');
  });

  await knex.schema.createTable('identities', (t) => {
    t.uuid('id').primary();
    t.uuid('person_id').notNullable().references('persons.id').onDelete('cascade');
    t.text('school_code').references('schools.code');
    t.text('role').notNullable();
    t.jsonb('attributes').notNullable().defaultTo('{}');
    t.text('source').notNullable().defaultTo('self');
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['person_id']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('subject');
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.index(['at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_events', 'identities', 'schools', 'persons', 'keys', 'oidc_clients', 'oidc_payloads']) {
    await knex.schema.dropTableIfExists(table);
  }
}
