import type { Knex } from 'knex';

/**
 * Every change to a registered client (dynamic registration, the CLI, config/clients.json, a manual UPDATE) tells
 * each server process at once, so they can keep clients in memory: NOTIFY oidc_clients_changed, client_id.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function notify_oidc_client_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('oidc_clients_changed', coalesce(new.client_id, old.client_id));
      return null;
    end $$`);
  await knex.raw(`create trigger oidc_clients_changed after insert or update or delete on oidc_clients
    for each row execute function notify_oidc_client_changed()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger if exists oidc_clients_changed on oidc_clients');
  await knex.raw('drop function if exists notify_oidc_client_changed()');
}
