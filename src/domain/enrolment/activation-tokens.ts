// Activation links: a random token mailed to the person; only its SHA-256 is stored, usable once within 24 hours
// (on the database's clock).
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export const ACTIVATION_TTL_HOURS = 24;
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const digest = (token: string) => crypto.createHash('sha256').update(token).digest('base64url');

export async function issueActivationToken(db: Knex, personId: string): Promise<string> {
  const token = crypto.randomBytes(32).toString('base64url');
  await db('activation_tokens').insert({
    token_hash: digest(token),
    person_id: personId,
    expires_at: db.raw(`now() + make_interval(hours => ?)`, [ACTIVATION_TTL_HOURS]),
  });
  return token;
}

export type TokenCheck = { state: 'valid'; personId: string } | { state: 'invalid' | 'used' | 'expired' };

type TokenRow = { token_hash: string; person_id: string; used_at: Date | null; status: string; expired: boolean };

function stateOf(row: TokenRow | undefined): TokenCheck {
  if (!row) return { state: 'invalid' };
  // A link of an account already activated (by this link or an earlier one) counts as used.
  if (row.used_at || row.status === 'active') return { state: 'used' };
  if (row.status !== 'pending') return { state: 'invalid' };
  if (row.expired) return { state: 'expired' };
  return { state: 'valid', personId: row.person_id };
}

const tokenRow = (db: Knex, token: string) =>
  db('activation_tokens as t')
    .join('persons as p', 'p.id', 't.person_id')
    .select('t.token_hash', 't.person_id', 't.used_at', 'p.status', db.raw('t.expires_at <= now() as expired'))
    .where('t.token_hash', digest(token));

/** What the token stands for, changing nothing. */
export async function activationTokenState(db: Knex, token: string): Promise<TokenCheck> {
  return TOKEN_PATTERN.test(token) ? stateOf(await tokenRow(db, token).first()) : { state: 'invalid' };
}

/** Marks the token used if it is valid; run it in the transaction that activates the account. */
export async function useActivationToken(trx: Knex.Transaction, token: string): Promise<TokenCheck> {
  if (!TOKEN_PATTERN.test(token)) return { state: 'invalid' };
  const row: TokenRow | undefined = await tokenRow(trx, token).forUpdate('t').first();
  const check = stateOf(row);
  if (check.state === 'valid')
    await trx('activation_tokens').where({ token_hash: row!.token_hash }).update({ used_at: trx.fn.now() });
  return check;
}

/** Drops links a month past their expiry (until then a used link is still told apart from a wrong one). */
export async function purgeActivationTokens(db: Knex): Promise<void> {
  await db('activation_tokens').where('expires_at', '<', db.raw(`now() - interval '30 days'`)).delete();
}
