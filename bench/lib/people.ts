// Bench people: many persons with identities (and parents bound to students) loaded with COPY in whole chunks.
// Person n signs in as `p<n>@people.campus-sso.test` (or mobile 09<n, 8 digits>) with BENCH_PEOPLE_PASSWORD.
// Everyone shares one bcrypt hash (hashing a million passwords would take a day); a sign-in still runs one compare.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { recordAudit } from '../../src/domain/audit.ts';
import { sealNationalId } from '../../src/domain/people/national-id-store.ts';
import { hashPassword } from '../../src/domain/people/passwords.ts';
import { className } from '../../src/domain/schools/classes.ts';
import type { Keyring } from '../../src/platform/keyring.ts';

export const BENCH_PEOPLE_PASSWORD = 'Bench-people-2026';
export const BENCH_PEOPLE_DOMAIN = 'people.campus-sso.test';
export const benchLogin = (n: number) => `p${n}@${BENCH_PEOPLE_DOMAIN}`;

const SCHOOLS = 300;
const CLASSES_PER_SCHOOL = 30;
const CHUNK = 50_000;
const SURNAMES = '陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周';
const GIVEN = '宇恩家承翔子晴柏睿怡婷品妤心安志明淑芬俊傑雅雯';
const LETTERS = 'BCDEFGHJKLMNPQRSTUVXYWZIO'; // no A: the demo people's numbers start with A
const LETTER_CODES: Record<string, number> = {
  B: 11,
  C: 12,
  D: 13,
  E: 14,
  F: 15,
  G: 16,
  H: 17,
  I: 34,
  J: 18,
  K: 19,
  L: 20,
  M: 21,
  N: 22,
  O: 35,
  P: 23,
  Q: 24,
  R: 25,
  S: 26,
  T: 27,
  U: 28,
  V: 29,
  W: 32,
  X: 30,
  Y: 31,
  Z: 33,
};

/** A national ID number that passes the checksum, different for every n below 25 × 10⁷. */
export function benchNationalId(n: number): string {
  const letter = LETTERS[n % LETTERS.length]!;
  const body = `${1 + (n % 2)}${String(Math.floor(n / LETTERS.length)).padStart(7, '0')}`;
  const code = LETTER_CODES[letter]!;
  const weights = [8, 7, 6, 5, 4, 3, 2, 1];
  const sum =
    Math.floor(code / 10) + (code % 10) * 9 + [...body].reduce((acc, d, i) => acc + Number(d) * weights[i]!, 0);
  return `${letter}${body}${(10 - (sum % 10)) % 10}`;
}

const isStudent = (n: number) => n % 20 < 12;

/** The k-th student (0 = the nearest) numbered below n, or 0 if there is none. */
function nthStudentBefore(n: number, k: number): number {
  let seen = -1;
  for (let c = n - 1; c >= 1; c--) if (isStudent(c) && ++seen === k) return c;
  return 0;
}

/** Who person n is: 60 % students, 25 % parents, 10 % teachers, 5 % staff; every tenth has a second identity. */
function identitiesOf(n: number): Array<{ role: string; school: number; klass?: number; seat?: number }> {
  const r = n % 20;
  const school = n % SCHOOLS;
  const klass = Math.floor(n / SCHOOLS) % CLASSES_PER_SCHOOL;
  const first = isStudent(n)
    ? { role: 'student', school, klass, seat: 1 + (Math.floor(n / (SCHOOLS * CLASSES_PER_SCHOOL)) % 35) }
    : r < 17
      ? { role: 'parent', school }
      : r < 19
        ? { role: 'teacher', school }
        : { role: 'staff', school };
  return n % 10 === 3 ? [first, { role: 'parent', school: (school + 7) % SCHOOLS }] : [first];
}

const schoolCode = (s: number) => String(900_000 + s);
const classCode = (k: number) => `${7 + Math.floor(k / 10)}${String(1 + (k % 10)).padStart(2, '0')}`;
/** Deterministic ids, so chunks can refer to each other (a parent's child) without reading back. */
const uuidOf = (kind: string, n: number) => {
  const h = crypto.createHash('sha256').update(`${kind}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const copyText = (v: string | number | boolean | null) =>
  v === null
    ? '\\N'
    : String(v).replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
const line = (values: Array<string | number | boolean | null>) => `${values.map(copyText).join('\t')}\n`;

async function copy(conn: pg.PoolClient, sql: string, rows: Iterable<string>) {
  await pipeline(Readable.from(rows), conn.query(copyFrom(sql)));
}

async function ensureSchoolsAndClasses(db: Knex): Promise<Map<string, string>> {
  const schools = Array.from({ length: SCHOOLS }, (_, s) => ({
    code: schoolCode(s),
    name: `臺北市立測試${s + 1}號學校`,
    level: 'junior',
    kind: 'municipal',
    academic_year: 115,
    semester: 1,
  }));
  await db('schools').insert(schools).onConflict('code').ignore();
  const classes = schools.flatMap((s) =>
    Array.from({ length: CLASSES_PER_SCHOOL }, (_, k) => ({
      id: uuidOf('class', Number(s.code) * 100 + k),
      school_code: s.code,
      academic_year: 115,
      semester: 1,
      code: classCode(k),
      name: className(classCode(k)),
    })),
  );
  for (let i = 0; i < classes.length; i += 1000) {
    await db('classes')
      .insert(classes.slice(i, i + 1000))
      .onConflict(['school_code', 'academic_year', 'semester', 'code'])
      .ignore();
  }
  const rows: Array<{ id: string; school_code: string; code: string }> = await db('classes')
    .select('id', 'school_code', 'code')
    .where('school_code', '>=', '900000')
    .andWhere({ academic_year: 115, semester: 1 });
  return new Map(rows.map((r) => [`${r.school_code}/${r.code}`, r.id]));
}

/** Bench people already loaded: they are numbered 1…n without gaps, so the count is the next number. */
export async function countBenchPeople(db: Knex): Promise<number> {
  const row = await db('persons')
    .count<{ count: string }[]>('* as count')
    .whereRaw('lower(email) like ?', [`%@${BENCH_PEOPLE_DOMAIN}`]);
  return Number(row[0]!.count);
}

export type LoadResult = {
  people: number;
  added: number;
  identities: number;
  guardianLinks: number;
  seconds: number;
  rowsPerSecond: number;
};

/** Lines of COPY text in batches (a stream of one string per row would spend its time on the stream itself). */
function* batched(from: number, to: number, rows: (n: number) => string[]): Generator<string> {
  let batch = '';
  for (let n = from; n <= to; n++) {
    for (const row of rows(n)) batch += row;
    if (batch.length > 64_000) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}

type Rows = { persons(n: number): string[]; identities(n: number): string[]; links(n: number): string[] };

function rowMakers(keyring: Keyring, hash: string, classes: Map<string, string>, approvedAt: string): Rows {
  return {
    persons(n) {
      const nid = sealNationalId(keyring, benchNationalId(n));
      const name = `${SURNAMES[n % SURNAMES.length]}${GIVEN[(n >> 3) % GIVEN.length]}${GIVEN[(n >> 7) % GIVEN.length]}`;
      const birthdate = `${1970 + (n % 50)}-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`;
      return [
        line([
          uuidOf('person', n),
          benchLogin(n),
          true,
          name,
          hash,
          `09${String(n).padStart(8, '0')}`,
          true,
          n % 2 ? 'male' : 'female',
          birthdate,
          nid.sealed,
          nid.index,
        ]),
      ];
    },
    identities(n) {
      return identitiesOf(n).map((i, k) => {
        const code = schoolCode(i.school);
        const klass = i.klass === undefined ? undefined : classCode(i.klass);
        const attributes =
          i.role === 'student'
            ? { class: klass, seat: i.seat, student_no: `B${String(n).padStart(8, '0')}` }
            : i.role === 'teacher'
              ? { title: '教師' }
              : {};
        return line([
          uuidOf(`identity${k}`, n),
          uuidOf('person', n),
          code,
          i.role,
          JSON.stringify(attributes),
          'roster',
          'active',
          klass ? classes.get(`${code}/${klass}`)! : null,
        ]);
      });
    },
    // A parent identity is bound to a student numbered just before the person (the k-th such, for identity k).
    links(n) {
      return identitiesOf(n).flatMap((i, k) => {
        const child = i.role === 'parent' ? nthStudentBefore(n, k) : 0;
        return child
          ? [
              line([
                uuidOf(`link${k}`, n),
                uuidOf('person', n),
                uuidOf('identity0', child),
                n % 2 ? 'father' : 'mother',
                'bench',
                approvedAt,
              ]),
            ]
          : [];
      });
    },
  };
}

/** Rows of each kind made for people from…to, counted while they stream. */
function counted(from: number, to: number, make: (n: number) => string[], count: (rows: number) => void) {
  return batched(from, to, (n) => {
    const rows = make(n);
    count(rows.length);
    return rows;
  });
}

/**
 * Makes sure `people` bench people exist (adds the missing ones), in chunks that each commit whole (persons with
 * their identities and links). Rows are made while PostgreSQL takes the previous ones, so both cores work.
 */
export async function loadPeople(
  db: Knex,
  keyring: Keyring,
  opts: { people: number; bcryptCost: number; log?: (line: string) => void },
): Promise<LoadResult> {
  const t0 = Date.now();
  const classes = await ensureSchoolsAndClasses(db);
  const rows = rowMakers(
    keyring,
    await hashPassword(BENCH_PEOPLE_PASSWORD, opts.bcryptCost),
    classes,
    new Date().toISOString(),
  );
  const start = (await countBenchPeople(db)) + 1;
  let identities = 0;
  let links = 0;
  const conn = (await db.client.acquireConnection()) as pg.PoolClient;
  try {
    for (let from = start; from <= opts.people; from += CHUNK) {
      const to = Math.min(opts.people, from + CHUNK - 1);
      const took: number[] = [];
      const timed = async (work: Promise<unknown>) => {
        const t = Date.now();
        await work;
        took.push(Date.now() - t);
      };
      let chunkIdentities = 0;
      let chunkLinks = 0;
      await conn.query('begin');
      try {
        await timed(
          copy(
            conn,
            'copy persons (id, email, email_verified, name, password_hash, mobile, mobile_verified, gender, birthdate, national_id_sealed, national_id_index) from stdin',
            batched(from, to, rows.persons),
          ),
        );
        await timed(
          copy(
            conn,
            'copy identities (id, person_id, school_code, role, attributes, source, status, class_id) from stdin',
            counted(from, to, rows.identities, (k) => {
              chunkIdentities += k;
            }),
          ),
        );
        await timed(
          copy(
            conn,
            'copy guardian_links (id, parent_person_id, student_identity_id, relationship, approved_by, approved_at) from stdin',
            counted(from, to, rows.links, (k) => {
              chunkLinks += k;
            }),
          ),
        );
        await timed(conn.query('commit'));
      } catch (err) {
        await conn.query('rollback');
        throw err;
      }
      identities += chunkIdentities;
      links += chunkLinks;
      opts.log?.(`  people ${from}…${to}: ${took.join(' + ')} ms (persons + identities + links + commit)`);
    }
    await conn.query('analyze persons; analyze identities; analyze guardian_links');
  } finally {
    await db.client.releaseConnection(conn);
  }
  const added = Math.max(0, opts.people - start + 1);
  if (added)
    await recordAudit(db, { actor: 'bench', action: 'bench.people_loaded', detail: { added, total: opts.people } });
  const seconds = (Date.now() - t0) / 1000;
  return {
    people: opts.people,
    added,
    identities,
    guardianLinks: links,
    seconds: Math.round(seconds * 10) / 10,
    rowsPerSecond: Math.round((added + identities + links) / seconds),
  };
}

export type DatabaseSize = { databaseBytes: number; tables: Record<string, number> };

export async function databaseSize(db: Knex): Promise<DatabaseSize> {
  const total = await db.raw('select pg_database_size(current_database())::bigint as bytes');
  const tables = await db.raw(`select relname as name, pg_total_relation_size(c.oid)::bigint as bytes from pg_class c
    join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relkind = 'r' order by 2 desc limit 8`);
  return {
    databaseBytes: Number(total.rows[0].bytes),
    tables: Object.fromEntries(tables.rows.map((r: { name: string; bytes: string }) => [r.name, Number(r.bytes)])),
  };
}
