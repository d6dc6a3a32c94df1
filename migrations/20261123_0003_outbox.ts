import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Mail and SMS, written in the same transaction as the change that causes them, delivered by src/mail/worker.ts.
  await knex.schema.createTable('outbox_messages', (t) => {
    t.uuid('id').primary();
    t.text('channel').notNullable().checkIn(['email', 'sms']);
    t.text('recipient').notNullable();
    t.text('subject');
    t.text('text_body').notNullable();
    t.text('html_body');
    t.text('kind').notNullable(); // password_reset, verify_email, ...
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'sending', 'sent', 'failed']);
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // A worker's lease on a 'sending' message; once past, another worker may take it over.
    t.timestamp('locked_until', { useTz: true });
    // The error's class and code only: never its message, which may name the recipient.
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.index(['status', 'next_attempt_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('outbox_messages');
}
