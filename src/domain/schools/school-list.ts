// The ministry's school list as CSV (issue 15, item 6): read tolerantly — UTF-8 (with or without a byte-order mark)
// or Big5, the columns found by their usual names (學校代碼/代碼, 學校名稱, 學制, 公私立, 縣市區…), the level and kind
// in the ministry's words (國民小學, 私立…) or ours, a level missing from the file taken from the school's name —
// each bad row listed with its line; then compared with our schools (new, changed, unchanged) and written in one
// transaction, audited.
import { parse } from 'csv-parse/sync';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { OneUseStore } from '../../platform/one-use.ts';
import { recordAudit } from '../audit.ts';
import { checkSchool, type SchoolErrors, type SchoolInput } from './directory.ts';

export type ListRow = SchoolInput & { line: number };
/** A row's problem: its line, the column and what it holds; a repeated code (`codeTwice`) names the line it had first. */
export type ListProblem = { line: number; field?: keyof SchoolInput; error: string; value?: string; earlier?: number };
/**
 * Why a file is not CSV, at its line: a quote where none can be (`strayQuote`: `大安"國中`, `"大安"國中`), a quote
 * opened there and never closed (`openQuote`), or anything else csv-parse refuses (`other`).
 */
export type CsvProblem = 'strayQuote' | 'openQuote' | 'other';
export type ParsedList =
  | { ok: true; rows: ListRow[]; problems: ListProblem[] }
  | { ok: false; error: 'notText' | 'noHeader' | 'empty' | 'tooMany' }
  | { ok: false; error: 'notCsv'; line: number; problem: CsvProblem };

export const SCHOOL_LIST_MAX_ROWS = 20_000;

/** Header names as the ministry's files and ours spell them (compared without spaces, slashes or case). */
const HEADERS: Record<keyof SchoolInput, string[]> = {
  code: ['學校代碼', '代碼', '學校代號', 'code', 'schoolcode'],
  name: ['學校名稱', '校名', '名稱', 'name', 'schoolname'],
  level: ['學制', '學級', '學校類別', '類別', '等級別', 'level'],
  kind: ['公私立', '公私立別', '設立別', 'kind'],
  district: ['縣市區', '縣市鄉鎮區', '鄉鎮市區', '行政區', '縣市名稱', '縣市', 'district'],
};

const LEVEL_WORDS: [string, RegExp][] = [
  ['special', /特教|特殊教育|啟智|啟聰|啟明|^special$/i],
  ['vocational', /高職|職業|高工|高商|高農|高家|^vocational$/i],
  ['senior', /高中|高級中學|高級中等|完全中學|^senior$/i],
  ['junior', /國中|國民中學|^junior$/i],
  ['elementary', /國小|國民小學|小學|^elementary$|^primary$/i],
];

const key = (header: string) =>
  header
    .normalize('NFKC')
    .replace(/[\s/／_-]/g, '')
    .toLowerCase();

/** Our level for the ministry's word (or ours); '' when it names none. */
export function levelOf(word: string): string {
  return LEVEL_WORDS.find(([, re]) => re.test(word.trim()))?.[0] ?? '';
}

/** Our kind for the ministry's word (or ours); '' when it names none. */
export function kindOf(word: string): string {
  const w = word.trim();
  if (/私立|^private$/i.test(w)) return 'private';
  if (/公立|市立|國立|縣立|^public$|^municipal$/i.test(w)) return 'municipal';
  return '';
}

/** A code as spreadsheets leave it: `="013601"`, `'013601`, or 13601 with its leading zero dropped. */
function codeOf(cell: string): string {
  const code = cell.replace(/^=?["']*|["']+$/g, '').trim();
  return /^\d{5}$/.test(code) ? `0${code}` : code;
}

function decode(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    try {
      return new TextDecoder('big5', { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
  }
}

const STRAY_QUOTE = ['INVALID_OPENING_QUOTE', 'CSV_INVALID_CLOSING_QUOTE', 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE'];

/**
 * Where csv-parse stopped, as a person finds it in the file: the line it names; for a quote never closed (csv-parse
 * names the file's last line) the line it was opened on, the first one with text after the last whole record.
 */
function csvProblem(text: string, error: unknown, lastRecordEnd: number): { line: number; problem: CsvProblem } {
  const { code, lines } = (error ?? {}) as { code?: string; lines?: number };
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    const after = text.split(/\r\n|\r|\n/).findIndex((l, i) => i >= lastRecordEnd && l.trim() !== '');
    return { line: after < 0 ? lastRecordEnd + 1 : after + 1, problem: 'openQuote' };
  }
  const line = typeof lines === 'number' && lines > 0 ? lines : lastRecordEnd + 1;
  return { line, problem: code && STRAY_QUOTE.includes(code) ? 'strayQuote' : 'other' };
}

export function parseSchoolList(bytes: Uint8Array): ParsedList {
  const text = decode(bytes);
  if (text === undefined || text.includes('\u0000')) return { ok: false, error: 'notText' };
  let records: { record: string[]; info: { lines: number } }[];
  let lastRecordEnd = 0;
  try {
    records = parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      on_record: (record, context) => {
        lastRecordEnd = context.lines;
        return record;
      },
    }) as unknown as typeof records;
  } catch (error) {
    return { ok: false, error: 'notCsv', ...csvProblem(text, error, lastRecordEnd) };
  }
  const header = records[0]?.record.map(key) ?? [];
  const column = Object.fromEntries(
    Object.entries(HEADERS).map(([field, names]) => [field, header.findIndex((h) => names.map(key).includes(h))]),
  ) as Record<keyof SchoolInput, number>;
  if (column.code < 0 || column.name < 0) return { ok: false, error: 'noHeader' };
  if (records.length < 2) return { ok: false, error: 'empty' };
  if (records.length - 1 > SCHOOL_LIST_MAX_ROWS) return { ok: false, error: 'tooMany' };
  const rows: ListRow[] = [];
  const problems: ListProblem[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    const cell = (field: keyof SchoolInput) => (column[field] >= 0 ? (record[column[field]] ?? '').trim() : '');
    if (record.every((c) => !c.trim())) continue;
    const name = cell('name');
    const levelWord = cell('level');
    const kindWord = cell('kind');
    const row: ListRow = {
      line,
      code: codeOf(cell('code')),
      name,
      level: levelOf(levelWord || name),
      kind: kindWord ? kindOf(kindWord) : /私立/.test(name) ? 'private' : 'municipal',
      district: cell('district'),
    };
    const errors: SchoolErrors = checkSchool(row);
    const shown: Record<keyof SchoolInput, string> = { ...row, level: levelWord, kind: kindWord };
    for (const [field, error] of Object.entries(errors) as [keyof SchoolInput, string][])
      problems.push({ line, field, error, value: shown[field] });
    const earlier = seen.get(row.code);
    if (!errors.code && earlier !== undefined)
      problems.push({ line, field: 'code', error: 'codeTwice', value: row.code, earlier });
    if (!Object.keys(errors).length && earlier === undefined) rows.push(row);
    if (!errors.code && earlier === undefined) seen.set(row.code, line);
  }
  return { ok: true, rows, problems };
}

export type ListPlan = {
  added: SchoolInput[];
  changed: { before: SchoolInput; after: SchoolInput }[];
  unchanged: number;
};

const FIELDS = ['name', 'level', 'kind', 'district'] as const;

/** What the list would change: new schools, and schools whose values differ (a district the file leaves out stays). */
export async function planSchoolList(db: Knex, rows: SchoolInput[]): Promise<ListPlan> {
  const existing = new Map<string, SchoolInput>();
  for (let i = 0; i < rows.length; i += 1000) {
    const found: (Omit<SchoolInput, 'district'> & { district: string | null })[] = await db('schools')
      .whereIn(
        'code',
        rows.slice(i, i + 1000).map((r) => r.code),
      )
      .select('code', 'name', 'level', 'kind', 'district');
    for (const f of found) existing.set(f.code, { ...f, district: f.district ?? '' });
  }
  const plan: ListPlan = { added: [], changed: [], unchanged: 0 };
  for (const row of rows) {
    const { code, name, level, kind, district } = row;
    const before = existing.get(code);
    const after = { code, name, level, kind, district: district || (before?.district ?? '') };
    if (!before) plan.added.push(after);
    else if (FIELDS.some((f) => before[f] !== after[f])) plan.changed.push({ before, after });
    else plan.unchanged++;
  }
  return plan;
}

/** Writes the list's new and changed schools in one transaction (one import at a time), each audited. */
export async function applySchoolList(db: Knex, rows: SchoolInput[], actor: string): Promise<ListPlan> {
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['school-list-import']);
    const plan = await planSchoolList(trx, rows);
    const writes = [...plan.added, ...plan.changed.map((c) => c.after)];
    for (let i = 0; i < writes.length; i += 500) {
      const chunk = writes.slice(i, i + 500).map((w) => ({ ...w, district: w.district || null }));
      await trx('schools')
        .insert(chunk)
        .onConflict('code')
        .merge([...FIELDS]);
    }
    const audit = (school: SchoolInput, action: string) => ({
      actor,
      action,
      subject: school.code,
      detail: JSON.stringify({ via: 'school_list' }),
    });
    const entries = [
      ...plan.added.map((s) => audit(s, 'school.added')),
      ...plan.changed.map((c) => audit(c.after, 'school.saved')),
    ];
    for (let i = 0; i < entries.length; i += 500) await trx('audit_events').insert(entries.slice(i, i + 500));
    await recordAudit(trx, {
      actor,
      action: 'school.list_imported',
      detail: { added: plan.added.length, changed: plan.changed.length, unchanged: plan.unchanged },
    });
    return plan;
  });
}

/** A checked list between its preview and "import now": its good rows, kept for the administrator who uploaded it. */
const Draft = z.object({
  actor: z.string(),
  filename: z.string().max(200),
  rows: z.array(
    z.object({ code: z.string(), name: z.string(), level: z.string(), kind: z.string(), district: z.string() }),
  ),
});
export type SchoolListDraft = z.infer<typeof Draft>;

/** The import as the console uses it: a file read, its plan, a draft kept between preview and import, the import. */
export class SchoolListImport {
  readonly #db: Knex;
  /** Drafts between the preview and "import now", 30 minutes. */
  readonly drafts;

  constructor(db: Knex, oneUse: OneUseStore) {
    this.#db = db;
    this.drafts = oneUse.kind({ name: 'school-list', schema: Draft, ttlSeconds: 1800 });
  }

  read(bytes: Uint8Array): ParsedList {
    return parseSchoolList(bytes);
  }

  plan(rows: SchoolInput[]): Promise<ListPlan> {
    return planSchoolList(this.#db, rows);
  }

  apply(rows: SchoolInput[], actor: string): Promise<ListPlan> {
    return applySchoolList(this.#db, rows, actor);
  }
}
