// What oidc-provider's findAccount returns: a person with their active identities and, for a token's grant, the
// identity chosen for it, read in one query (sign-in, SSO hops, tokens and userinfo all need all three).
import type { Knex } from 'knex';
import { prepared } from '../../platform/storage/prepared.ts';
import { isUuid } from '../../platform/uuid.ts';
import { LOGIN_ORDER, loginMatch, type Person } from '../people/persons.ts';
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

/** The current identities of the person `p` as a JSON array. */
const IDENTITIES = `coalesce((
      select json_agg(json_build_object(${IDENTITY_JSON}) order by i.created_at)
        from identities i
        left join schools s on s.code = i.school_code
        left join classes c on c.id = i.class_id
       where i.person_id = p.id and ${CURRENT}
    ), '[]'::json)`;

const ACCOUNT_COLUMNS = `
  select p.*,
    ${IDENTITIES} as account_identities,
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
  if (!isUuid(personId)) return undefined;
  const { rows } = (await prepared(db, ACCOUNT_SQL, [grantId ?? null, personId])) as { rows: Row[] };
  return rows[0] && toAccount(rows[0], grantId);
}

/**
 * The account as one JSON value inside another statement (oidc-provider's state read with it: oidc/adapters/postgres.ts),
 * from two SQL expressions of that statement: `personId` (text; none read when null) and `grantIds` (text[], the grants
 * the account may be asked for). accountFromAlong gives what loadAccount would.
 */
export function accountAlongSql(personId: string, grantIds: string): string {
  return `(select json_build_object('person_id', a.person_id, 'grant_ids', to_json(a.grant_ids), 'person', to_json(p),
      'identities', case when p.id is not null then ${IDENTITIES} end,
      'grants', (select json_object_agg(g.grant_id, g.identity_id) from grant_identities g
        where g.grant_id = any(a.grant_ids) and g.person_id = p.id))
    from (select (${personId})::text as person_id, (${grantIds})::text[] as grant_ids) a
    left join persons p on p.id = case when a.person_id ~* '${UUID_SQL}' then a.person_id::uuid end
    where a.person_id is not null)`;
}

const UUID_SQL = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
/** The person's timestamps, which JSON carries as text (a date stays text, as the database driver gives it). */
const TIMESTAMPS = ['created_at', 'updated_at', 'password_changed_at'];

/**
 * What loadAccount(personId, grantId) would give, from an account read along (accountAlongSql): `{ account }`, the
 * account undefined for nobody or a person who is gone; undefined when the value does not answer that (another
 * person, a grant it was not read for, or no value).
 */
export function accountFromAlong(
  value: unknown,
  personId: string,
  grantId: string | undefined,
): { account: LoadedAccount | undefined } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const along = value as {
    person_id?: unknown;
    grant_ids?: unknown;
    person?: unknown;
    identities?: unknown;
    grants?: unknown;
  };
  if (along.person_id !== personId) return undefined;
  if (grantId !== undefined && !(Array.isArray(along.grant_ids) && along.grant_ids.includes(grantId))) return undefined;
  if (!along.person || typeof along.person !== 'object') return { account: undefined };
  const person = { ...(along.person as Record<string, unknown>) };
  for (const column of TIMESTAMPS) if (typeof person[column] === 'string') person[column] = new Date(person[column]);
  const grants = (along.grants && typeof along.grants === 'object' ? along.grants : {}) as Record<string, unknown>;
  const chosen = grantId === undefined ? undefined : grants[grantId];
  return {
    account: {
      person: person as Person,
      identities: identityRows(along.identities).map(toIdentityClaim),
      grantId,
      grantIdentityId: typeof chosen === 'string' ? chosen : undefined,
    },
  };
}

/** Everything the identity menu shows, in one query. */
export async function loadMenuAccount(db: Knex, personId: string, clientId: string): Promise<MenuAccount | undefined> {
  if (!isUuid(personId)) return undefined;
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

/** A person a login names, with the roles of their current identities (the sign-in form's: whether the identity menu follows, choice.ts menuFollowsSignIn). */
export type SignInPerson = Person & { identity_roles: string[] };

/** findPersonByLogin and the roles of the person's current identities, in one query. */
export async function findSignInPerson(db: Knex, login: string): Promise<SignInPerson | undefined> {
  const match = loginMatch(login);
  if (!match) return undefined;
  const { rows } = await prepared<{ rows: SignInPerson[] }>(
    db,
    `select persons.*, coalesce((select array_agg(i.role order by i.created_at) from identities i
       where i.person_id = persons.id and ${CURRENT}), '{}') as identity_roles
     from persons where ${match.where} order by ${LOGIN_ORDER} limit 1`,
    match.bindings,
  );
  const row = rows[0];
  return row && { ...row, identity_roles: Array.isArray(row.identity_roles) ? row.identity_roles : [] };
}
