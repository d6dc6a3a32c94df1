// What every import file's check shares: the answer's shape (the checked value, a problem with the whole file, or
// the rows' errors), the template's headers, empty sheets, and formulas.
import type { Cell, SheetRows, SheetSpec } from './workbook.ts';

export type Cells = Cell[];

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

/** The column holding a formula, if any cell of the row does. */
export function formulaColumn(cells: Cells, spec: SheetSpec): string | undefined {
  const i = cells.findIndex((c) => c.formula);
  return i < 0 ? undefined : (spec.columns[i]?.header ?? '');
}

/** By sheet (in the template's order), then by row. */
export function sortErrors(errors: RowError[], sheets: string[]): RowError[] {
  return errors.sort((a, b) => sheets.indexOf(a.sheet) - sheets.indexOf(b.sheet) || a.row - b.row);
}
