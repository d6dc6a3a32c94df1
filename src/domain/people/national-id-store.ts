// National IDs at rest: sealed for display to the person, blind-indexed for lookup; never stored in clear.
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { isValidNationalId, maskNationalId, normaliseNationalId } from './national-id.ts';

export type SealedNationalId = { sealed: string; index: string };

export function sealNationalId(keyring: Keyring, raw: string): SealedNationalId {
  const id = normaliseNationalId(raw);
  if (!isValidNationalId(id)) throw new Error('invalid national ID');
  return { sealed: keyring.seal('national-id', id), index: keyring.blindIndex('national-id-index', id) };
}

export function maskedNationalId(keyring: Keyring, sealed: string | null): string | undefined {
  return sealed ? maskNationalId(keyring.open('national-id', sealed)) : undefined;
}

export async function findPersonIdByNationalId(db: Knex, keyring: Keyring, raw: string): Promise<string | undefined> {
  const id = normaliseNationalId(raw);
  if (!isValidNationalId(id)) return undefined;
  const row = await db('persons').select('id').where({ national_id_index: keyring.blindIndex('national-id-index', id) }).first();
  return row?.id;
}
