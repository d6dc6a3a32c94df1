// What oidc-provider's findAccount returns: a person with their active identities and, for a token's grant, the
// identity chosen for it, read in one query (sign-in, SSO hops, tokens and userinfo all need all three).
import type { Knex } from 'knex';
import type { Person } from '../people/persons.ts';
import { chosenIdentityId } from './choice.ts';
import { type IdentityClaim, type IdentityRow, toIdentityClaim } from './identities.ts';

export type LoadedAccount = {
  person: Person;
  identities: IdentityClaim[];
  /** The grant the account was read for, and the identity chosen for that grant (if any). */
  grantId?: string;
  grantIdentityId?: string;
};

const ACCOUNT_SQL = `
  select p.*,
    coalesce((
      select json_agg(json_build_object(
               'id', i.id, 'role', i.role, 'attributes', i.attributes, 'school_code', i.school_code,
               'school_name', s.name, 'class_code', c.code, 'class_name', c.name) order by i.created_at)
        from identities i
        left join schools s on s.code = i.school_code
        left join classes c on c.id = i.class_id
       where i.person_id = p.id and i.status = 'active'
    ), '[]'::json) as account_identities,
    (select g.identity_id from grant_identities g where g.grant_id = ? and g.person_id = p.id) as account_grant_identity
  from persons p
  where p.id = ?`;

type Row = Person & { account_identities: unknown; account_grant_identity: string | null };

export async function loadAccount(db: Knex, personId: string, grantId?: string): Promise<LoadedAccount | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(personId)) return undefined;
  const { rows } = (await db.raw(ACCOUNT_SQL, [grantId ?? null, personId])) as { rows: Row[] };
  const row = rows[0];
  if (!row) return undefined;
  const { account_identities: identities, account_grant_identity: grantIdentityId, ...person } = row;
  return {
    person: person as Person,
    // Built in the query above, but read back from storage: anything not shaped like identity rows is left out.
    identities: (Array.isArray(identities) ? identities : [])
      .filter(
        (i): i is IdentityRow => !!i && typeof i === 'object' && typeof i.id === 'string' && typeof i.role === 'string',
      )
      .map(toIdentityClaim),
    grantId,
    grantIdentityId: grantIdentityId ?? undefined,
  };
}

/** The identity recorded for `grantId`: read with the account when it was loaded for that grant, else looked up. */
export function chosenIdentityFor(
  db: Knex,
  account: LoadedAccount,
  grantId: string | undefined,
): Promise<string | undefined> {
  if (grantId === account.grantId) return Promise.resolve(account.grantIdentityId);
  return chosenIdentityId(db, account.person.id, grantId);
}
