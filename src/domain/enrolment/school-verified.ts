// Identities a school vouches for, arriving for an existing account: pushed by the school-affairs system (the person's
// national ID must be the pushed one) or proven with a school-issued verification credential (roster). One
// transaction each, audited; an identity the person already has is an answer, not a second copy.
import type { Knex } from 'knex';
import { recordAudit } from '../audit.ts';
import { addIdentity, currentIdentity } from '../identities/add-identity.ts';
import { linkGuardianFromRoster } from '../identities/guardians.ts';
import { lockedNationalIdIndex } from '../people/persons.ts';
import { rosterRowOf } from '../schools/import/accounts.ts';
import { type SelfKind, UNCONFIRMED } from './person-input.ts';
import { claimCredential } from './roster-credentials.ts';

/** A person as the school-affairs system pushes it: its identity part. */
export type PushedIdentity = {
  role: SelfKind;
  school_code: string;
  class?: string;
  seat?: number;
  student_number?: string;
};

export type AddResult = 'added' | 'exists' | 'mismatch';

/**
 * "變更酷課雲身分": their own unconfirmed identity of that kind at that school becomes active; otherwise the identity
 * is added. `nationalIdIndex` is the pushed national ID's lookup key.
 */
export async function addPushedIdentity(
  db: Knex,
  input: { personId: string; clientId: string; nationalIdIndex: string; identity: PushedIdentity },
): Promise<AddResult> {
  const p = input.identity;
  return db.transaction(async (trx): Promise<AddResult> => {
    if ((await lockedNationalIdIndex(trx, input.personId)) !== input.nationalIdIndex) return 'mismatch';
    const same = { person_id: input.personId, role: p.role, school_code: p.school_code };
    // One not ended yet is theirs (one ending with the semester no longer ends: the school says so); one ended before
    // is history, and the identity is added again.
    const current = await currentIdentity(trx, input.personId, p.role, p.school_code);
    if (current) {
      if (current.ended_at) await trx('identities').where({ id: current.id }).update({ ended_at: null });
      return 'exists';
    }
    const attributes = {
      ...(p.seat ? { seat: p.seat } : {}),
      ...(p.student_number ? { student_no: p.student_number } : {}),
    };
    const own = await trx('identities')
      .where({ ...same, status: UNCONFIRMED })
      .orderBy('created_at')
      .first('id', 'attributes');
    if (own) {
      await trx('identities')
        .where({ id: own.id })
        .update({
          status: 'active',
          source: 'sis',
          attributes: JSON.stringify({
            ...(own.attributes ?? {}),
            ...attributes,
            ...(p.class ? { class: p.class } : {}),
          }),
        });
      await recordAudit(trx, {
        actor: input.personId,
        action: 'identity.confirmed',
        subject: input.personId,
        detail: { identity: own.id, role: p.role, school: p.school_code, source: 'sis', client: input.clientId },
      });
      return 'added';
    }
    await addIdentity(trx, {
      personId: input.personId,
      schoolCode: p.school_code,
      role: p.role,
      classCode: p.class,
      attributes,
      source: 'sis',
      actor: input.personId,
    });
    await recordAudit(trx, {
      actor: input.clientId,
      action: 'sis.identity_added',
      subject: input.personId,
      detail: { role: p.role, school: p.school_code },
    });
    return 'added';
  });
}

/**
 * What redeeming a slip came to: `added`; `claimed` (someone claimed it first); `otherPerson` (the slip's roster row
 * names a national ID and the account holds another: the slip is someone else's).
 */
export type RosterClaim = 'added' | 'claimed' | 'otherPerson';

/** The national ID (blind index) the newest row of the school's roster a published slip stands for names, if any. */
async function slipNationalIdIndex(
  trx: Knex.Transaction,
  credential: { school_code: string; roster_key: string | null },
): Promise<string | null> {
  const row = credential.roster_key ? rosterRowOf(credential.roster_key) : undefined;
  if (!row) return null;
  const named = await trx(row.table)
    .where({ school_code: credential.school_code, ...row.where })
    .orderBy([
      { column: 'academic_year', order: 'desc' },
      { column: 'semester', order: 'desc' },
    ])
    .first('national_id_index');
  return named?.national_id_index ?? null;
}

/**
 * A slip whose roster row names a national ID is that person's: an account holding another national ID is refused
 * (`otherPerson`, audited without the national ID, nothing else written) — else whoever registered with someone else's
 * national ID would redeem a real slip of their own and be taken for that person's confirmed account by the next
 * roster naming them. The account that holds the row's national ID, or holds none, may add it; one that holds none
 * keeps holding none (the slip proves it holds the slip, not whose the ID is; the identity then vouches for no
 * national ID: people/confirmed-holder.ts). Undefined: the slip may be added.
 */
async function slipHolderCheck(
  trx: Knex.Transaction,
  credential: { school_code: string; roster_key: string | null; role: string },
  personId: string,
): Promise<'otherPerson' | undefined> {
  const named = await slipNationalIdIndex(trx, credential);
  if (!named) return undefined;
  const held = await lockedNationalIdIndex(trx, personId);
  if (!held || held === named) return undefined;
  await recordAudit(trx, {
    actor: personId,
    action: 'roster_credential.refused',
    subject: personId,
    detail: { school: credential.school_code, role: credential.role, reason: 'other_national_id' },
  });
  return 'otherPerson';
}

/**
 * Attaches a verified credential's identity to a person, in the caller's transaction: the credential is locked and
 * marked claimed, the identity added with `source: 'roster'` — unless it was claimed first, or (an existing account)
 * its roster row names another person's national ID than the account's (slipHolderCheck). An account registering
 * with the slip (`newAccount`) is not checked: the ID typed there is not compared with the row's (the registration
 * takes it off an unconfirmed holder when it is the row's: import/accounts.ts releaseUnconfirmedHolder), and the
 * identity vouches for the account's national ID only when the row names it (people/confirmed-holder.ts).
 */
export async function attachRosterIdentity(
  trx: Knex.Transaction,
  credentialId: string,
  personId: string,
  opts: { newAccount?: boolean } = {},
): Promise<RosterClaim> {
  const row = await trx('roster_credentials').where({ id: credentialId }).forUpdate().first();
  if (!row || row.claimed_by_person_id) return 'claimed';
  const refused = opts.newAccount ? undefined : await slipHolderCheck(trx, row, personId);
  if (refused) return refused;
  if (!(await claimCredential(trx, credentialId, personId))) return 'claimed';
  const attributes: Record<string, unknown> = {};
  if (row.seat !== null) attributes.seat = row.seat;
  if (row.student_no !== null) attributes.student_no = row.student_no;
  if (row.relationship) attributes.relationship = row.relationship;
  // The identity of the role at the school the person has already is the slip's (a parent's second child's slip,
  // say): kept current, not made twice.
  const had = await currentIdentity(trx, personId, row.role, row.school_code);
  if (had?.ended_at) await trx('identities').where({ id: had.id }).update({ ended_at: null });
  const identityId =
    had?.id ??
    (await addIdentity(trx, {
      personId,
      schoolCode: row.school_code,
      role: row.role,
      // A parent's slip carries the child's class; the parent's identity has none.
      classCode: row.role === 'parent' ? undefined : (row.class_code ?? undefined),
      attributes,
      source: 'roster',
      actor: personId,
    }));
  await trx('roster_credentials').where({ id: credentialId }).update({ identity_id: identityId });
  if (row.roster_key?.startsWith('student:')) {
    // The child's parents already on accounts are linked to them now.
    const parents: { claimed_by_person_id: string; relationship: string }[] = await trx('roster_credentials')
      .where({ school_code: row.school_code, role: 'parent', student_no: row.student_no })
      .whereNotNull('claimed_by_person_id')
      .whereNotNull('relationship')
      .select('claimed_by_person_id', 'relationship');
    for (const p of parents)
      await linkGuardianFromRoster(trx, {
        parentId: p.claimed_by_person_id,
        studentIdentityId: identityId,
        relationship: p.relationship,
        schoolCode: row.school_code,
        actor: personId,
      });
  }
  if (row.role === 'parent' && row.relationship && row.student_no) {
    // A parent from the roster: linked to the child once the child has an identity.
    const child = await trx('roster_credentials')
      .where({ school_code: row.school_code, roster_key: `student:${row.student_no}` })
      .whereNotNull('identity_id')
      .first('identity_id');
    if (child)
      await linkGuardianFromRoster(trx, {
        parentId: personId,
        studentIdentityId: child.identity_id,
        relationship: row.relationship,
        schoolCode: row.school_code,
        actor: personId,
      });
  }
  await recordAudit(trx, {
    actor: personId,
    action: 'roster_credential.claimed',
    subject: personId,
    detail: { identity: identityId, school: row.school_code, role: row.role, source: 'roster' },
  });
  return 'added';
}
