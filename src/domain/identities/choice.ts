// The chosen identity (seed 000 §4.2), every rule of it in one place: which identities a client accepts, when the
// person must choose, which entry the menu preselects, and which identity a grant carries.
import type { Knex } from 'knex';
import { prepared } from '../../platform/storage/prepared.ts';
import { acceptedBy, type IdentityClaim } from './identities.ts';

/**
 * The identity a grant carries: the one chosen for it while it is still accepted; with none chosen, the only accepted
 * one. One chosen and since ended (or no longer accepted) is never quietly replaced by another (a teacher's grant
 * would carry their school_admin identity): none, until the person chooses again at the menu.
 */
export function pickGrantIdentity(accepted: IdentityClaim[], chosenId: string | undefined): IdentityClaim | undefined {
  if (chosenId !== undefined) return accepted.find((i) => i.id === chosenId);
  return accepted.length === 1 ? accepted[0] : undefined;
}

/**
 * Whether the person must pick an identity for this client (several accepted, none chosen for the grant) or be told
 * none is accepted. `chosenId` is asked for only when it matters.
 */
export async function needsIdentityChoice(q: {
  identities: IdentityClaim[];
  allowedRoles: unknown;
  /** The scope asked for: a client that does not ask for the `identity` claim gets no identity, so no menu. */
  scope: string;
  /** Chosen earlier in this very sign-in (before a grant exists, for clients that still ask for consent). */
  picked?: string;
  chosenId: () => Promise<string | undefined>;
}): Promise<boolean> {
  const accepted = acceptedBy(q.identities, q.allowedRoles);
  // No identity at all (a general member) is fine for a client open to everyone; not for one limited to roles.
  if (accepted.length === 0) return Array.isArray(q.allowedRoles) && q.allowedRoles.length > 0;
  if (!q.scope.split(' ').includes('identity')) return false;
  if (q.picked && accepted.some((i) => i.id === q.picked)) return false;
  return !pickGrantIdentity(accepted, await q.chosenId());
}

/**
 * Whether a person signing in afresh (no earlier sign-in in this browser, so the grant will be a new one with no
 * identity chosen for it) will meet the identity menu, from the roles of their current identities: needsIdentityChoice
 * for that case, when the answer is yes (several identities the client accepts, and the client asks for the identity).
 */
export function menuFollowsSignIn(roles: string[], allowedRoles: unknown, scope: string): boolean {
  if (!scope.split(' ').includes('identity')) return false;
  return (
    acceptedBy(
      roles.map((role) => ({ role })),
      allowedRoles,
    ).length > 1
  );
}

/**
 * `identity_hint=<role>|<identity id>` (either part may be given alone) names an entry; the id as the client knows it
 * (`idOf`: its pairwise ids, for a pairwise client).
 */
function hinted(identities: IdentityClaim[], hint: unknown, idOf: (id: string) => string): IdentityClaim | undefined {
  if (typeof hint !== 'string' || hint.length > 100) return undefined;
  const [a, b] = hint.split('|');
  return identities.find((i) => idOf(i.id) === a || idOf(i.id) === b) ?? identities.find((i) => i.role === a);
}

/**
 * The menu's preselected entry: the hint, else the person's last choice for the client, else none (on a family's
 * shared computer the first entry may well be someone else's choice).
 */
export function preselected(
  accepted: IdentityClaim[],
  hint: unknown,
  remembered: string | undefined,
  idOf: (id: string) => string = (id) => id,
): IdentityClaim | undefined {
  return hinted(accepted, hint, idOf) ?? accepted.find((i) => i.id === remembered);
}

/** The identity chosen for a grant, as recorded (whether or not it is still active and accepted). */
export async function chosenIdentityId(
  db: Knex,
  personId: string,
  grantId: string | undefined,
): Promise<string | undefined> {
  if (!grantId) return undefined;
  const row = await db('grant_identities').where({ grant_id: grantId, person_id: personId }).first('identity_id');
  return row?.identity_id;
}

/** Records the identity chosen for a grant and remembers it as the person's choice for the client. */
export async function recordChoice(
  db: Knex,
  c: { personId: string; clientId: string; identityId: string; grantId?: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx('identity_choices')
      .insert({ person_id: c.personId, client_id: c.clientId, identity_id: c.identityId })
      .onConflict(['person_id', 'client_id'])
      .merge({ identity_id: c.identityId, updated_at: tx.fn.now() });
    if (c.grantId) {
      await tx('grant_identities')
        .insert({ grant_id: c.grantId, person_id: c.personId, client_id: c.clientId, identity_id: c.identityId })
        .onConflict('grant_id')
        .merge({ identity_id: c.identityId });
    }
  });
}

const CHOOSE_SQL = `
  with chosen as (
    select i.id, i.role from identities i
     where i.id = :identityId and i.person_id = :personId
       and i.status = 'active' and (i.ended_at is null or i.ended_at > now())
       and (cardinality(:roles::text[]) = 0 or i.role = any(:roles::text[]))
  ), remembered as (
    insert into identity_choices (person_id, client_id, identity_id)
    select :personId, :clientId, id from chosen
    on conflict (person_id, client_id) do update set identity_id = excluded.identity_id, updated_at = now()
  ), granted as (
    insert into grant_identities (grant_id, person_id, client_id, identity_id)
    select :grantId, :personId, :clientId, id from chosen where :grantId::text is not null
    on conflict (grant_id) do update set identity_id = excluded.identity_id
  ), audited as (
    insert into audit_events (actor, action, subject, detail)
    select :personId, 'identity.chosen', :personId,
           json_build_object('client', :clientId::text, 'identity', id, 'role', role)
      from chosen
  )
  select id, role from chosen`;

/**
 * The person's choice on the identity menu, in one statement (so all or nothing): if the identity is theirs, current
 * and accepted by the client (`allowedRoles`, none meaning every role), it is remembered for the client, recorded for
 * the grant and audited; else nothing is written and the answer is undefined.
 */
export async function chooseIdentity(
  db: Knex,
  c: { personId: string; clientId: string; identityId: string; grantId?: string; allowedRoles: unknown },
): Promise<{ id: string; role: string } | undefined> {
  const roles = Array.isArray(c.allowedRoles) ? c.allowedRoles.filter((r) => typeof r === 'string') : [];
  const { rows } = (await prepared(db, CHOOSE_SQL, {
    identityId: c.identityId,
    personId: c.personId,
    clientId: c.clientId,
    grantId: c.grantId ?? null,
    roles,
  })) as { rows: Array<{ id: string; role: string }> };
  return rows[0];
}
