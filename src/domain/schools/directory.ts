// The bureau's list of schools (issue 15, item 6): searched by code, name or district and filtered by level and kind,
// one school added or edited with its checks, and each school's administrators (`school_admin` identities) granted
// — in two steps: the person a login names is shown (masked) for the bureau to confirm, then the confirmed person is
// granted — and revoked. Every change is audited in its own transaction, and so is the look at the person.
import type { Knex } from 'knex';
import { digest } from '../../platform/one-use.ts';
import { isUuid } from '../../platform/uuid.ts';
import { recordAudit } from '../audit.ts';
import { addIdentity } from '../identities/add-identity.ts';
import { maskEmail, maskMobile } from '../people/masks.ts';
import { findPersonByLogin, type Person } from '../people/persons.ts';
import { SCHOOL_KINDS, SCHOOL_LEVELS } from './schools.ts';

export type SchoolRecord = { code: string; name: string; level: string; kind: string; district: string | null };
export type SchoolInput = { code: string; name: string; level: string; kind: string; district: string };
export type SchoolField = keyof SchoolInput;
/** Field → message key (under admin.schools.errors). */
export type SchoolErrors = Partial<Record<SchoolField, string>>;

export type SchoolAdmin = { identityId: string; personId: string; name: string; login: string; since: Date };

/** Why a person cannot be made an administrator of a school (message keys under admin.schools.admins.errors). */
export type GrantProblem = 'loginRequired' | 'noSuchPerson' | 'notActive' | 'already';

/** The person a login names, as the bureau sees them before confirming a grant: contacts masked. */
export type AdminCandidate = {
  personId: string;
  name: string;
  username: string | null;
  email?: string;
  mobile?: string;
  /** Their active identities, with the school's name. */
  identities: { role: string; schoolCode: string | null; schoolName: string | null }[];
};

export const SCHOOLS_PAGE_SIZE = 50;
const CODE = /^\d{6}$/;
const COLUMNS = ['code', 'name', 'level', 'kind', 'district'] as const;

/** `like` patterns take what was typed literally. */
export const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The checks of one school's values (also each row of an imported list); no errors: the values may be saved. */
export function checkSchool(input: SchoolInput): SchoolErrors {
  const errors: SchoolErrors = {};
  if (!input.code) errors.code = 'codeRequired';
  else if (!CODE.test(input.code)) errors.code = 'codeFormat';
  if (!input.name) errors.name = 'nameRequired';
  else if ([...input.name].length > 100) errors.name = 'nameTooLong';
  if (!(SCHOOL_LEVELS as readonly string[]).includes(input.level)) errors.level = 'levelRequired';
  if (!(SCHOOL_KINDS as readonly string[]).includes(input.kind)) errors.kind = 'kindRequired';
  if ([...input.district].length > 50) errors.district = 'districtTooLong';
  return errors;
}

/**
 * A school's values as one short text: the edit form carries it as the school was loaded, and a save over values
 * someone else changed since is refused (nothing written) rather than writing their change back.
 */
export const schoolVersion = (r: SchoolRecord): string =>
  digest(JSON.stringify([r.code, r.name, r.level, r.kind, r.district ?? null]));

export class SchoolDirectory {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** A page of schools by code, with what was typed in the code, name or district, and the level and kind chosen. */
  async search(filter: {
    text?: string;
    level?: string;
    kind?: string;
    page?: number;
  }): Promise<{ rows: SchoolRecord[]; more: boolean }> {
    const page = Math.max(1, filter.page ?? 1);
    const text = filter.text?.trim();
    const rows: SchoolRecord[] = await this.#db('schools')
      .select(...COLUMNS)
      .modify((q) => {
        if (text) {
          const like = `%${likeEscape(text)}%`;
          q.where((w) =>
            w
              .where('code', 'like', `${likeEscape(text)}%`)
              .orWhereILike('name', like)
              .orWhereILike('district', like),
          );
        }
        if (filter.level) q.where({ level: filter.level });
        if (filter.kind) q.where({ kind: filter.kind });
      })
      .orderBy('code')
      .offset((page - 1) * SCHOOLS_PAGE_SIZE)
      .limit(SCHOOLS_PAGE_SIZE + 1);
    return { rows: rows.slice(0, SCHOOLS_PAGE_SIZE), more: rows.length > SCHOOLS_PAGE_SIZE };
  }

  find(code: string): Promise<SchoolRecord | undefined> {
    if (!CODE.test(code)) return Promise.resolve(undefined);
    return this.#db('schools')
      .where({ code })
      .first(...COLUMNS);
  }

  /**
   * Adds a school (`add`: its code must be new) or saves an existing one's name, level, kind and district (the code
   * stays). An edit gives `loaded`, the school's version as the form showed it: when the school changed since,
   * nothing is written (`changed`). Returns the field errors, or `missing` when the school to edit does not exist.
   */
  async save(
    input: SchoolInput,
    how: 'add' | 'edit',
    actor: string,
    loaded?: string,
  ): Promise<
    { ok: true } | { ok: false; errors: SchoolErrors } | { ok: false; missing: true } | { ok: false; changed: true }
  > {
    const errors = checkSchool(input);
    if (Object.keys(errors).length) return { ok: false, errors };
    const values = { name: input.name, level: input.level, kind: input.kind, district: input.district || null };
    return this.#db.transaction(async (trx) => {
      if (how === 'add') {
        const added = await trx('schools')
          .insert({ code: input.code, ...values })
          .onConflict('code')
          .ignore()
          .returning('code');
        if (!added.length) return { ok: false as const, errors: { code: 'codeTaken' } };
      } else {
        const before: SchoolRecord | undefined = await trx('schools')
          .where({ code: input.code })
          .forUpdate()
          .first(...COLUMNS);
        if (!before) return { ok: false as const, missing: true as const };
        if (loaded !== schoolVersion(before)) return { ok: false as const, changed: true as const };
        await trx('schools').where({ code: input.code }).update(values);
      }
      await recordAudit(trx, {
        actor,
        action: how === 'add' ? 'school.added' : 'school.saved',
        subject: input.code,
        detail: { via: 'console', level: input.level, kind: input.kind },
      });
      return { ok: true as const };
    });
  }

  /** The school's active administrators, by name. */
  async admins(code: string): Promise<SchoolAdmin[]> {
    const rows: {
      id: string;
      person_id: string;
      name: string;
      username: string | null;
      email: string | null;
      created_at: Date;
    }[] = await this.#db('identities as i')
      .join('persons as p', 'p.id', 'i.person_id')
      .where({ 'i.school_code': code, 'i.role': 'school_admin', 'i.status': 'active' })
      .select('i.id', 'i.person_id', 'p.name', 'p.username', 'p.email', 'i.created_at')
      .orderBy(['p.name', 'i.created_at']);
    return rows.map((r) => ({
      identityId: r.id,
      personId: r.person_id,
      name: r.name,
      login: r.username ?? r.email ?? '',
      since: r.created_at,
    }));
  }

  /** Why `person` cannot be made an administrator of the school, if anything (`db`: the grant's transaction). */
  async #grantProblem(db: Knex, code: string, person: Person | undefined): Promise<GrantProblem | undefined> {
    if (!person) return 'noSuchPerson';
    if (person.status !== 'active') return 'notActive';
    const existing = await db('identities')
      .where({ person_id: person.id, school_code: code, role: 'school_admin', status: 'active' })
      .first('id');
    return existing ? 'already' : undefined;
  }

  /**
   * The first step of naming an administrator: the person with this login (username, email or mobile), shown to the
   * bureau to confirm — `noSuchPerson`, `notActive` (a registration not confirmed, a locked account) or `already`
   * otherwise. Showing them is a look at a person, audited as one (`admin.person_viewed`, with the school).
   */
  async adminCandidate(
    code: string,
    login: string,
    actor: string,
  ): Promise<{ ok: true; candidate: AdminCandidate } | { ok: false; error: GrantProblem }> {
    if (!login.trim()) return { ok: false, error: 'loginRequired' };
    const person = await findPersonByLogin(this.#db, login);
    const problem = await this.#grantProblem(this.#db, code, person);
    if (problem || !person) return { ok: false, error: problem ?? 'noSuchPerson' };
    const identities: AdminCandidate['identities'] = await this.#db('identities as i')
      .leftJoin('schools as s', 's.code', 'i.school_code')
      .where({ 'i.person_id': person.id, 'i.status': 'active' })
      .select('i.role', 'i.school_code as schoolCode', 's.name as schoolName')
      .orderBy('i.created_at');
    await recordAudit(this.#db, {
      actor,
      action: 'admin.person_viewed',
      subject: person.id,
      detail: { school: code, via: 'school_admin_grant' },
    });
    return {
      ok: true,
      candidate: {
        personId: person.id,
        name: person.name,
        username: person.username,
        email: person.email ? maskEmail(person.email) : undefined,
        mobile: person.mobile ? maskMobile(person.mobile) : undefined,
        identities,
      },
    };
  }

  /**
   * The second step: makes the confirmed person an administrator of the school, checked again in the transaction
   * that grants it (`noSuchPerson`, `notActive` or `already` when it changed meanwhile); audited (`identity.added`).
   */
  async grantAdmin(
    code: string,
    personId: string,
    actor: string,
  ): Promise<{ ok: true; personId: string } | { ok: false; error: GrantProblem }> {
    if (!isUuid(personId)) return { ok: false, error: 'noSuchPerson' };
    return this.#db.transaction(async (trx) => {
      // One grant at a time per person and school; the person stays as checked until the grant is written.
      await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`school-admin:${code}:${personId}`]);
      const person: Person | undefined = await trx('persons').where({ id: personId }).forShare().first();
      const problem = await this.#grantProblem(trx, code, person);
      if (problem) return { ok: false as const, error: problem };
      await addIdentity(trx, { personId, schoolCode: code, role: 'school_admin', source: 'bureau', actor });
      return { ok: true as const, personId };
    });
  }

  /** Ends one of the school's administrator identities; false when it is not one (of this school, still active). */
  async revokeAdmin(code: string, identityId: string, actor: string): Promise<boolean> {
    if (!isUuid(identityId)) return false;
    return this.#db.transaction(async (trx) => {
      const [ended] = await trx('identities')
        .where({ id: identityId, school_code: code, role: 'school_admin', status: 'active' })
        .update({ status: 'ended', ended_at: trx.fn.now() })
        .returning(['id', 'person_id']);
      if (!ended) return false;
      await recordAudit(trx, {
        actor,
        action: 'identity.ended',
        subject: ended.person_id,
        detail: { identity: ended.id, role: 'school_admin', school: code, via: 'console' },
      });
      return true;
    });
  }
}
