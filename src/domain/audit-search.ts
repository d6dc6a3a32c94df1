// Searching the audit log (issue 15, item 8): by who (a person's login or id, or an actor such as `cli`), what (the
// action's beginning: `admin.`, `school.saved`), when (Taipei dates, both ends included), the client and the school
// (the entry's subject, or named in its detail), newest first, a page at a time; and every matching entry, newest
// first as well, in batches, for the CSV export.
import type { Knex } from 'knex';
import { json } from './audit.ts';
import { findPersonByLogin } from './people/persons.ts';

export type AuditFilter = {
  actor?: string;
  action?: string;
  /** ISO dates (YYYY-MM-DD), in Taipei time. */
  from?: string;
  to?: string;
  client?: string;
  school?: string;
};

export type AuditEntry = {
  id: string;
  at: Date;
  actor: string;
  /** The actor's name when the actor is a person. */
  actorName?: string;
  action: string;
  subject: string | null;
  /** The subject's name when the subject is a person. */
  subjectName?: string;
  /** The school (a subject that is a school's code) or developer organisation (its id) the entry is about, by name. */
  subjectOrganisation?: { kind: 'school' | 'organisation'; name: string };
  /** The names of the schools the detail names by code (SCHOOL_KEYS), by code; a code no school has is left out. */
  schoolNames: Record<string, string>;
  detail: Record<string, unknown>;
};

/** Detail keys whose values are schools' codes (one, or a list). */
export const SCHOOL_KEYS: ReadonlySet<string> = new Set(['school', 'school_code', 'school_codes', 'schools']);
const SCHOOL_CODE = /^\d{6}$/;

/** The school codes an entry's detail names (SCHOOL_KEYS' values, a list's items). */
function detailSchools(detail: Record<string, unknown>): string[] {
  return [...SCHOOL_KEYS].flatMap((key) => {
    const value = detail[key];
    return (Array.isArray(value) ? value : [value]).filter(
      (code): code is string => typeof code === 'string' && SCHOOL_CODE.test(code),
    );
  });
}

export const AUDIT_PAGE_SIZE = 50;
/** At most this many entries go into one export (narrow the filter for more). */
export const AUDIT_EXPORT_MAX = 100_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The next day of an ISO date (the `to` date is included up to its end). */
const nextDay = (iso: string) => new Date(Date.parse(`${iso}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

type Row = { id: string; at: Date; actor: string; action: string; subject: string | null; detail: unknown };

function detailOf(value: unknown): Record<string, unknown> {
  const detail = json(value);
  return detail && typeof detail === 'object' ? (detail as Record<string, unknown>) : {};
}

export class AuditSearch {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** Who the typed "who" is: a person's id, the person a login names, or the actor as typed (`cli`, `anonymous`). */
  async #actor(who: string): Promise<string> {
    if (UUID.test(who)) return who.toLowerCase();
    return (await findPersonByLogin(this.#db, who))?.id ?? who;
  }

  async #query(filter: AuditFilter) {
    const actor = filter.actor ? await this.#actor(filter.actor) : undefined;
    return (q: Knex.QueryBuilder) => {
      if (actor) q.where({ actor });
      if (filter.action) q.where('action', 'like', `${likeEscape(filter.action)}%`);
      if (filter.from) q.where('at', '>=', `${filter.from}T00:00:00+08:00`);
      if (filter.to) q.where('at', '<', `${nextDay(filter.to)}T00:00:00+08:00`);
      for (const [value, keys] of [
        [filter.client, ['client', 'client_id']],
        [filter.school, ['school', 'school_code']],
      ] as const) {
        if (!value) continue;
        q.where((w) => {
          w.where('subject', value);
          for (const k of keys) w.orWhereRaw('detail ->> ? = ?', [k, value]);
          // Named in a list of the detail (`schools: [...]`, `school_codes: [...]`).
          w.orWhereRaw('strpos(detail::text, ?) > 0', [JSON.stringify(value)]);
        });
      }
    };
  }

  /**
   * The entries with their names: people (actor or subject) and, with `organisations`, the schools and developer
   * organisations they name (a subject that is a school's code or an organisation's id; the detail's schools), all
   * in one query.
   */
  async #named(rows: Row[], organisations = false): Promise<AuditEntry[]> {
    const details = rows.map((r) => detailOf(r.detail));
    const people = [...new Set(rows.flatMap((r) => [r.actor, r.subject ?? '']).filter((a) => UUID.test(a)))];
    const schools = organisations
      ? [
          ...new Set([
            ...rows.flatMap((r) => (r.subject && SCHOOL_CODE.test(r.subject) ? [r.subject] : [])),
            ...details.flatMap(detailSchools),
          ]),
        ]
      : [];
    const orgs = organisations
      ? [...new Set(rows.flatMap((r) => (r.subject && UUID.test(r.subject) ? [r.subject] : [])))]
      : [];
    const db = this.#db;
    const parts = [
      people.length &&
        db('persons').whereIn('id', people).select(db.raw("'person' as kind"), db.raw('id::text as key'), 'name'),
      schools.length &&
        db('schools').whereIn('code', schools).select(db.raw("'school' as kind"), 'code as key', 'name'),
      orgs.length &&
        db('dev_organisations')
          .whereIn('id', orgs)
          .select(db.raw("'organisation' as kind"), db.raw('id::text as key'), 'name'),
    ].filter((q) => !!q);
    type Named = { kind: 'person' | 'school' | 'organisation'; key: string; name: string };
    const found: Named[] = parts.length ? await parts[0]!.unionAll(parts.slice(1), true) : [];
    const names = new Map(found.map((n) => [`${n.kind}:${n.key}`, n.name]));
    const person = (id: string | null) => (id ? names.get(`person:${id}`) : undefined);
    const organisationOf = (subject: string | null): AuditEntry['subjectOrganisation'] => {
      if (!subject) return undefined;
      for (const kind of ['school', 'organisation'] as const) {
        const name = names.get(`${kind}:${subject}`);
        if (name) return { kind, name };
      }
      return undefined;
    };
    return rows.map((r, i) => ({
      id: String(r.id),
      at: r.at,
      actor: r.actor,
      actorName: person(r.actor),
      action: r.action,
      subject: r.subject,
      subjectName: person(r.subject),
      subjectOrganisation: organisationOf(r.subject),
      schoolNames: Object.fromEntries(
        detailSchools(details[i]!).flatMap((code) => {
          const name = names.get(`school:${code}`);
          return name ? [[code, name]] : [];
        }),
      ),
      detail: details[i]!,
    }));
  }

  /** A page of the matching entries, newest first. */
  async search(filter: AuditFilter, page = 1): Promise<{ entries: AuditEntry[]; more: boolean }> {
    const where = await this.#query(filter);
    const rows: Row[] = await this.#db('audit_events')
      .modify(where)
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .offset((Math.max(1, page) - 1) * AUDIT_PAGE_SIZE)
      .limit(AUDIT_PAGE_SIZE + 1);
    return { entries: await this.#named(rows.slice(0, AUDIT_PAGE_SIZE), true), more: rows.length > AUDIT_PAGE_SIZE };
  }

  /** Every matching entry (at most AUDIT_EXPORT_MAX), newest first, a batch at a time. */
  async *all(filter: AuditFilter, batch = 1000): AsyncGenerator<AuditEntry[]> {
    const where = await this.#query(filter);
    // The cursor keeps the time as PostgreSQL wrote it (microseconds; a Date would round them away).
    let last: { at: string; id: string } | undefined;
    for (let sent = 0; sent < AUDIT_EXPORT_MAX; ) {
      const after = last;
      const rows: (Row & { at_key: string })[] = await this.#db('audit_events')
        .select('*', this.#db.raw('at::text as at_key'))
        .modify(where)
        .modify((q) => {
          if (after) q.whereRaw('(at, id) < (?::timestamptz, ?)', [after.at, after.id]);
        })
        .orderBy([
          { column: 'at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(Math.min(batch, AUDIT_EXPORT_MAX - sent));
      if (!rows.length) return;
      sent += rows.length;
      last = { at: rows.at(-1)!.at_key, id: rows.at(-1)!.id };
      yield this.#named(rows);
    }
  }
}
