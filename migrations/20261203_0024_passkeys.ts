import type { Knex } from 'knex';

/**
 * Passkeys as the second factor (issue 14, item 1): a person's WebAuthn credentials — the credential id, its public
 * key (COSE), the signature counter, how the browser can reach it — checked with @simplewebauthn/server.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('person_passkeys', (t) => {
    t.text('id').primary(); // the credential id, base64url
    t.uuid('person_id').notNullable().references('persons.id').onDelete('cascade');
    t.binary('public_key').notNullable();
    t.bigInteger('counter').notNullable().defaultTo(0);
    t.jsonb('transports').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.index(['person_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('person_passkeys');
}
