// What oidc-provider's findAccount returns: a person with their active identities and, for a token's grant, the
// identity chosen for it, read in one query (sign-in, SSO hops, tokens and userinfo all need all three).
import type { Knex } from 'knex';
import { prepared } from '../../platform/storage/prepared.ts';
import { type Person, personsByLogin } from '../people/persons.ts';
import { chosenIdentityId } from './choice.ts';
import {
  type Child,
  type ChildRow,
  type IdentityClaim,
  type IdentityRow,
  toChild,
  toIdentityClaim,
} from './identities.ts';

export type LoadedAccount = {
  person: Person;
  identities: IdentityClaim[];
  /** The grant the account was read for, and the identity chosen for that grant (if any). */
  grantId?: string;
  grantIdentityId?: string;
};

/** The identity menu's account: the person's last choice for the client and, for parents, their children too. */
export type MenuAccount = LoadedAccount & { rememberedIdentityId?: string; children: Child[] };

/** One identity row as JSON, from `i` (identities) joined with `s` (schools) and `c` (classes). */
const IDENTITY_JSON = `'id', i.id, 'role', i.role, 'attributes', i.attributes, 'school_code', i.school_code,
               'school_name', s.name, 'class_code', c.code, 'class_name', c.name`;
/** Identities that count: active, and not ended with a past semester (as identities.ts identityQuery). */
const CURRENT = `i.status = 'active' and (i.ended_at is null or i.ended_at > now())`;

const ACCOUNT_COLUMNS = `
  select p.*,
    coalesce((
      select json_agg(json_build_object(${IDENTITY_JSON}) order by i.created_at)
        from identities i
        left join schools s on s.code = i.school_code
        left join classes c on c.id = i.class_id
       where i.person_id = p.id and ${CURRENT}
    ), '[]'::json) as account_identities,
    (select g.identity_id from grant_identities g where g.grant_id = ? and g.person_id = p.id) as account_grant_identity`;

const ACCOUNT_SQL = `${ACCOUNT_COLUMNS}
  from persons p
  where p.id = ?`;

// The same, with the remembered choice and a parent's children (approved, unended links, as childrenOf).
const MENU_SQL = `${ACCOUNT_COLUMNS},
    (select ic.identity_id from identity_choices ic where ic.person_id = p.id and ic.client_id = ?) as account_remembered,
    coalesce((
      select json_agg(json_build_object(${IDENTITY_JSON},
               'person_id', cp.id, 'person_name', cp.name, 'relationship', gl.relationship) order by cp.name)
        from guardian_links gl
        join identities i on i.id = gl.student_identity_id
        join persons cp on cp.id = i.person_id
        left join schools s on s.code = i.school_code
        left join classes c on c.id = i.class_id
       where gl.parent_person_id = p.id and gl.approved_at is not null and gl.ended_at is null and ${CURRENT}
    ), '[]'::json) as account_children
  from persons p
  where p.id = ?`;

type Row = Person & {
  account_identities: unknown;
  account_grant_identity: string | null;
  account_remembered?: string | null;
  account_children?: unknown;
};

const UUID = /^[0-9a-f-]{36}$/i;

/** Rows built in a query but read back from storage: anything not shaped like identity rows is left out. */
function identityRows<T extends IdentityRow>(value: unknown): T[] {
  return (Array.isArray(value) ? value : []).filter(
    (i): i is T => !!i && typeof i === 'object' && typeof i.id === 'string' && typeof i.role === 'string',
  );
}

function toAccount(row: Row, grantId: string | undefined): LoadedAccount {
  const {
    account_identities: identities,
    account_grant_identity: grantIdentityId,
    account_remembered: _remembered,
    account_children: _children,
    ...person
  } = row;
  return {
    person: person as Person,
    identities: identityRows(identities).map(toIdentityClaim),
    grantId,
    grantIdentityId: grantIdentityId ?? undefined,
  };
}

export async function loadAccount(db: Knex, personId: string, grantId?: string): Promise<LoadedAccount | undefined> {
  if (!UUID.test(personId)) return undefined;
  const { rows } = (await prepared(db, ACCOUNT_SQL, [grantId ?? null, personId])) as { rows: Row[] };
  return rows[0] && toAccount(rows[0], grantId);
}

/** Everything the identity menu shows, in one query. */
export async function loadMenuAccount(db: Knex, personId: string, clientId: string): Promise<MenuAccount | undefined> {
  if (!UUID.test(personId)) return undefined;
  const { rows } = (await prepared(db, MENU_SQL, [null, clientId, personId])) as { rows: Row[] };
  const row = rows[0];
  if (!row) return undefined;
  return {
    ...toAccount(row, undefined),
    rememberedIdentityId: row.account_remembered ?? undefined,
    children: identityRows<ChildRow>(row.account_children).map(toChild),
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

/** A person a login names, with the roles of their current identities (the sign-in form's person: see signInMenu). */
export type SignInPerson = Person & { identity_roles: string[] };

/** findPersonByLogin and the roles of the person's current identities, in one query. */
export async function findSignInPerson(db: Knex, login: string): Promise<SignInPerson | undefined> {
  const row = (await personsByLogin(db, login)?.first(
    'persons.*',
    db.raw(`coalesce((select array_agg(i.role order by i.created_at) from identities i
      where i.person_id = persons.id and ${CURRENT}), '{}') as identity_roles`),
  )) as SignInPerson | undefined;
  return row && { ...row, identity_roles: Array.isArray(row.identity_roles) ? row.identity_roles : [] };
}
