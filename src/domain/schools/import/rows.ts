// What every import file's check shares: the answer's shape (the checked value, a problem with the whole file, or
// the rows' errors), the template's headers, empty sheets, formulas, and a row's values as the checks read them.
import { halfWidth } from '../half-width.ts';
import type { Cell, SheetRows, SheetSpec } from './workbook.ts';

export type Cells = Cell[];

const ERRORS = 'school.import.errors.';

/** One problem: the row (as Excel numbers it), the sheet and column, and the message's i18n key with its values. */
export type RowError = { row: number; sheet: string; column: string; message: string; values?: Record<string, string> };

/** A problem with the whole file: a sheet not in the template's format, or one that must have rows and has none. */
export type FileProblem = { ok: false; problem: 'wrong_template' | 'empty'; sheet: string };

export type SheetCheck<T> = { ok: true; value: T } | FileProblem | { ok: false; errors: RowError[] };

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

/** By sheet (in the template's order), then by row. */
export function sortErrors(errors: RowError[], sheets: string[]): RowError[] {
  return errors.sort((a, b) => sheets.indexOf(a.sheet) - sheets.indexOf(b.sheet) || a.row - b.row);
}
