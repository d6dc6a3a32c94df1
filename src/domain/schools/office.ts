// The school back office (issue 14): who may open which school's pages — a school administrator (`school_admin`) their
// own schools, the bureau (`bureau_admin`) every school — the school's semesters, its imported roster, its publishing,
// its sync log.
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import { SchoolRoster } from './import/staging.ts';
import { RosterMaintenance } from './maintenance.ts';
import { RosterPublisher } from './publishing.ts';
import { Semesters } from './semesters.ts';
import { SyncLog } from './sync-log.ts';

export type OfficeAccess = { bureau: boolean; schools: string[] };

export class SchoolOffice {
  readonly #db: Knex;
  readonly semesters: Semesters;
  readonly syncLog: SyncLog;
  readonly roster: SchoolRoster;
  readonly publisher: RosterPublisher;
  readonly maintenance: RosterMaintenance;

  constructor(deps: { db: Knex; keyring: Keyring; issuer: string }) {
    this.#db = deps.db;
    this.semesters = new Semesters(deps.db);
    this.syncLog = new SyncLog(deps.db);
    this.roster = new SchoolRoster(deps);
    this.publisher = new RosterPublisher({ ...deps, syncLog: this.syncLog });
    this.maintenance = new RosterMaintenance(deps);
  }

  /** The person's administrator identities; none: no back office. */
  async access(personId: string): Promise<OfficeAccess | undefined> {
    const rows: { role: string; school_code: string | null }[] = await this.#db('identities')
      .where({ person_id: personId, status: 'active' })
      .whereIn('role', ['school_admin', 'bureau_admin'])
      .select('role', 'school_code');
    if (!rows.length) return undefined;
    return {
      bureau: rows.some((r) => r.role === 'bureau_admin'),
      schools: [...new Set(rows.filter((r) => r.role === 'school_admin' && r.school_code).map((r) => r.school_code!))],
    };
  }

  /** Whether the access reaches this school (which must exist). */
  async mayOpen(access: OfficeAccess, schoolCode: string): Promise<boolean> {
    if (!access.bureau && !access.schools.includes(schoolCode)) return false;
    return !!(await this.#db('schools').where({ code: schoolCode }).first('code'));
  }

  /** The schools the access reaches, by name (the bureau: every school). */
  async schools(access: OfficeAccess): Promise<{ code: string; name: string }[]> {
    const q = this.#db('schools').select('code', 'name').orderBy(['name', 'code']);
    if (!access.bureau) q.whereIn('code', access.schools);
    return q;
  }
}
