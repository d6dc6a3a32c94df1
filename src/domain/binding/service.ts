// Parent-child binding (親子綁定, seed 002): applications from a parent's verified contact, the review by the
// student's homeroom teacher or the school, and what an approval makes (the parent's account if needed, a parent
// identity at the child's school, the guardian link). Every change is one transaction and audited.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Locale } from '../../platform/i18n/index.ts';
import type { Keyring } from '../../platform/keyring.ts';
import { recordAudit } from '../audit.ts';
import { createAccount, isUniqueViolation } from '../enrolment/accounts.ts';
import { addIdentity, currentIdentity } from '../identities/add-identity.ts';
import { enqueueMessage } from '../outbox/outbox.ts';
import { vouchedBySchool } from '../people/confirmed-holder.ts';
import { notEnded } from '../people/current-identity.ts';
import { maskEmail, maskMobile, maskName } from '../people/masks.ts';
import { normaliseNationalId } from '../people/national-id.ts';
import { maskedNationalId, nationalIdIndex, sealNationalId } from '../people/national-id-store.ts';
import { type PasswordLinks, WELCOME_LINK_TTL_SECONDS } from '../people/password-links.ts';
import type { Passwords } from '../people/passwords.ts';
import {
  emailHeld,
  findByVerifiedContact,
  findPersonById,
  findPersonIdByNationalIdIndex,
  lockContactValues,
  mobileHeld,
} from '../people/persons.ts';
import { currentCode, findCode, homeroomStudents, issueCode, useCode } from './codes.ts';
import { decisionMessage } from './messages.ts';
import { LEGAL_REPRESENTATIVES, type Relationship } from './relationships.ts';
import { matchesRoster } from './roster-guardians.ts';
import { findStudents, type StudentMatch, type StudentQuery, studentByIdentity } from './students.ts';

export type Contact = { kind: 'email' | 'mobile'; value: string };
/** `revoked`: approved, and its guardian link later ended by a reviewer. */
export type ApplicationStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'revoked';

/**
 * Who reviews: the person, and whether as an administrator (a school's or the bureau's). A homeroom teacher's own
 * class is theirs with the password; the administrators' reach only after a sign-in with a second factor (the review
 * pages decide that), since an approval gives a parent a child's data in every app.
 */
export type Reviewer = { personId: string; asAdministrator: boolean };

/** A student the parent verified (step 1), kept in the binding session until the application is sent. */
export type DraftStudent = {
  identityId: string;
  /** A binding code the school handed out for this student: the application is approved at once. */
  codeId?: string;
  relationship: Relationship;
  maskedName: string;
  school: { code: string; name: string };
};

/** The parent (step 3): an account that already holds the national ID, or the data of a new one. */
export type ParentData =
  | { nationalId: string; personId: string }
  | {
      nationalId: string;
      personId?: undefined;
      name: string;
      email: string;
      mobile?: string;
      /**
       * A school-affairs push whose parent's national ID an account holds that no school source confirmed: the
       * application is the school's data (never that account's), and waits for review (#confirmedHolder).
       */
      unconfirmedHolder?: string;
    };

export type Signature = { name: string; at: string; address: string; userAgent: string; sha256: string };

export type SubmitProblem =
  | 'emailTaken'
  | 'emailPending'
  | 'emailApplied'
  | 'mobileTaken'
  | 'alreadyBound'
  | 'relationshipTaken'
  | 'alreadyApplied'
  | 'studentAccount'
  | 'selfBinding'
  | 'studentGone'
  | 'codeUsed';
export type SubmitResult =
  | {
      ok: true;
      ids: string[];
      approved: string[];
      matches?: {
        id: string;
        identityId: string;
        school: string;
        relationship: string;
        name: string;
        mobile: string | null;
      }[];
    }
  | { ok: false; problem: SubmitProblem; student?: string };

/** Thrown inside an approval that finds it must make an account after all (see approve). */
class AccountNeeded extends Error {}

/** A new parent's account, should the approval make one: its id, and the welcome link issued for it beforehand. */
type NewParentAccount = { personId: string; needed: boolean; welcome?: string };

/** A guardian link the school-affairs system pushes. */
type Push = {
  actor: string;
  student: DraftStudent;
  relationship: Relationship;
  parent: { nationalId: string; name: string; email?: string; mobile?: string };
  verified: boolean;
};
type PushResult =
  | { ok: true; id: string; status: ApplicationStatus }
  | { ok: false; problem: SubmitProblem | 'email_needed' };

/**
 * One parent at a time, named by the national ID's blind index: approvals (and verified pushes) of applications of the
 * same parent wait for each other until the transaction ends, so the second finds the account, the parent identity at
 * the school and the links the first made, instead of making them again or failing on them.
 */
async function lockParent(trx: Knex.Transaction, nationalIdIndex: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`binding-parent:${nationalIdIndex}`]);
}

/** Another account took the new parent's email meanwhile (the one unique clash that is an answer, not a race lost). */
const isEmailClash = (err: unknown) =>
  isUniqueViolation(err) && (err as { constraint?: string }).constraint === 'persons_email_key';

/** What a parent (or the school-affairs system) sends. */
type Submission = {
  contact: Contact;
  students: DraftStudent[];
  parent: ParentData;
  /** None when the school-affairs system pushed it (the school vouches). */
  signature: Signature | null;
  source?: 'parent' | 'sis';
};

/** Thrown inside a submit's transaction so that nothing of it stays. */
class Refused extends Error {
  readonly result: Extract<SubmitResult, { ok: false }>;
  constructor(result: Extract<SubmitResult, { ok: false }>) {
    super(result.problem);
    this.result = result;
  }
}

export type ExistingParent = {
  personId: string;
  maskedName: string;
  maskedEmail?: string;
  maskedMobile?: string;
  isStudent: boolean;
};

/** One application as the parent's status page, the reviewer, the CLI and the PDF see it. */
export type ApplicationView = {
  id: string;
  status: ApplicationStatus;
  reason: string | null;
  relationship: Relationship;
  studentName: string;
  school: { code: string; name: string };
  className: string | null;
  parent: { name: string; nationalId: string; email?: string; mobile?: string };
  signedAt: Date | null;
  signature: Signature | null;
  source: string;
  createdAt: Date;
  decidedAt: Date | null;
  /** For the reviewer: every open guardian link of the student (their father and mother, guardians). */
  links?: StudentLink[];
  /** For the reviewer: the student has another father (or mother, as applied for) bound; the approval is refused. */
  relationshipTaken?: boolean;
  /** For the reviewer: an account nobody proved to be this applicant's holds the national ID; the approval is refused. */
  identityConflict?: IdentityConflictKind;
};

export type DecisionResult =
  | { ok: true }
  | { ok: false; reason: 'not_pending' | 'email_taken' | 'relationship_taken' | 'not_found' };
/**
 * A reviewer's approval: `identity_conflict` when the parent's national ID is held by an account nobody proved to be
 * this applicant's (made after the application was sent, or one no school source confirmed: see #confirmedHolder).
 */
export type ApprovalResult = DecisionResult | { ok: false; reason: 'identity_conflict' };

/** The operators' approval (CLI) meets an identity conflict: thrown, its message the operator's. */
export class IdentityConflict extends Error {
  constructor() {
    super(
      "another account holds the parent's national ID, and nobody proved it is this applicant's: nothing was linked; ask the parent to apply again proving that account (its password), or decline",
    );
  }
}

/** Why an account holding the applicant's national ID is not linked: made after the application, or never confirmed. */
export type IdentityConflictKind = 'later' | 'unconfirmed';

/** A guardian link a student has now, as the reviewer sees it (whoever made it: a binding, the roster, the school). */
export type StudentLink = { relationship: Relationship; parentName: string; parentId: string; since: Date | null };

type Row = {
  id: string;
  status: ApplicationStatus;
  reason: string | null;
  relationship: Relationship;
  contact_kind: Contact['kind'];
  contact: string;
  student_identity_id: string;
  school_code: string;
  school_name: string;
  class_name: string | null;
  student_name: string;
  parent_person_id: string | null;
  parent_name: string;
  parent_email: string | null;
  parent_mobile: string | null;
  parent_national_id_sealed: string;
  parent_national_id_index: string;
  signature: Signature | string | null;
  source: string;
  created_at: Date;
  decided_at: Date | null;
};

/** An account that holds an application's national ID, as an approval judges it. */
type Holder = {
  id: string;
  created_at: Date;
  email: string | null;
  email_verified: boolean;
  mobile: string | null;
  mobile_verified: boolean;
};
const HOLDER_COLUMNS = ['id', 'created_at', 'email', 'email_verified', 'mobile', 'mobile_verified'] as const;

/**
 * Whether the account holding the ID proved (verified) the very contact the application was made with: the same person
 * — as when this parent's approval of another child made the account from an application sent with the same code.
 * An account someone registered with the ID cannot have proved the parent's own email or mobile number.
 */
const provedContact = (h: Holder, row: Pick<Row, 'contact_kind' | 'contact'>): boolean =>
  row.contact_kind === 'email'
    ? h.email_verified && h.email?.toLowerCase() === row.contact.toLowerCase()
    : h.mobile_verified && h.mobile === row.contact;

const OPEN_LINK = (db: Knex) => db('guardian_links').whereNotNull('approved_at').whereNull('ended_at');

/**
 * A student has one father and one mother (the legal representatives, seed 002 step 2; guardians may be several): the
 * open link of this relationship another parent holds, if the relationship is one of those.
 */
async function legalTaken(
  db: Knex,
  q: { studentIdentityId: string; relationship: Relationship; parentPersonId?: string | null },
): Promise<boolean> {
  if (!(LEGAL_REPRESENTATIVES as readonly string[]).includes(q.relationship)) return false;
  const link = OPEN_LINK(db).where({ student_identity_id: q.studentIdentityId, relationship: q.relationship });
  if (q.parentPersonId) link.whereNot({ parent_person_id: q.parentPersonId });
  return !!(await link.first('id'));
}

export class Binding {
  readonly #db: Knex;
  readonly #keyring: Keyring;
  readonly #passwords: Passwords;
  readonly #links: PasswordLinks;
  readonly #issuer: string;
  readonly #defaultPassword: boolean;

  constructor(deps: {
    db: Knex;
    keyring: Keyring;
    passwords: Passwords;
    passwordLinks: PasswordLinks;
    issuer: string;
    defaultPassword: boolean;
  }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
    this.#passwords = deps.passwords;
    this.#links = deps.passwordLinks;
    this.#issuer = deps.issuer;
    this.#defaultPassword = deps.defaultPassword;
  }

  findStudents(q: StudentQuery): Promise<StudentMatch[]> {
    return findStudents(this.#db, this.#keyring, q);
  }

  /**
   * Which of these students (identity ids) the parent is bound to already (an open guardian link), as far as the
   * binding pages know who the parent is before step 4 asks for their national ID: the account whose verified email
   * or mobile number the code went to, the account signed in on this browser (`personId`), and the links approvals
   * made from applications sent with this contact. Never anyone else's: whoever asks learns only of their own links.
   */
  async boundAlready(q: { contact: Contact; personId?: string }, identityIds: string[]): Promise<Set<string>> {
    if (!identityIds.length) return new Set();
    const owner = await findByVerifiedContact(this.#db, q.contact.kind, q.contact.value);
    const parents = [...new Set([owner?.id, q.personId].filter((id): id is string => !!id))];
    const rows: { student_identity_id: string }[] = await OPEN_LINK(this.#db)
      .whereIn('student_identity_id', [...new Set(identityIds)])
      .where((w) => {
        if (parents.length) w.whereIn('parent_person_id', parents);
        w.orWhereExists((e) =>
          e
            .select(this.#db.raw('1'))
            .from('binding_applications as a')
            .whereRaw('a.id = guardian_links.application_id')
            .where({ 'a.contact_kind': q.contact.kind, 'a.contact': q.contact.value }),
        );
      })
      .select('student_identity_id');
    return new Set(rows.map((r) => r.student_identity_id));
  }

  /** The account that holds this national ID, masked, or undefined (a new parent). */
  existingParent(nationalId: string): Promise<ExistingParent | undefined> {
    return this.#existingParent(this.#db, nationalId);
  }

  async #existingParent(db: Knex, nationalId: string): Promise<ExistingParent | undefined> {
    const index = nationalIdIndex(this.#keyring, nationalId);
    const personId = index && (await findPersonIdByNationalIdIndex(db, index));
    const person = personId ? await findPersonById(db, personId) : undefined;
    if (person?.status !== 'active') return undefined;
    const student = await db('identities').where({ person_id: person.id, role: 'student', status: 'active' }).first();
    return {
      personId: person.id,
      maskedName: maskName(person.name),
      maskedEmail: person.email ? maskEmail(person.email) : undefined,
      maskedMobile: person.mobile ? maskMobile(person.mobile) : undefined,
      isStudent: !!student,
    };
  }

  /** The active student identity a school system names: by national ID, or by school and student number. */
  async studentFor(q: {
    nationalId?: string;
    schoolCode?: string;
    studentNo?: string;
  }): Promise<DraftStudent | undefined> {
    const query = this.#db('identities as i')
      .join('persons as p', 'p.id', 'i.person_id')
      .join('schools as s', 's.code', 'i.school_code')
      .select('i.id', 'p.name', 's.code', 's.name as school_name')
      .where({ 'i.role': 'student', 'i.status': 'active', 'p.status': 'active' });
    if (q.nationalId) {
      const index = nationalIdIndex(this.#keyring, q.nationalId);
      if (!index) return undefined;
      query.where('p.national_id_index', index);
      if (q.schoolCode) query.where('i.school_code', q.schoolCode);
    } else if (q.schoolCode && q.studentNo) {
      query.where('i.school_code', q.schoolCode).whereRaw("i.attributes->>'student_no' = ?", [q.studentNo]);
    } else return undefined;
    const rows: { id: string; name: string; code: string; school_name: string }[] = await query.limit(2);
    if (rows.length !== 1) return undefined;
    const [r] = rows as [(typeof rows)[0]];
    return {
      identityId: r.id,
      relationship: 'other',
      maskedName: maskName(r.name),
      school: { code: r.code, name: r.school_name },
    };
  }

  /**
   * A guardian link the school-affairs system pushes: approved at once when the school verified it, else an
   * application for the homeroom teacher. The parent is named by national ID; a new parent needs an email (the login).
   * A verified push is one transaction, the application with its approval: refused, it leaves nothing behind.
   */
  async push(p: Push): Promise<PushResult> {
    const result = await this.#push(p);
    // The school is told an address that a waiting registration holds is taken, as any other held one.
    return !result.ok && result.problem === 'emailPending' ? { ok: false, problem: 'emailTaken' } : result;
  }

  async #push(p: Push): Promise<PushResult> {
    if (p.verified) return this.#pushApproved(p);
    const submission = await this.#pushSubmission(this.#db, p);
    if ('problem' in submission) return { ok: false, problem: submission.problem };
    const submitted = await this.submit(submission);
    if (!submitted.ok) return submitted;
    const [id] = submitted.ids as [string];
    // Approved already by the submission (a parent the school's roster names, where the school turned that on).
    return { ok: true, id, status: submitted.approved.includes(id) ? 'approved' : 'pending' };
  }

  /** What a push applies with, as the parent's account (if any) stands now in `db`. */
  async #pushSubmission(db: Knex, p: Push): Promise<Submission | { problem: 'email_needed' }> {
    const holder = await this.#existingParent(db, p.parent.nationalId);
    // An account that holds the ID is linked only when something besides its own word says it is this parent's.
    const existing =
      holder && (await this.#confirmedHolder(db, holder.personId, { ...p.student, relationship: p.relationship }))
        ? holder
        : undefined;
    if (holder && !existing) {
      // The school's data only: nothing of that account's (its address, its number) is used or told anything.
      if (!p.parent.email) return { problem: 'email_needed' };
      return {
        contact: { kind: 'email', value: p.parent.email.toLowerCase() },
        students: [{ ...p.student, relationship: p.relationship }],
        parent: {
          nationalId: p.parent.nationalId,
          name: p.parent.name,
          email: p.parent.email.toLowerCase(),
          mobile: p.parent.mobile,
          unconfirmedHolder: holder.personId,
        },
        signature: null,
        source: 'sis',
      };
    }
    const person = existing && (await findPersonById(db, existing.personId));
    // Whom the decision is told: the address the school gave, else the parent's own on file.
    const email = p.parent.email?.toLowerCase() ?? person?.email ?? undefined;
    const mobile = p.parent.mobile ?? person?.mobile ?? undefined;
    if (!existing && !p.parent.email) return { problem: 'email_needed' };
    if (!email && !mobile) return { problem: 'email_needed' };
    const contact: Contact = email ? { kind: 'email', value: email } : { kind: 'mobile', value: mobile! };
    return {
      contact,
      students: [{ ...p.student, relationship: p.relationship }],
      parent: existing
        ? { nationalId: p.parent.nationalId, personId: existing.personId }
        : { nationalId: p.parent.nationalId, name: p.parent.name, email: p.parent.email!, mobile: p.parent.mobile },
      signature: null,
      source: 'sis',
    };
  }

  /**
   * Whether the account holding a pushed parent's national ID is confirmed to be that parent's, beyond its holder's own
   * word (registration stores a typed national ID unchecked). Confirmed: the person holds an identity a school source
   * gave (`sis`, `roster`, `bureau`), or one an approved binding made (`binding`: the account was made from an approved
   * application, or proved with its password at step 4 and approved by a reviewer), whatever its status now; or the
   * school's roster names the person (their name and their proven mobile number) as this guardian of the student.
   */
  async #confirmedHolder(
    db: Knex,
    personId: string,
    student: { identityId: string; school: { code: string }; relationship: Relationship },
  ): Promise<boolean> {
    // The same rule as the roster's publishing (people/confirmed-holder.ts): a roster identity vouches for the account's
    // national ID only when its slip's roster row names that ID.
    if ((await vouchedBySchool(db, [personId])).has(personId)) return true;
    const person = await findPersonById(db, personId);
    if (!person?.mobile || !person.mobile_verified) return false;
    const named = await db('roster_guardians')
      .where({
        student_identity_id: student.identityId,
        school_code: student.school.code,
        mobile: person.mobile,
        relationship: student.relationship,
      })
      .where('name', person.name.trim())
      .first();
    return !!named;
  }

  /**
   * A verified push: under the parent's lock, so that pushes of one parent's children at once find the account and the
   * parent identity the first one made (not a second account, nor "email taken"), and a repeated push finds the link
   * approved (already bound).
   */
  async #pushApproved(p: Push, accountNeeded?: boolean, attempt = 0): Promise<PushResult> {
    const index = sealNationalId(this.#keyring, p.parent.nationalId).index;
    const account = await this.#newParentAccount(
      accountNeeded ?? !(await findPersonIdByNationalIdIndex(this.#db, index)),
    );
    try {
      return await this.#db.transaction(async (trx): Promise<PushResult> => {
        await lockParent(trx, index);
        const submission = await this.#pushSubmission(trx, p);
        if ('problem' in submission) return { ok: false, problem: submission.problem };
        const submitted = await this.#submitIn(trx, submission);
        if (!submitted.ok) return submitted;
        const [id] = submitted.ids as [string];
        // An account nobody confirmed holds the ID: not linked, however verified the push; the reviewer sees why.
        if (submission.parent.personId === undefined && submission.parent.unconfirmedHolder) {
          await this.#auditConflict(trx, { actor: p.actor, id, school: p.student.school.code, kind: 'unconfirmed' });
          return { ok: true, id, status: 'pending' };
        }
        const [match] = submitted.matches ?? [];
        // The school's roster names the parent, where the school approves such at once: approved as by the roster.
        const byRoster =
          !!match &&
          (await matchesRoster(trx, { studentIdentityId: match.identityId, schoolCode: match.school, ...match }));
        const approved = await this.#approveIn(trx, id, byRoster ? 'roster-match' : p.actor, account);
        // An account holds the ID that the push could not name (one not active): the application waits for review.
        if (!approved.ok && approved.reason === 'identity_conflict') return { ok: true, id, status: 'pending' };
        if (!approved.ok)
          throw new Refused({
            ok: false,
            problem:
              approved.reason === 'email_taken'
                ? 'emailTaken'
                : approved.reason === 'relationship_taken'
                  ? 'relationshipTaken'
                  : 'alreadyApplied',
          });
        return { ok: true, id, status: 'approved' };
      });
    } catch (err) {
      if (err instanceof Refused) return err.result;
      if (err instanceof AccountNeeded) return this.#pushApproved(p, true, attempt);
      if (isEmailClash(err)) return { ok: false, problem: 'emailTaken' };
      // Lost a race the parent's lock does not cover (a teacher's submission for the same student, a mobile number
      // taken meanwhile): once more, seeing what won.
      if (isUniqueViolation(err) && attempt < 2) return this.#pushApproved(p, undefined, attempt + 1);
      throw err;
    }
  }

  /** A student's guardian links and open applications, for the school-affairs system. */
  async linksOf(studentIdentityId: string) {
    const links: {
      relationship: string;
      approved_at: Date;
      name: string;
      sealed: string | null;
      ended_at: Date | null;
    }[] = await this.#db('guardian_links as g')
      .join('persons as p', 'p.id', 'g.parent_person_id')
      .select('g.relationship', 'g.approved_at', 'g.ended_at', 'p.name', 'p.national_id_sealed as sealed')
      .where('g.student_identity_id', studentIdentityId)
      .whereNotNull('g.approved_at')
      .orderBy('g.approved_at');
    const pending: Row[] = await this.#query()
      .where({ 'a.student_identity_id': studentIdentityId, 'a.status': 'pending' })
      .orderBy('a.created_at');
    return [
      ...links.map((l) => ({
        status: l.ended_at ? ('ended' as const) : ('approved' as const),
        relationship: l.relationship,
        parent: { name: l.name, national_id: maskedNationalId(this.#keyring, l.sealed) ?? null },
        since: l.approved_at.toISOString(),
      })),
      ...pending.map((r) => ({
        status: 'pending' as const,
        relationship: r.relationship,
        parent: {
          name: r.parent_name,
          national_id: maskedNationalId(this.#keyring, r.parent_national_id_sealed) ?? null,
        },
        since: r.created_at.toISOString(),
      })),
    ];
  }

  /** Sends the application: one row per student, all or none (seed 002 step 4, "送出資料"). */
  async submit(c: Submission): Promise<SubmitResult> {
    let result: SubmitResult;
    try {
      result = await this.#db.transaction((trx) => this.#submitIn(trx, c));
    } catch (err) {
      if (err instanceof Refused) return err.result;
      // A second submit racing the first: its rows are there now.
      if (isUniqueViolation(err)) return { ok: false, problem: 'alreadyApplied' };
      throw err;
    }
    if (!result.ok) return result;
    // A school's binding code approves at once, and so does a parent the school's roster names, where the school
    // asked for it (each its own transaction: the application stands either way).
    for (const id of result.approved) await this.#approve(id, 'binding-code');
    for (const m of result.matches ?? []) {
      const match = { studentIdentityId: m.identityId, schoolCode: m.school, ...m };
      if ((await matchesRoster(this.#db, match)) && (await this.#approve(m.id, 'roster-match')).ok)
        result.approved.push(m.id);
    }
    const { matches: _, ...answer } = result;
    return answer;
  }

  /** The submission's rows in `trx`; a refusal once something is written throws (Refused), so that nothing stays. */
  async #submitIn(trx: Knex.Transaction, c: Submission): Promise<SubmitResult> {
    const nationalId = normaliseNationalId(c.parent.nationalId);
    const sealed = sealNationalId(this.#keyring, nationalId);
    let parent: { personId?: string; name: string; email: string | null; mobile: string | null };
    // The mobile number a roster match may rely on: one this parent proved (the code's contact, or their
    // account's verified number), never one merely typed.
    let provenMobile: string | null;
    const given = c.parent;
    if (given.personId !== undefined) {
      const person = await findPersonById(trx, given.personId);
      if (!person || person.national_id_index !== sealed.index) return { ok: false, problem: 'studentGone' };
      const student = await trx('identities')
        .where({ person_id: person.id, role: 'student', status: 'active' })
        .first();
      if (student) return { ok: false, problem: 'studentAccount' };
      parent = { personId: person.id, name: person.name, email: person.email, mobile: person.mobile };
      provenMobile = person.mobile_verified ? person.mobile : null;
    } else {
      const email = given.email.toLowerCase();
      // Held by an account (seed 002 FAQ Q2) — but for the unconfirmed account that holds the pushed ID itself: the
      // application waits for review all the same (an approval never takes an address an account holds). Held by a
      // registration still waiting for its activation link: refused too (if it is the parent's own, they activate it
      // and apply with it), unless the parent proved the address with the code — a waiting registration holds it for
      // nobody, and the approval makes it the parent's (#approveIn).
      const held = await emailHeld(trx, email);
      const proved = c.source !== 'sis' && c.contact.kind === 'email' && c.contact.value.toLowerCase() === email;
      const byHolder =
        !!given.unconfirmedHolder &&
        (await trx('persons').whereRaw('lower(email) = ?', [email]).first('id'))?.id === given.unconfirmedHolder;
      if (held === 'account' && !byHolder) return { ok: false, problem: 'emailTaken' };
      if (held === 'pending' && !byHolder && !proved) return { ok: false, problem: 'emailPending' };
      // A parent's own number that is another account's (a school's push keeps it as a contact phone only).
      if (c.source !== 'sis' && given.mobile && (await mobileHeld(trx, given.mobile)))
        return { ok: false, problem: 'mobileTaken' };
      // Another parent's applications use this address (seed 002 FAQ Q3).
      const other = await trx('binding_applications')
        .whereRaw('lower(parent_email) = ?', [email])
        .whereNot({ parent_national_id_index: sealed.index })
        .whereIn('status', ['pending', 'approved'])
        .first();
      if (other) return { ok: false, problem: 'emailApplied' };
      parent = { name: given.name, email, mobile: given.mobile ?? null };
      provenMobile = c.contact.kind === 'mobile' && c.contact.value === given.mobile ? given.mobile : null;
    }
    const ids: string[] = [];
    const byCode: string[] = [];
    const matches: NonNullable<Extract<SubmitResult, { ok: true }>['matches']> = [];
    for (const s of c.students) {
      const student = await studentByIdentity(trx, s.identityId);
      if (!student) throw new Refused({ ok: false, problem: 'studentGone', student: s.maskedName });
      if (student.nationalIdIndex === sealed.index) throw new Refused({ ok: false, problem: 'selfBinding' });
      if (parent.personId) {
        const link = await OPEN_LINK(trx)
          .where({ parent_person_id: parent.personId, student_identity_id: s.identityId })
          .first();
        if (link) throw new Refused({ ok: false, problem: 'alreadyBound', student: s.maskedName });
      }
      // The child has a father (or mother) bound already (seed 002 FAQ Q4, "已綁定過親子關係").
      if (
        await legalTaken(trx, {
          studentIdentityId: s.identityId,
          relationship: s.relationship,
          parentPersonId: parent.personId,
        })
      )
        throw new Refused({ ok: false, problem: 'relationshipTaken', student: s.maskedName });
      const open = await trx('binding_applications')
        .where({ student_identity_id: s.identityId, parent_national_id_index: sealed.index })
        .whereIn('status', ['pending', 'approved'])
        .first();
      if (open?.status === 'approved') throw new Refused({ ok: false, problem: 'alreadyBound', student: s.maskedName });
      if (open) throw new Refused({ ok: false, problem: 'alreadyApplied', student: s.maskedName });
      const id = crypto.randomUUID();
      await trx('binding_applications').insert({
        id,
        contact_kind: c.contact.kind,
        contact: c.contact.value,
        relationship: s.relationship,
        student_identity_id: s.identityId,
        school_code: student.schoolCode,
        parent_person_id: parent.personId ?? null,
        parent_name: parent.name,
        parent_email: parent.email,
        parent_mobile: parent.mobile,
        parent_national_id_sealed: sealed.sealed,
        parent_national_id_index: sealed.index,
        signature: c.signature ? JSON.stringify(c.signature) : null,
        source: c.source ?? 'parent',
      });
      await recordAudit(trx, {
        actor: c.source === 'sis' ? 'sis' : (parent.personId ?? `binding:${c.contact.kind}`),
        action: 'binding.applied',
        subject: student.personId,
        detail: { application: id, school: student.schoolCode, relationship: s.relationship },
      });
      if (s.codeId && !(await useCode(trx, s.codeId, s.identityId, id)))
        throw new Refused({ ok: false, problem: 'codeUsed', student: s.maskedName });
      ids.push(id);
      if (s.codeId) byCode.push(id);
      else
        matches.push({
          id,
          identityId: s.identityId,
          school: student.schoolCode,
          relationship: s.relationship,
          name: parent.name,
          mobile: provenMobile,
        });
    }
    return { ok: true, ids, approved: byCode, matches };
  }

  /** Students of the reviewer's homeroom classes, for printing binding codes. */
  homeroomStudents(reviewer: string) {
    return homeroomStudents(this.#db, reviewer);
  }

  /** A new code for the student (any that still works stops now). */
  issueCode(reviewer: string, identityId: string) {
    return issueCode(this.#db, this.#keyring, { reviewer, identityId });
  }

  /** The student's code that still works, to show again; undefined when the reviewer prints none for them. */
  currentCode(reviewer: string, identityId: string) {
    return currentCode(this.#db, this.#keyring, { reviewer, identityId });
  }

  findCode(code: string) {
    return findCode(this.#db, this.#keyring, code);
  }

  #query(db: Knex = this.#db) {
    return db('binding_applications as a')
      .join('identities as si', 'si.id', 'a.student_identity_id')
      .join('persons as sp', 'sp.id', 'si.person_id')
      .join('schools as s', 's.code', 'a.school_code')
      .leftJoin('classes as c', 'c.id', 'si.class_id')
      .select('a.*', 's.name as school_name', 'c.name as class_name', 'sp.name as student_name');
  }

  /**
   * `masked` for the parent's pages, the PDF and the CLI; `reviewer` for the student's homeroom teacher and the school,
   * who judge who applies: the names, the email and the mobile in full (to compare with the school's records, to
   * call the parent), the national ID masked all the same.
   */
  #view(r: Row, as: 'masked' | 'reviewer' = 'masked'): ApplicationView {
    const full = as === 'reviewer';
    const signature = typeof r.signature === 'string' ? (JSON.parse(r.signature) as Signature) : r.signature;
    return {
      id: r.id,
      status: r.status,
      reason: r.reason,
      relationship: r.relationship,
      studentName: full ? r.student_name : maskName(r.student_name),
      school: { code: r.school_code, name: r.school_name },
      className: r.class_name,
      parent: {
        name: full ? r.parent_name : maskName(r.parent_name),
        nationalId: maskedNationalId(this.#keyring, r.parent_national_id_sealed) ?? '',
        email: r.parent_email ? (full ? r.parent_email : maskEmail(r.parent_email)) : undefined,
        mobile: r.parent_mobile ? (full ? r.parent_mobile : maskMobile(r.parent_mobile)) : undefined,
      },
      signedAt: signature ? new Date(signature.at) : null,
      signature,
      source: r.source,
      createdAt: r.created_at,
      decidedAt: r.decided_at,
    };
  }

  /**
   * The applications a proven contact may see: made with it (step 1's code), or naming it as the parent's email or
   * mobile (step 4), as the status page promises ("verify the mobile or email you filled in again").
   */
  #ofContact(query: Knex.QueryBuilder, contact: Contact): Knex.QueryBuilder {
    return query.where((w) => {
      w.where({ 'a.contact_kind': contact.kind, 'a.contact': contact.value });
      if (contact.kind === 'email') w.orWhereRaw('lower(a.parent_email) = ?', [contact.value.toLowerCase()]);
      else w.orWhere('a.parent_mobile', contact.value);
    });
  }

  /** The parent's status page: every application from this contact but the withdrawn ones, newest first. */
  async statusFor(contact: Contact): Promise<ApplicationView[]> {
    const rows: Row[] = await this.#ofContact(this.#query(), contact)
      .whereNot('a.status', 'withdrawn')
      .orderBy('a.created_at', 'desc');
    return rows.map((r) => this.#view(r));
  }

  async forContact(contact: Contact, id: string): Promise<ApplicationView | undefined> {
    const row: Row | undefined = await this.#ofContact(this.#query().where({ 'a.id': id }), contact)
      .whereNot('a.status', 'withdrawn')
      .first();
    return row && this.#view(row);
  }

  /** The bin beside a pending application: withdrawn (kept for the record, no longer shown). */
  async cancel(contact: Contact, id: string): Promise<boolean> {
    return this.#db.transaction(async (trx) => {
      const n = await this.#ofContact(
        trx('binding_applications as a').where({ 'a.id': id, 'a.status': 'pending' }),
        contact,
      ).update({ status: 'withdrawn', updated_at: trx.fn.now() });
      if (n) await recordAudit(trx, { actor: `binding:${contact.kind}`, action: 'binding.cancelled', subject: id });
      return n > 0;
    });
  }

  /**
   * What "註銷全部紀錄" withdraws: the pending and rejected applications made with this contact (step 1's code), not
   * those that only name it in step 4. Approved ones (and ended ones) are never touched: their bindings stay.
   */
  #withdrawable(query: Knex.QueryBuilder, contact: Contact): Knex.QueryBuilder {
    return query
      .where({ 'a.contact_kind': contact.kind, 'a.contact': contact.value })
      .whereIn('a.status', ['pending', 'rejected']);
  }

  /** The applications "註銷全部紀錄" would withdraw now (its confirmation page lists them), newest first. */
  async withdrawable(contact: Contact): Promise<ApplicationView[]> {
    const rows: Row[] = await this.#withdrawable(this.#query(), contact).orderBy('a.created_at', 'desc');
    return rows.map((r) => this.#view(r));
  }

  /** "註銷全部紀錄": every pending and rejected application of this contact is withdrawn. */
  async withdrawAll(contact: Contact): Promise<number> {
    return this.#db.transaction(async (trx) => {
      const rows: { id: string }[] = await this.#withdrawable(trx('binding_applications as a'), contact)
        .update({ status: 'withdrawn', updated_at: trx.fn.now() })
        .returning('id');
      for (const r of rows) {
        await recordAudit(trx, { actor: `binding:${contact.kind}`, action: 'binding.withdrawn', subject: r.id });
      }
      return rows.length;
    });
  }

  /**
   * Where `reviewer` may decide: the homeroom teacher of the student's class; as an administrator (only when the
   * review pages say so: signed in with a second factor) the school's administrators and the bureau too.
   */
  #reviewable(q: Knex.QueryBuilder, reviewer: Reviewer) {
    return q.where((w) => {
      w.whereExists((e) =>
        e
          .select(this.#db.raw('1'))
          .from('identities as ti')
          .whereRaw('ti.id = c.homeroom_identity_id')
          .where({ 'ti.person_id': reviewer.personId, 'ti.role': 'teacher', 'ti.status': 'active' })
          .whereRaw(notEnded('ti')),
      );
      if (reviewer.asAdministrator)
        w.orWhereExists((e) =>
          e
            .select(this.#db.raw('1'))
            .from('identities as ai')
            .where({ 'ai.person_id': reviewer.personId, 'ai.status': 'active' })
            .whereRaw(notEnded('ai'))
            .where((r) =>
              r
                .where({ 'ai.role': 'bureau_admin' })
                .orWhere((x) => x.where({ 'ai.role': 'school_admin' }).whereRaw('ai.school_code = a.school_code')),
            ),
        );
    });
  }

  /** Whether this person reviews as a school's administrator or the bureau's (an active identity that has not ended). */
  async administers(personId: string): Promise<boolean> {
    const row = await this.#db('identities as i')
      .where({ 'i.person_id': personId, 'i.status': 'active' })
      .whereRaw(notEnded('i'))
      .whereIn('i.role', ['school_admin', 'bureau_admin'])
      .first();
    return !!row;
  }

  /** Whether this person is the homeroom teacher of a class (an active identity that has not ended). */
  async isHomeroomTeacher(personId: string): Promise<boolean> {
    const row = await this.#db('identities as i')
      .where({ 'i.person_id': personId, 'i.status': 'active', 'i.role': 'teacher' })
      .whereRaw(notEnded('i'))
      .whereExists((e) => e.select(this.#db.raw('1')).from('classes as c').whereRaw('c.homeroom_identity_id = i.id'))
      .first();
    return !!row;
  }

  /** Whether this person reviews anyone's applications (the link on the account pages). */
  async isReviewer(personId: string): Promise<boolean> {
    const row = await this.#db('identities as i')
      .where({ 'i.person_id': personId, 'i.status': 'active' })
      .whereRaw(notEnded('i'))
      .where((w) =>
        w
          .whereIn('i.role', ['school_admin', 'bureau_admin'])
          .orWhereExists((e) =>
            e.select(this.#db.raw('1')).from('classes as c').whereRaw('c.homeroom_identity_id = i.id'),
          ),
      )
      .first();
    return !!row;
  }

  /** The applications this reviewer decides, oldest first, as a reviewer sees them (who applies, in full). */
  async forReview(reviewer: Reviewer, status: ApplicationStatus = 'pending'): Promise<ApplicationView[]> {
    const rows: Row[] = await this.#reviewable(this.#query().where('a.status', status), reviewer).orderBy(
      'a.created_at',
    );
    const links = await this.#linksOfStudents(rows.map((r) => r.student_identity_id));
    const conflicts = await this.#identityConflicts(this.#db, rows);
    return rows.map((r) => {
      const of = links.get(r.student_identity_id) ?? [];
      const legal = (LEGAL_REPRESENTATIVES as readonly string[]).includes(r.relationship);
      const relationshipTaken =
        legal && of.some((l) => l.relationship === r.relationship && l.parentId !== r.parent_person_id);
      return { ...this.#view(r, 'reviewer'), links: of, relationshipTaken, identityConflict: conflicts.get(r.id) };
    });
  }

  /**
   * The pending applications naming no account whose national ID an account holds now (an approval would refuse
   * them): `later` when that account was made after the application was sent, else `unconfirmed`.
   */
  async #identityConflicts(db: Knex, rows: Row[]): Promise<Map<string, IdentityConflictKind>> {
    const open = rows.filter((r) => r.status === 'pending' && !r.parent_person_id);
    const conflicts = new Map<string, IdentityConflictKind>();
    if (!open.length) return conflicts;
    const holders: (Holder & { national_id_index: string })[] = await db('persons')
      .whereIn('national_id_index', [...new Set(open.map((r) => r.parent_national_id_index))])
      .whereNot({ status: 'pending' })
      .select('national_id_index', ...HOLDER_COLUMNS);
    const byIndex = new Map(holders.map((h) => [h.national_id_index, h]));
    for (const r of open) {
      const h = byIndex.get(r.parent_national_id_index);
      if (h && !provedContact(h, r))
        conflicts.set(r.id, new Date(h.created_at) > new Date(r.created_at) ? 'later' : 'unconfirmed');
    }
    return conflicts;
  }

  /** Every open guardian link of these students, wherever it came from (a binding, the roster, the school). */
  async #linksOfStudents(ids: string[]): Promise<Map<string, StudentLink[]>> {
    const byStudent = new Map<string, StudentLink[]>();
    if (!ids.length) return byStudent;
    const rows: {
      student_identity_id: string;
      relationship: Relationship;
      name: string;
      parent_person_id: string;
      approved_at: Date | null;
    }[] = await OPEN_LINK(this.#db)
      .join('persons as p', 'p.id', 'guardian_links.parent_person_id')
      .whereIn('guardian_links.student_identity_id', [...new Set(ids)])
      .select(
        'guardian_links.student_identity_id',
        'guardian_links.relationship',
        'guardian_links.parent_person_id',
        'p.name',
        'guardian_links.approved_at',
      )
      .orderBy('guardian_links.approved_at');
    for (const r of rows) {
      const list = byStudent.get(r.student_identity_id) ?? [];
      list.push({
        relationship: r.relationship,
        parentName: r.name,
        parentId: r.parent_person_id,
        since: r.approved_at,
      });
      byStudent.set(r.student_identity_id, list);
    }
    return byStudent;
  }

  /** One application this reviewer may decide, as a reviewer sees it, or undefined. */
  async reviewable(reviewer: Reviewer, id: string): Promise<ApplicationView | undefined> {
    const row: Row | undefined = await this.#reviewable(this.#query().where('a.id', id), reviewer).first();
    return row && this.#view(row, 'reviewer');
  }

  /** The operators' list (CLI): by school and status. */
  async list(q: { school: string; status?: ApplicationStatus }): Promise<ApplicationView[]> {
    const query = this.#query().where('a.school_code', q.school).orderBy('a.created_at');
    if (q.status) query.where('a.status', q.status);
    return ((await query) as Row[]).map((r) => this.#view(r));
  }

  /** Approves: the parent's account (made if needed), a parent identity at the school, the guardian link; the parent is told. */
  async approve(id: string, actor: string): Promise<DecisionResult> {
    const result = await this.#approve(id, actor);
    if (!result.ok && result.reason === 'identity_conflict') throw new IdentityConflict();
    return result;
  }

  /** A reviewer's approval (the review pages): as approve, an identity conflict answered rather than thrown. */
  approveReviewed(id: string, actor: string): Promise<ApprovalResult> {
    return this.#approve(id, actor);
  }

  async #approve(id: string, actor: string, accountNeeded?: boolean, attempt = 0): Promise<ApprovalResult> {
    const account = await this.#newParentAccount(accountNeeded ?? (await this.#accountNeeded(id)));
    try {
      return await this.#db.transaction((trx) => this.#approveIn(trx, id, actor, account));
    } catch (err) {
      if (err instanceof AccountNeeded) return this.#approve(id, actor, true, attempt);
      if (isEmailClash(err)) return { ok: false, reason: 'email_taken' };
      // Lost a race the parent's lock does not cover (a mobile number or national ID taken by another account
      // meanwhile): once more, seeing what won.
      if (isUniqueViolation(err) && attempt < 2) return this.#approve(id, actor, undefined, attempt + 1);
      throw err;
    }
  }

  /**
   * A new parent's welcome link names the account before it exists; it is issued only when one will be made (a parent
   * who got an account meanwhile is found again inside the transaction; one who lost it throws AccountNeeded, and the
   * approval starts over).
   */
  async #newParentAccount(needed: boolean): Promise<NewParentAccount> {
    const personId = crypto.randomUUID();
    const welcome =
      needed && !this.#defaultPassword
        ? await this.#links.issue({ personId, via: 'welcome', issuedAt: Date.now() }, WELCOME_LINK_TTL_SECONDS)
        : undefined;
    return { personId, needed, welcome };
  }

  async #approveIn(
    trx: Knex.Transaction,
    id: string,
    actor: string,
    account: NewParentAccount,
  ): Promise<ApprovalResult> {
    const row: Row | undefined = await this.#query(trx).where('a.id', id).forUpdate('a').first();
    if (!row) return { ok: false, reason: 'not_found' };
    if (row.status !== 'pending') return { ok: false, reason: 'not_pending' };
    await lockParent(trx, row.parent_national_id_index);
    // One student's approvals wait for each other too: two fathers approved at once cannot both find none.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [
      `binding-student:${row.student_identity_id}`,
    ]);
    // The account the application names (proved with its password at step 4, or one the school confirmed), never
    // merely whichever holds the national ID now: registration takes a typed ID unchecked, so an account made since
    // (or never confirmed) may be anyone's. Refused, with nothing written but the audit entry; the reviewer is told.
    let parentId: string | undefined = row.parent_person_id ?? undefined;
    if (!parentId) {
      const holder: Holder | undefined = await trx('persons')
        .where({ national_id_index: row.parent_national_id_index })
        .whereNot({ status: 'pending' })
        .first(...HOLDER_COLUMNS);
      // The account this parent's earlier approval made (another child's): it holds the very contact this
      // application proved with its code.
      if (holder && provedContact(holder, row)) parentId = holder.id;
      else if (holder) {
        const kind = new Date(holder.created_at) > new Date(row.created_at) ? 'later' : 'unconfirmed';
        await this.#auditConflict(trx, { actor, id, school: row.school_code, kind });
        return { ok: false, reason: 'identity_conflict' };
      }
    }
    // The child got a father (or mother) since the application was sent: refused, the reviewer is told why.
    if (
      await legalTaken(trx, {
        studentIdentityId: row.student_identity_id,
        relationship: row.relationship,
        parentPersonId: parentId,
      })
    )
      return { ok: false, reason: 'relationship_taken' };
    let made: 'link' | 'default' | undefined;
    if (!parentId) {
      if (!account.needed) throw new AccountNeeded();
      if (!row.parent_email) return { ok: false, reason: 'email_taken' };
      // The address becomes the new account's login: never one that an account holds. A registration still waiting
      // for its activation link holds it for nobody (README, Registration): the application named it first — step 4
      // refuses an address a waiting registration holds unless the parent proved it with the code — so the approval
      // takes it, and that registration's link then answers that the address has an account (claimPendingValues);
      // it can neither sign in with it (an account comes first) nor reset the parent's password (only a verified
      // address gets a reset mail, and only the one the parent proved is verified). Serialised with activations
      // (the same locks), so neither can take it while the other looks.
      await lockContactValues(trx, { email: row.parent_email, national_id_index: row.parent_national_id_index });
      if ((await emailHeld(trx, row.parent_email)) === 'account') return { ok: false, reason: 'email_taken' };
      const nationalId = normaliseNationalId(this.#keyring.open('national-id', row.parent_national_id_sealed));
      const verifiedEmail = row.contact_kind === 'email' && row.contact === row.parent_email.toLowerCase();
      const verifiedMobile = row.contact_kind === 'mobile' && row.contact === row.parent_mobile;
      const mobileFree = verifiedMobile && !(await trx('persons').where({ mobile: row.contact }).first());
      await createAccount(trx, {
        person: {
          id: account.personId,
          email: row.parent_email,
          emailVerified: verifiedEmail,
          mobile: mobileFree ? row.contact : undefined,
          // A number typed but not proved (or proved but someone's meanwhile) is kept as the account's contact phone
          // (as registration keeps its 聯絡電話): not a login, never texted; changed or removed at /account/contact-phone.
          contactPhone: !mobileFree && row.parent_mobile ? row.parent_mobile : undefined,
          name: row.parent_name,
          nationalId: { sealed: row.parent_national_id_sealed, index: row.parent_national_id_index },
          passwordHash: await this.#passwords.hash(
            this.#defaultPassword ? nationalId.slice(-6) : crypto.randomBytes(32).toString('base64url'),
          ),
          mustChangePassword: this.#defaultPassword,
        },
        actor,
        audit: { action: 'person.created', detail: { via: 'binding', application: id } },
      });
      parentId = account.personId;
      made = this.#defaultPassword ? 'default' : 'link';
    }
    // One parent identity at the school, whatever the number of children there: the one the parent has is kept
    // (approvals of one parent are serialised above, so two cannot both find none).
    // One ending with the semester (the parent's other children left) goes on with this child.
    const parentIdentity = await currentIdentity(trx, parentId, 'parent', row.school_code);
    if (parentIdentity?.ended_at) await trx('identities').where({ id: parentIdentity.id }).update({ ended_at: null });
    if (!parentIdentity) {
      await addIdentity(trx, {
        personId: parentId,
        schoolCode: row.school_code,
        role: 'parent',
        source: 'binding',
        actor,
      });
    }
    const [link] = await trx('guardian_links')
      .insert({
        id: crypto.randomUUID(),
        parent_person_id: parentId,
        student_identity_id: row.student_identity_id,
        relationship: row.relationship,
        approved_by: actor,
        approved_at: trx.fn.now(),
        application_id: id,
      })
      .onConflict(['parent_person_id', 'student_identity_id'])
      .merge({
        relationship: row.relationship,
        approved_by: actor,
        approved_at: trx.fn.now(),
        application_id: id,
        ended_at: null,
        ended_by: null,
        ended_reason: null,
      })
      .returning('id');
    await trx('binding_applications').where({ id }).update({
      status: 'approved',
      parent_person_id: parentId,
      guardian_link_id: link.id,
      decided_by: actor,
      decided_at: trx.fn.now(),
      updated_at: trx.fn.now(),
    });
    const parent = await findPersonById(trx, parentId);
    await recordAudit(trx, {
      actor,
      action: 'binding.approved',
      subject: parentId,
      detail: { application: id, link: link.id, school: row.school_code, account: made ?? 'existing' },
    });
    await enqueueMessage(
      trx,
      decisionMessage(this.#locale(parent?.locale), {
        to: this.#recipient(row),
        decision: 'approved',
        student: maskName(row.student_name),
        login: parent?.email ?? parent?.username ?? '',
        home: `${this.#issuer}/`,
        link: made === 'link' ? `${this.#issuer}/password/reset?token=${account.welcome}` : undefined,
        defaultPassword: made === 'default',
      }),
    );
    return { ok: true };
  }

  /** An approval refused for an account nobody proved holds the ID (the audit names no national ID, no account). */
  async #auditConflict(
    trx: Knex.Transaction,
    e: { actor: string; id: string; school: string; kind: IdentityConflictKind },
  ): Promise<void> {
    await recordAudit(trx, {
      actor: e.actor,
      action: 'binding.identity_conflict',
      subject: e.id,
      detail: { application: e.id, school: e.school, conflict: e.kind },
    });
  }

  async #accountNeeded(id: string): Promise<boolean> {
    const row = await this.#db('binding_applications')
      .select('parent_person_id', 'parent_national_id_index')
      .where({ id })
      .first();
    return (
      !!row && !row.parent_person_id && !(await findPersonIdByNationalIdIndex(this.#db, row.parent_national_id_index))
    );
  }

  /** Ends the guardian link an approved application made (a reviewer's decision, with the reason the parent is told). */
  async revoke(id: string, actor: string, reason: string): Promise<DecisionResult> {
    return this.#db.transaction(async (trx): Promise<DecisionResult> => {
      const row: (Row & { guardian_link_id: string | null }) | undefined = await this.#query(trx)
        .where('a.id', id)
        .forUpdate('a')
        .first();
      if (!row) return { ok: false, reason: 'not_found' };
      if (row.status !== 'approved' || !row.guardian_link_id) return { ok: false, reason: 'not_pending' };
      await trx('guardian_links')
        .where({ id: row.guardian_link_id })
        .whereNull('ended_at')
        .update({ ended_at: trx.fn.now(), ended_by: actor, ended_reason: reason });
      await trx('binding_applications')
        .where({ id })
        .update({ status: 'revoked', reason, decided_by: actor, decided_at: trx.fn.now(), updated_at: trx.fn.now() });
      await recordAudit(trx, {
        actor,
        action: 'binding.revoked',
        subject: row.parent_person_id ?? id,
        detail: { application: id, link: row.guardian_link_id, school: row.school_code },
      });
      return { ok: true };
    });
  }

  async reject(id: string, actor: string, reason: string): Promise<DecisionResult> {
    return this.#db.transaction(async (trx): Promise<DecisionResult> => {
      const row: Row | undefined = await this.#query(trx).where('a.id', id).forUpdate('a').first();
      if (!row) return { ok: false, reason: 'not_found' };
      if (row.status !== 'pending') return { ok: false, reason: 'not_pending' };
      await trx('binding_applications').where({ id }).update({
        status: 'rejected',
        reason,
        decided_by: actor,
        decided_at: trx.fn.now(),
        updated_at: trx.fn.now(),
      });
      await recordAudit(trx, { actor, action: 'binding.rejected', subject: id, detail: { school: row.school_code } });
      await enqueueMessage(
        trx,
        decisionMessage('zh-TW', {
          to: this.#recipient(row),
          decision: 'rejected',
          student: maskName(row.student_name),
          reason,
          home: `${this.#issuer}/binding`,
        }),
      );
      return { ok: true };
    });
  }

  #recipient(row: Row): Contact {
    return { kind: row.contact_kind, value: row.contact };
  }

  #locale(value: unknown): Locale {
    return value === 'en' ? 'en' : 'zh-TW';
  }
}
