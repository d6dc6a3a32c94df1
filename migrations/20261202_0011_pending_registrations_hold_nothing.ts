import type { Knex } from 'knex';

/**
 * A registration waiting for its email to be confirmed holds neither the email address nor the national ID: only
 * people who proved their address (or were made by an operator) do. Whoever confirms first wins; the confirmation
 * removes other waiting registrations of the same address or ID. Lookups of either value, pending rows included,
 * keep an index of their own.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists persons_email_key');
  await knex.raw('drop index if exists persons_national_id_key');
  await knex.raw("create unique index persons_email_key on persons (lower(email)) where status <> 'pending'");
  await knex.raw(
    "create unique index persons_national_id_key on persons (national_id_index) where status <> 'pending'",
  );
  await knex.raw('create index persons_email_lookup on persons (lower(email))');
  await knex.raw('create index persons_national_id_lookup on persons (national_id_index)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists persons_email_lookup');
  await knex.raw('drop index if exists persons_national_id_lookup');
  await knex.raw('drop index if exists persons_email_key');
  await knex.raw('drop index if exists persons_national_id_key');
  await knex.raw('create unique index persons_email_key on persons (lower(email))');
  await knex.raw('create unique index persons_national_id_key on persons (national_id_index)');
}
