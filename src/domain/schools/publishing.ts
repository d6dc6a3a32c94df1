// Publishing a school's roster (issue 14, item 5; seed 000 §9 同步資料: 傳送學校資料, 更新人員資料): every active
// student, teacher, staff member and parent of the current semester gets a verification credential (認證帳號 /
// 認證密碼, printed per class for the homeroom teacher to hand out, used once at /register/roster) — or, when the
// national ID already has an account, the identity straight away (the person is told by mail) and, for a parent
// whose child has an identity, the guardian link. Whoever left has their identity ended at the semester's end; an
// unused credential of theirs is withdrawn. One transaction, one school at a time; publishing again changes nothing.
// A row whose national ID has an account that is not the row's person (another name, or a student's other birth date:
// import/accounts.ts) gets neither the identity nor a slip: it waits, named on the publish page, until the school has
// checked it (the import refuses such rows; this is for the account made since, or the name changed in 維護資料).
// A row whose national ID has an account that names the row's person but that no school source confirmed (anyone may
// register with another's national ID and name: people/confirmed-holder.ts) is not given to that account: it gets a
// slip, as if no account held the ID, for the person the school hands it to (the account's owner signs in and adds it,
// or the person registers with it: enrolment's registerFromRoster), listed for the clerk (`unconfirmed`) and audited
// (school.roster_unconfirmed_holder: the role and the roster's number, never the national ID or the account).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { recordAudit } from '../audit.ts';
import { addIdentity, currentIdentity } from '../identities/add-identity.ts';
import { linkGuardianFromRoster } from '../identities/guardians.ts';
import type { Role } from '../identities/identities.ts';
import { enqueueMessage } from '../outbox/outbox.ts';
import { type HolderAccount, holdersOf, namesHolder, schoolConfirmed } from './import/accounts.ts';
import { identityAddedMail } from './publishing-mail.ts';
import { ensureClass, findSchool, lockSchoolRoster } from './schools.ts';
import type { SyncLog } from './sync-log.ts';

/**
 * A parent's place in the published roster (`roster_credentials.roster_key`): the student and the mobile number, as the
 * roster's parent rows are keyed. Correcting the mobile in 維護資料 moves the credential along (maintenance.ts).
 */
export const parentRosterKey = (studentNo: string, mobile: string): string => `parent:${studentNo}:${mobile}`;

export type PublishTerm = { schoolCode: string; academicYear: number; semester: number; endsOn: string };

export type PublishCounts = {
  /** New credentials to hand out. */
  credentials: number;
  /** Identities added to accounts that already existed (their owners are told). */
  addedToAccounts: number;
  /** People whose account already had the identity. */
  alreadyThere: number;
  /** Credentials (and identities) whose class, seat, name or role changed. */
  updated: number;
  /** Identities of people who left, ending at the semester's end. */
  ended: number;
  /** Identities of people back on the roster, no longer ending. */
  restored: number;
  /** Unused credentials of people who left, withdrawn. */
  withdrawn: number;
  /** Parents linked to their children. */
  guardianLinks: number;
  /**
   * Rows left waiting: their national ID has an account that is not the row's person (another name or birth date), so
   * they get neither the identity nor a slip.
   */
  held: number;
  /**
   * Of the new credentials, those for rows whose national ID an account holds that no school source confirmed: the
   * identity is not given to that account (anyone may register with another's national ID and name), the slip goes
   * to the person the school hands it to.
   */
  unconfirmed: number;
};

/**
 * A row left waiting (PublishCounts.held), or one given a slip instead of the account that holds its national ID
 * (unconfirmed), as the school's roster names it: never anything of the account's.
 */
export type HeldRow = { role: Role; number: string; name: string };

const zero = (): PublishCounts => ({
  credentials: 0,
  addedToAccounts: 0,
  alreadyThere: 0,
  updated: 0,
  ended: 0,
  restored: 0,
  withdrawn: 0,
  guardianLinks: 0,
  held: 0,
  unconfirmed: 0,
});

type Entry = {
  key: string;
  /** The row's number: the staff number, the student's (a parent's child's). */
  number: string;
  role: Role;
  name: string;
  account: string;
  index: string | null;
  classCode: string | null;
  seat: number | null;
  studentNo: string | null;
  relationship: string | null;
  title: string | null;
  /** A student's birth date (ISO), to compare with the account's. */
  birthdate: string | null;
  /** A parent's mobile number, a staff member's email address: a contact the school gives, to confirm an account. */
  mobile: string | null;
  email: string | null;
};

type Credential = {
  id: string;
  /** The roster row the back office published it for; none for a credential the school's system uploaded. */
  roster_key: string | null;
  account: string;
  role: string;
  name: string;
  class_code: string | null;
  seat: number | null;
  student_no: string | null;
  relationship: string | null;
  claimed_by_person_id: string | null;
  identity_id: string | null;
  password_sealed: string | null;
  password_hash: string | null;
};

/** An account that holds a national ID (a registration still waiting for its email holds none). */
type Holder = HolderAccount;

export type Slip = {
  role: string;
  name: string;
  classCode: string | null;
  seat: number | null;
  studentNo: string | null;
  relationship: string | null;
  /** A parent's child. */
  studentName: string | null;
  account: string;
  /** None once it was used (or the identity went straight to an existing account). */
  password?: string;
};

/** Lower-case letters and digits a child cannot mistake for one another (no l/1, o/0, i/j). */
const ALPHABET = 'abcdefghkmnpqrstuvwxyz23456789';
const newPassword = () => Array.from({ length: 8 }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join('');
const CHUNK = 1000;
/** A row left waiting (publishing's accountOf). */
const HOLD = Symbol('hold');

type Outcome = { counts: PublishCounts; held: HeldRow[]; unconfirmed: HeldRow[] };

class DryRun extends Error {
  readonly outcome: Outcome;
  constructor(outcome: Outcome) {
    super('dry run');
    this.outcome = outcome;
  }
}

export class RosterPublisher {
  readonly #db: Knex;
  readonly #keyring: Keyring;
  readonly #issuer: string;
  readonly #syncLog: SyncLog;

  constructor(deps: { db: Knex; keyring: Keyring; issuer: string; syncLog: SyncLog }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
    this.#issuer = deps.issuer;
    this.#syncLog = deps.syncLog;
  }

  /** What publishing now would do (the same work, rolled back). */
  async preview(term: PublishTerm): Promise<PublishCounts> {
    return (await this.plan(term)).counts;
  }

  /** What publishing now would do, and the rows it would leave waiting (the same work, rolled back). */
  async plan(term: PublishTerm): Promise<Outcome> {
    try {
      await this.#db.transaction(async (trx) => {
        throw new DryRun(await this.#publish(trx, term, 'preview'));
      });
    } catch (err) {
      if (err instanceof DryRun) return err.outcome;
      throw err;
    }
    throw new Error('unreachable');
  }

  /** Publishes; recorded in the sync log (with it) unless the caller records it (an API call is, with its answer). */
  async publish(term: PublishTerm, actor: string, opts: { syncLog?: boolean } = {}): Promise<PublishCounts> {
    return this.#db.transaction(async (trx) => {
      const { counts } = await this.#publish(trx, term, actor);
      await recordAudit(trx, {
        actor,
        action: 'school.published',
        subject: term.schoolCode,
        detail: { academic_year: term.academicYear, semester: term.semester, ...counts },
      });
      if (opts.syncLog !== false)
        await this.#syncLog.record(
          {
            schoolCode: term.schoolCode,
            action: 'school.publish',
            code: 200,
            // A word the log translates; the counts are in the audit log.
            message: Object.entries(counts).some(([k, n]) => k !== 'held' && n > 0) ? 'published' : 'unchanged',
          },
          trx,
        );
      return counts;
    });
  }

  async #publish(trx: Knex.Transaction, term: PublishTerm, actor: string): Promise<Outcome> {
    const code = term.schoolCode;
    // One import or publish of a school at a time (the import takes the same lock).
    await lockSchoolRoster(trx, code);
    const school = (await findSchool(trx, code))!;
    const where = { school_code: code, academic_year: term.academicYear, semester: term.semester };
    const counts = zero();

    // The classes, with the names the school gave them.
    const classes: { code: string; name: string }[] = await trx('roster_classes')
      .where({ ...where, status: 'active' })
      .select('code', 'name');
    for (let i = 0; i < classes.length; i += CHUNK)
      await trx('classes')
        .insert(classes.slice(i, i + CHUNK).map((c) => ({ id: crypto.randomUUID(), ...where, ...c })))
        .onConflict(['school_code', 'academic_year', 'semester', 'code'])
        .merge(['name']);

    const entries = await this.#entries(trx, where);
    const credentials: Credential[] = await trx('roster_credentials')
      .where({ school_code: code })
      .select(
        'id',
        'roster_key',
        'account',
        'role',
        'name',
        'class_code',
        'seat',
        'student_no',
        'relationship',
        'claimed_by_person_id',
        'identity_id',
        'password_sealed',
        'password_hash',
      );
    // Only the credentials publishing made are the roster's. Those the school's system uploaded through the API
    // (no roster_key) are its own: publishing leaves them as they are, and only keeps clear of their account names.
    const byKey = new Map(credentials.flatMap((c) => (c.roster_key ? [[c.roster_key, c] as const] : [])));
    const accounts = new Set(credentials.map((c) => c.account));
    const people = await this.#people(trx, entries);
    const confirmed = await schoolConfirmed(trx, people.values());
    const studentIdentity = new Map<string, string>();
    for (const c of credentials)
      if (c.roster_key?.startsWith('student:') && c.identity_id) studentIdentity.set(c.student_no ?? '', c.identity_id);

    /** Identities held through a slip on the roster now. */
    const held = new Set<string>();
    /** Rows whose national ID has an account that is not the row's person: they wait. */
    const waiting: HeldRow[] = [];
    /** Rows given a slip although an account holds their national ID: no school source confirmed that account. */
    const unconfirmed: HeldRow[] = [];
    /**
     * The account the row's identity goes to; none (a slip) when no account holds the national ID or none a school
     * source confirmed; HOLD when the account is not the row's person.
     */
    const accountOf = async (e: Entry): Promise<Holder | typeof HOLD | undefined> => {
      const person = e.index ? people.get(e.index) : undefined;
      if (!person) return undefined;
      if (!namesHolder(person, e)) {
        counts.held++;
        waiting.push({ role: e.role, number: e.number, name: e.name });
        return HOLD;
      }
      if (confirmed(person, e)) return person;
      counts.unconfirmed++;
      unconfirmed.push({ role: e.role, number: e.number, name: e.name });
      await recordAudit(trx, {
        actor,
        action: 'school.roster_unconfirmed_holder',
        subject: code,
        detail: { school: code, role: e.role, number: e.number, outcome: 'slip' },
      });
      return undefined;
    };
    const fresh: Record<string, unknown>[] = [];
    const parentLinks: { parentId: string; studentNo: string; relationship: string }[] = [];
    for (const e of entries) {
      const had = byKey.get(e.key);
      if (had) {
        if (had.identity_id) {
          held.add(had.identity_id);
          // Back on the roster: the identity again, unless the person has another of the role there by now.
          const n = await trx('identities as i')
            .where({ 'i.id': had.identity_id })
            .whereNotNull('i.ended_at')
            .whereNotExists((q) =>
              q
                .from('identities as o')
                .whereRaw('o.person_id = i.person_id and o.role = i.role and o.school_code = i.school_code')
                .whereRaw("o.id <> i.id and o.status = 'active' and o.ended_at is null"),
            )
            .update({ ended_at: null });
          counts.restored += n;
        }
        if (
          had.name !== e.name ||
          had.role !== e.role ||
          had.class_code !== e.classCode ||
          had.seat !== e.seat ||
          had.relationship !== e.relationship
        ) {
          await trx('roster_credentials').where({ id: had.id }).update({
            name: e.name,
            role: e.role,
            class_code: e.classCode,
            seat: e.seat,
            relationship: e.relationship,
            updated_at: trx.fn.now(),
          });
          if (had.identity_id && e.role !== 'parent' && (had.class_code !== e.classCode || had.seat !== e.seat))
            await this.#moveIdentity(trx, school, had.identity_id, e);
          counts.updated++;
        }
        if (!had.claimed_by_person_id && !had.identity_id && !had.password_sealed && !had.password_hash) {
          // A slip spent on an account that is gone (a registration removed before its email was confirmed, say): no
          // claimant, no identity, no password. The account that holds the national ID now gets the identity, else
          // the slip gets a password to print again — unless the account is not the row's person: then it waits.
          const person = await accountOf(e);
          if (person === HOLD) continue;
          if (!person) {
            await trx('roster_credentials')
              .where({ id: had.id })
              .update({
                password_sealed: this.#keyring.seal('roster-password', newPassword()),
                updated_at: trx.fn.now(),
              });
            counts.credentials++;
            continue;
          }
          const identityId = await this.#toAccount(trx, school, person, e, actor, counts);
          held.add(identityId);
          await trx('roster_credentials').where({ id: had.id }).update({
            claimed_by_person_id: person.id,
            claimed_at: trx.fn.now(),
            identity_id: identityId,
            updated_at: trx.fn.now(),
          });
          if (e.role === 'student' && e.studentNo) studentIdentity.set(e.studentNo, identityId);
          if (e.role === 'parent' && e.studentNo && e.relationship)
            parentLinks.push({ parentId: person.id, studentNo: e.studentNo, relationship: e.relationship });
          continue;
        }
        if (e.role === 'parent' && had.claimed_by_person_id && e.studentNo && e.relationship)
          parentLinks.push({
            parentId: had.claimed_by_person_id,
            studentNo: e.studentNo,
            relationship: e.relationship,
          });
        continue;
      }
      let account = e.account;
      for (let n = 2; accounts.has(account); n++) account = `${e.account}-${n}`;
      accounts.add(account);
      const row = {
        id: crypto.randomUUID(),
        school_code: code,
        roster_key: e.key,
        role: e.role,
        account,
        name: e.name,
        class_code: e.classCode,
        seat: e.seat,
        student_no: e.studentNo,
        relationship: e.relationship,
      };
      const person = await accountOf(e);
      if (person === HOLD) continue;
      if (!person) {
        fresh.push({ ...row, password_sealed: this.#keyring.seal('roster-password', newPassword()) });
        counts.credentials++;
        continue;
      }
      // The national ID has an account: the identity goes straight to it, and the credential is spent.
      const identityId = await this.#toAccount(trx, school, person, e, actor, counts);
      held.add(identityId);
      await trx('roster_credentials').insert({
        ...row,
        claimed_by_person_id: person.id,
        claimed_at: trx.fn.now(),
        identity_id: identityId,
      });
      if (e.role === 'student' && e.studentNo) studentIdentity.set(e.studentNo, identityId);
      if (e.role === 'parent' && e.studentNo && e.relationship)
        parentLinks.push({ parentId: person.id, studentNo: e.studentNo, relationship: e.relationship });
    }
    for (let i = 0; i < fresh.length; i += CHUNK) await trx('roster_credentials').insert(fresh.slice(i, i + CHUNK));

    for (const link of parentLinks) {
      const studentIdentityId = studentIdentity.get(link.studentNo);
      if (
        studentIdentityId &&
        (await linkGuardianFromRoster(trx, { ...link, studentIdentityId, schoolCode: code, actor }))
      )
        counts.guardianLinks++;
    }

    // Whoever is no longer on the roster: the identity ends with the semester; an unused credential is withdrawn.
    const onRoster = new Set(entries.map((e) => e.key));
    const gone = credentials.filter((c) => c.roster_key && !onRoster.has(c.roster_key));
    const unused = gone.filter((c) => !c.claimed_by_person_id).map((c) => c.id);
    for (let i = 0; i < unused.length; i += CHUNK)
      counts.withdrawn += await trx('roster_credentials')
        .whereIn('id', unused.slice(i, i + CHUNK))
        .delete();
    // An identity still held through a slip on the roster stays (a parent's, whose other child is still there).
    const ending = gone.flatMap((c) => (c.identity_id && !held.has(c.identity_id) ? [c.identity_id] : []));
    for (let i = 0; i < ending.length; i += CHUNK)
      counts.ended += await trx('identities')
        .whereIn('id', ending.slice(i, i + CHUNK))
        .whereNull('ended_at')
        .update({ ended_at: `${term.endsOn}T23:59:59+08:00` });

    await this.#rosterGuardians(trx, where, studentIdentity);
    return { counts, held: waiting, unconfirmed };
  }

  /**
   * The entry's identity on the account that holds its national ID: the one it has, else added (`source: 'roster'`)
   * and, when the account is active, its owner told by mail. Counted as already there or added.
   */
  async #toAccount(
    trx: Knex.Transaction,
    school: NonNullable<Awaited<ReturnType<typeof findSchool>>>,
    person: Holder,
    e: Entry,
    actor: string,
    counts: PublishCounts,
  ): Promise<string> {
    const existing = await currentIdentity(trx, person.id, e.role, school.code);
    if (existing) {
      // One ending with the semester (another child of the parent's left) is the roster's again.
      if (existing.ended_at) await trx('identities').where({ id: existing.id }).update({ ended_at: null });
      counts.alreadyThere++;
      return existing.id;
    }
    const identityId = await addIdentity(trx, {
      personId: person.id,
      schoolCode: school.code,
      role: e.role,
      // A parent's class is the child's: it prints the parent's slip with the class, not on the identity.
      classCode: e.role === 'parent' ? undefined : (e.classCode ?? undefined),
      attributes: attributesOf(e),
      source: 'roster',
      actor,
    });
    counts.addedToAccounts++;
    // A locked account is not told: it cannot sign in, and its address may be the reason it was locked.
    if (person.status === 'active' && person.email)
      await enqueueMessage(
        trx,
        identityAddedMail(person.locale, {
          to: person.email,
          school: school.name,
          role: e.role,
          login: person.email,
          home: `${this.#issuer}/`,
        }),
      );
    return identityId;
  }

  /** The semester's active people, students before parents (a parent's link needs the child's identity). */
  async #entries(trx: Knex.Transaction, where: Record<string, unknown>): Promise<Entry[]> {
    const active = { ...where, status: 'active' };
    // One after another: a transaction is one connection, which runs one query at a time.
    const staff = await trx('roster_staff').where(active).orderBy('staff_no');
    const students = await trx('roster_students').where(active).orderBy('student_no');
    const parents = await trx('roster_parents').where(active).orderBy(['student_no', 'mobile']);
    const classOf = new Map<string, string>(
      students.map((s: { student_no: string; class_code: string }) => [s.student_no, s.class_code]),
    );
    const base = {
      classCode: null,
      seat: null,
      studentNo: null,
      relationship: null,
      title: null,
      birthdate: null,
      mobile: null,
      email: null,
    };
    const perStudent = new Map<string, number>();
    return [
      ...staff.map(
        (s): Entry => ({
          ...base,
          key: `staff:${s.staff_no}`,
          number: s.staff_no,
          role: s.kind,
          name: s.name,
          account: `t${s.staff_no}`.toLowerCase(),
          index: s.national_id_index,
          title: s.title,
          email: s.email ?? null,
        }),
      ),
      ...students.map(
        (s): Entry => ({
          ...base,
          key: `student:${s.student_no}`,
          number: s.student_no,
          role: 'student',
          name: s.name,
          account: `s${s.student_no}`.toLowerCase(),
          index: s.national_id_index,
          classCode: s.class_code,
          seat: s.seat,
          studentNo: s.student_no,
          birthdate: s.birthdate,
        }),
      ),
      ...parents.map((p): Entry => {
        const n = (perStudent.get(p.student_no) ?? 0) + 1;
        perStudent.set(p.student_no, n);
        return {
          ...base,
          key: parentRosterKey(p.student_no, p.mobile),
          number: p.student_no,
          role: 'parent',
          name: p.name,
          account: `p${p.student_no}-${n}`.toLowerCase(),
          index: p.national_id_index,
          classCode: classOf.get(p.student_no) ?? null,
          studentNo: p.student_no,
          relationship: p.relationship,
          mobile: p.mobile,
        };
      }),
    ];
  }

  /**
   * The accounts that hold the entries' national IDs. A registration still waiting for its email holds nothing (anyone
   * may type anyone's national ID into the form; only confirming the address makes it theirs, and removes the other
   * waiting ones), so it is never matched: the person gets a slip instead. A locked or disabled account is matched: it
   * is still the one account of that national ID (no other may be made with it), so a slip would be of no use to its
   * owner, and the identity is there when the bureau unlocks it. Only one account can hold an ID (the unique index on
   * persons' national_id_index outside pending rows); were there more, the active one, then the oldest, is chosen.
   */
  async #people(trx: Knex.Transaction, entries: Entry[]): Promise<Map<string, Holder>> {
    return holdersOf(
      trx,
      entries.flatMap((e) => (e.index ? [e.index] : [])),
    );
  }

  async #moveIdentity(
    trx: Knex.Transaction,
    school: NonNullable<Awaited<ReturnType<typeof findSchool>>>,
    id: string,
    e: Entry,
  ) {
    const row = await trx('identities').where({ id }).first('attributes');
    const attributes = {
      ...(typeof row?.attributes === 'string' ? JSON.parse(row.attributes) : (row?.attributes ?? {})),
      ...attributesOf(e),
    };
    if (e.classCode) attributes.class = e.classCode;
    await trx('identities')
      .where({ id })
      .update({
        class_id: e.classCode ? await ensureClass(trx, school, e.classCode) : null,
        attributes: JSON.stringify(attributes),
      });
  }

  /** The roster's parents of students with identities, for the binding review's automatic approval. */
  async #rosterGuardians(trx: Knex.Transaction, where: Record<string, unknown>, studentIdentity: Map<string, string>) {
    const code = where.school_code as string;
    const parents: { student_no: string; name: string; mobile: string; relationship: string }[] = await trx(
      'roster_parents',
    ).where({ ...where, status: 'active' });
    const key = (r: { student_identity_id: string; name: string; mobile: string; relationship: string }) =>
      [r.student_identity_id, r.name, r.mobile, r.relationship].join('\u0000');
    const wanted = new Map(
      parents.flatMap((p) => {
        const student = studentIdentity.get(p.student_no);
        if (!student) return [];
        const row = { student_identity_id: student, name: p.name, mobile: p.mobile, relationship: p.relationship };
        return [[key(row), row] as const];
      }),
    );
    const stored: { id: string; student_identity_id: string; name: string; mobile: string; relationship: string }[] =
      await trx('roster_guardians').where({ school_code: code });
    const extra = stored.filter((r) => !wanted.delete(key(r))).map((r) => r.id);
    for (let i = 0; i < extra.length; i += CHUNK)
      await trx('roster_guardians')
        .whereIn('id', extra.slice(i, i + CHUNK))
        .delete();
    const missing = [...wanted.values()].map((r) => ({ id: crypto.randomUUID(), school_code: code, ...r }));
    for (let i = 0; i < missing.length; i += CHUNK) await trx('roster_guardians').insert(missing.slice(i, i + CHUNK));
  }

  /** The credentials to print for a class (its students, then their parents) or for the staff (`staff`). */
  async slips(schoolCode: string, group: string): Promise<Slip[]> {
    const q = this.#db('roster_credentials').where({ school_code: schoolCode }).whereNotNull('roster_key');
    if (group === 'staff') q.whereIn('role', ['teacher', 'staff']).orderBy('account');
    else
      q.where({ class_code: group })
        .whereIn('role', ['student', 'parent'])
        .orderByRaw("role = 'parent', seat nulls last, student_no, account");
    const rows: (Credential & { password_sealed: string | null })[] = await q;
    const children = new Map(rows.filter((r) => r.role === 'student').map((r) => [r.student_no, r.name]));
    return rows.map((r) => ({
      role: r.role,
      name: r.name,
      classCode: r.class_code,
      seat: r.seat,
      studentNo: r.student_no,
      relationship: r.relationship,
      studentName: r.role === 'parent' ? (children.get(r.student_no) ?? null) : null,
      account: r.account,
      password:
        r.claimed_by_person_id || !r.password_sealed
          ? undefined
          : this.#keyring.open('roster-password', r.password_sealed),
    }));
  }

  /** The groups with published credentials: classes (by code, with their names) and whether there are staff ones. */
  async groups(
    term: Omit<PublishTerm, 'endsOn'>,
  ): Promise<{ classes: { code: string; name: string }[]; staff: boolean }> {
    const codes: string[] = await this.#db('roster_credentials')
      .where({ school_code: term.schoolCode })
      .whereNotNull('roster_key')
      .whereNotNull('class_code')
      .distinct()
      .pluck('class_code');
    const names: { code: string; name: string }[] = await this.#db('roster_classes')
      .where({ school_code: term.schoolCode, academic_year: term.academicYear, semester: term.semester })
      .whereIn('code', codes)
      .select('code', 'name')
      .orderBy('code');
    const staff = await this.#db('roster_credentials')
      .where({ school_code: term.schoolCode })
      .whereNotNull('roster_key')
      .whereIn('role', ['teacher', 'staff'])
      .first('id');
    return { classes: names, staff: !!staff };
  }
}

function attributesOf(e: Entry): Record<string, unknown> {
  return {
    ...(e.seat !== null ? { seat: e.seat } : {}),
    ...(e.studentNo !== null ? { student_no: e.studentNo } : {}),
    ...(e.title !== null ? { title: e.title } : {}),
    ...(e.relationship !== null ? { relationship: e.relationship } : {}),
  };
}
