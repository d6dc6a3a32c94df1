// National IDs at rest: sealed for display to the person, blind-indexed for lookup; never stored in clear.
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { isValidNationalId, maskNationalId, normaliseNationalId } from './national-id.ts';
import { findPersonIdByNationalIdIndex, type SealedNationalId } from './persons.ts';

export type { SealedNationalId };

/** The lookup key of a national ID (normalised first), or undefined when it is not a valid one. */
export function nationalIdIndex(keyring: Keyring, raw: string): string | undefined {
  const id = normaliseNationalId(raw);
  return isValidNationalId(id) ? keyring.blindIndex('national-id-index', id) : undefined;
}

export function sealNationalId(keyring: Keyring, raw: string): SealedNationalId {
  const id = normaliseNationalId(raw);
  const index = nationalIdIndex(keyring, id);
  if (!index) throw new Error('invalid national ID');
  return { sealed: keyring.seal('national-id', id), index };
}

export function openNationalId(keyring: Keyring, sealed: string): string {
  return keyring.open('national-id', sealed);
}

export function maskedNationalId(keyring: Keyring, sealed: string | null): string | undefined {
  return sealed ? maskNationalId(openNationalId(keyring, sealed)) : undefined;
}

export async function findPersonIdByNationalId(db: Knex, keyring: Keyring, raw: string): Promise<string | undefined> {
  const index = nationalIdIndex(keyring, raw);
  return index ? findPersonIdByNationalIdIndex(db, index) : undefined;
}
