import type { Knex } from 'knex';

/**
 * The school's district (縣市區, e.g. 臺北市大安區), as the ministry's school list names it; kept for the bureau
 * console's list and search (issue 15, item 6). Searching the audit log by action prefix uses its own index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('schools', (t) => {
    t.text('district');
  });
  await knex.raw('create index audit_events_action_at on audit_events (action text_pattern_ops, at desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists audit_events_action_at');
  await knex.schema.alterTable('schools', (t) => {
    t.dropColumn('district');
  });
}
