import type { Knex } from 'knex';

/** Short-lived shared state when Redis is not configured: attempt counters and one-use values (captchas). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('counters', (t) => {
    t.text('key').primary();
    t.integer('count').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('ephemeral_values', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ephemeral_values');
  await knex.schema.dropTableIfExists('counters');
}
