// What every import file's check shares: the answer's shape (the checked value, a problem with the whole file, or
// the rows' errors), the template's headers, empty sheets, formulas, and a row's values as the checks read them.
import { halfWidth } from '../half-width.ts';
import { type Cell, EXAMPLE_MARK, type SheetRows, type SheetSpec } from './workbook.ts';

export type Cells = Cell[];

const ERRORS = 'school.import.errors.';

/** One problem: the row (as Excel numbers it), the sheet and column, and the message's i18n key with its values. */
export type RowError = { row: number; sheet: string; column: string; message: string; values?: Record<string, string> };

/** A problem with the whole file: a sheet not in the template's format, or one that must have rows and has none. */
export type FileProblem = { ok: false; problem: 'wrong_template' | 'empty'; sheet: string };

/**
 * A sheet's check: the checked value, a problem with the whole file, or the rows' errors — with what the rows said
 * (`value`), when the check got that far, for the checks that need the database (accounts.ts) to list theirs too.
 */
export type SheetCheck<T> = { ok: true; value: T } | FileProblem | { ok: false; errors: RowError[]; value?: T };

/** The sheet's header row must be the template's, in its order. */
function headersMatch(sheet: SheetRows | undefined, spec: SheetSpec): boolean {
  const header = sheet?.rows[0];
  return (
    header?.number === 1 &&
    spec.columns.every((c, i) => header.cells[i]?.text === c.header) &&
    header.cells.slice(spec.columns.length).every((c) => !c.text)
  );
}

/** Every sheet in the template's format, and those that must have rows with some. */
export function fileProblem(
  sheets: Map<string, SheetRows>,
  specs: readonly SheetSpec[],
  needRows: readonly string[],
): FileProblem | undefined {
  for (const spec of specs)
    if (!headersMatch(sheets.get(spec.name), spec)) return { ok: false, problem: 'wrong_template', sheet: spec.name };
  for (const name of needRows)
    if (sheets.get(name)!.rows.length < 2) return { ok: false, problem: 'empty', sheet: name };
  return undefined;
}

/**
 * How a row's problems are listed: each cell holding a formula (a cell after the template's columns named by no
 * column), then through `fail` every problem the row's checks find in its other cells — all of a row's problems at
 * once, so that the person corrects them in one go. Of a formula's cell only the formula is said; the checks read it
 * as the result it shows.
 */
export function rowProblems(
  errors: RowError[],
  spec: SheetSpec,
  row: number,
  cells: Cells,
): (column: string, message: string, values?: Record<string, string>) => void {
  const formulas = new Set(cells.flatMap((c, i) => (c.formula ? [spec.columns[i]?.header ?? ''] : [])));
  for (const column of formulas) errors.push({ row, sheet: spec.name, column, message: `${ERRORS}formula` });
  return (column, message, values) => {
    if (!formulas.has(column)) errors.push({ row, sheet: spec.name, column, message: `${ERRORS}${message}`, values });
  };
}

/**
 * A row's values, one for each of the template's columns, as the checks read them: numbers, codes, dates and phone
 * numbers with their full-width characters made half-width (halfWidth: a Chinese input method types １１３０００１,
 * ７０１, ０９１２３４５６７８), as the back office's forms read them; names and titles (`asTyped`) only trimmed. Every
 * file that comes as rows (a workbook, the JSON roster API, a OneRoster bundle) is read through here.
 */
export function rowValues(cells: Cells, spec: SheetSpec): string[] {
  return spec.columns.map((c, i) => {
    const text = cells[i]?.text ?? '';
    return c.asTyped ? text.trim() : halfWidth(text);
  });
}

/** A failed check as any check's answer: its problems, without what its rows said. */
export function failure(
  c: FileProblem | { ok: false; errors: RowError[] },
): FileProblem | { ok: false; errors: RowError[] } {
  return 'errors' in c ? { ok: false, errors: c.errors } : c;
}

/**
 * The templates' example national IDs: the format a school types, and no one's — each fails the checksum, so no row
 * can hold it by mistake for a person (and none is a demo person's, as the walk found A123456789 and F223456786 were).
 */
export const EXAMPLE_NATIONAL_IDS = { staff: 'A100000000', student: 'B200000000' } as const;
/** The words of the template's mark (EXAMPLE_MARK) that are looked for (the arrow or the rest may go in a copy). */
const EXAMPLE_WORDS = '範例列';
if (!EXAMPLE_MARK.includes(EXAMPLE_WORDS)) throw new Error('the example mark must hold its words');

/**
 * Whether the row is the template's example: it carries EXAMPLE_MARK after its columns (a workbook), or holds the
 * example's value in a column whose example is no real value (`exampleOnly`: a national ID failing its checksum) —
 * in a workbook, the JSON roster API and a OneRoster bundle alike. The column to name in the error table.
 */
export function exampleRow(cells: Cells, spec: SheetSpec, values: readonly string[]): string | undefined {
  const marked = spec.columns.find((c, i) => c.exampleOnly && c.example && values[i] === c.example);
  if (marked) return marked.header;
  const after = cells[spec.columns.length]?.text ?? '';
  return after.includes(EXAMPLE_WORDS) ? spec.columns[0]!.header : undefined;
}

/** By sheet (in the template's order), then by row. */
export function sortErrors(errors: RowError[], sheets: string[]): RowError[] {
  return errors.sort((a, b) => sheets.indexOf(a.sheet) - sheets.indexOf(b.sheet) || a.row - b.row);
}
