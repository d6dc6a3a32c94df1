// The claims a person releases, per scope (SPEC §3).
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { openNationalId } from '../people/national-id-store.ts';
import type { Person } from '../people/persons.ts';
import { chosenIdentityFor, type LoadedAccount } from './account.ts';
import { pickGrantIdentity } from './choice.ts';
import { acceptedBy, childrenOf, type IdentityClaim } from './identities.ts';

export const SCOPE_CLAIMS = {
  // `amr` says how the person signed in this time: `pwd` (the campus password) or `fed` (a linked upstream account).
  openid: ['sub', 'amr'],
  profile: ['name', 'gender', 'birthdate', 'locale'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  identity: ['identity'],
  identities: ['identities'],
  children: ['children'],
  idno: ['idno'],
} as const;

/** Scopes any client may ask for; `idno` only clients approved for it (their `scope` metadata lists it). */
export const DEFAULT_CLIENT_SCOPE = 'openid offline_access profile email phone identity identities children';

/** Scopes that always need the person's explicit consent, first-party client or not. */
export const ALWAYS_CONSENT_SCOPES = new Set(['idno']);

/** How a client sees ids of people and identities (pairwise clients see ids of their own). */
export type IdsForClient = { person(personId: string): string; identity(identityId: string): string };

export type ClaimContext = {
  clientId?: string;
  allowedRoles?: unknown;
  grantId?: string;
  scopes: Set<string>;
  /** Unset: the real ids (a public-subject client). */
  ids?: IdsForClient;
};

export function personProfileClaims(person: Person): Record<string, unknown> {
  return {
    sub: person.id,
    name: person.name,
    gender: person.gender ?? undefined,
    birthdate: person.birthdate ? isoDate(person.birthdate) : undefined,
    locale: person.locale ?? undefined,
    email: person.email ?? undefined,
    email_verified: person.email ? person.email_verified : undefined,
    phone_number: person.mobile ? e164(person.mobile) : undefined,
    phone_number_verified: person.mobile ? person.mobile_verified : undefined,
  };
}

/** OpenID Connect Core §5.1: phone_number in E.164 (+886…), as stored mobiles are kept in the national form (09…). */
export function e164(mobile: string): string {
  return /^09\d{8}$/.test(mobile) ? `+886${mobile.slice(1)}` : mobile;
}

function isoDate(d: Date | string): string {
  return typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);
}

export async function personClaims(
  db: Knex,
  keyring: Keyring,
  account: LoadedAccount,
  c: ClaimContext,
): Promise<Record<string, unknown>> {
  const { person, identities } = account;
  const claims = personProfileClaims(person);
  const shown = (i: IdentityClaim | undefined) => (i && c.ids ? { ...i, id: c.ids.identity(i.id) } : i);
  if (c.scopes.has('identities')) claims.identities = identities.map(shown);
  if (c.scopes.has('identity')) {
    claims.identity = shown(
      pickGrantIdentity(acceptedBy(identities, c.allowedRoles), await chosenIdentityFor(db, account, c.grantId)),
    );
  }
  if (c.scopes.has('children')) {
    const children = await childrenOf(db, person.id);
    claims.children = c.ids ? children.map((child) => ({ ...child, sub: c.ids!.person(child.sub) })) : children;
  }
  if (c.scopes.has('idno') && person.national_id_sealed)
    claims.idno = openNationalId(keyring, person.national_id_sealed);
  return claims;
}
