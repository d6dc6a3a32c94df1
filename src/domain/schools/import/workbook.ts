// Excel files of the back office's imports (issue 14, item 3): templates made with exceljs (headers in Chinese, one
// example row, lists on the columns that take fixed values), and uploads read with exceljs's streaming reader, one row
// at a time (memory bounded), every cell as the text a person sees, formulas flagged.
import { Worker } from 'node:worker_threads';
import type ExcelJS from 'exceljs';

export type ColumnSpec = {
  header: string;
  /** The column's name in the JSON roster API. */
  field: string;
  example: string;
  list?: readonly string[];
  /** The API's values for the sheet's words (教師 → teacher). */
  words?: Readonly<Record<string, string>>;
  width?: number;
};
export type SheetSpec = { name: string; columns: readonly ColumnSpec[] };

/** exceljs, loaded at the first template or upload, not at start: most processes never read one (memory at rest). */
const exceljs = async () => (await import('exceljs')).default;

/** A template: each sheet with its headers, one example row, and its lists. */
export async function templateWorkbook(sheets: readonly SheetSpec[]): Promise<Buffer> {
  const workbook = new (await exceljs()).Workbook();
  workbook.creator = 'campus-sso';
  for (const spec of sheets) {
    const sheet = workbook.addWorksheet(spec.name);
    sheet.columns = spec.columns.map((c) => ({
      header: c.header,
      width: c.width ?? Math.max(12, c.header.length * 3),
    }));
    sheet.getRow(1).font = { bold: true };
    sheet.addRow(spec.columns.map((c) => c.example));
    spec.columns.forEach((c, i) => {
      if (!c.list) return;
      const column = sheet.getColumn(i + 1).letter;
      // exceljs has a sheet's validations by range at run time; its typings only know them per cell.
      const validations = (
        sheet as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }
      ).dataValidations;
      validations.add(`${column}2:${column}5000`, {
        type: 'list',
        allowBlank: true,
        formulae: [`"${c.list.join(',')}"`],
        showErrorMessage: true,
        errorTitle: c.header,
        error: c.list.join('、'),
      });
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export type Cell = { text: string; formula: boolean };
export type SheetRows = { rows: { number: number; cells: Cell[] }[] };

export type ReadProblem =
  /** Not an .xlsx file (an old .xls, a CSV, a picture, a broken file). */
  | 'not_excel'
  /** More rows than any school has. */
  | 'too_many_rows'
  /** Merged cells in a data sheet: the rows they span would read as empty. */
  | 'merged_cells';

function cellOf(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return { text: '', formula: false };
  if (typeof value === 'string') return { text: value.trim(), formula: false };
  if (typeof value === 'number' || typeof value === 'boolean') return { text: String(value), formula: false };
  if (value instanceof Date) return { text: value.toISOString().slice(0, 10), formula: false };
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: ExcelJS.CellValue }).result;
    return { text: cellOf(result ?? null).text, formula: true };
  }
  if ('richText' in value)
    return {
      text: value.richText
        .map((r) => r.text)
        .join('')
        .trim(),
      formula: false,
    };
  if ('text' in value) return { text: String(value.text).trim(), formula: false };
  return { text: '', formula: false };
}

/** Rows handed over as they are read (then not kept), and the end of each sheet. */
export type RowSink = { row(sheet: string, row: SheetRows['rows'][number]): void; endSheet(sheet: string): void };

/**
 * The rows of the wanted sheets (by name), at most `maxRows` data rows each; empty rows are skipped. With `sink` each
 * row goes to it as it is read and the sheets come back empty (memory stays bounded). A file that is no workbook, or
 * a sheet longer than allowed, is a problem, not an error.
 */
export async function readWorkbook(
  file: string,
  opts: { sheets: readonly string[]; maxRows: number; sink?: RowSink },
): Promise<
  { ok: true; sheets: Map<string, SheetRows> } | { ok: false; problem: ReadProblem; sheet?: string; detail?: string }
> {
  const sheets = new Map<string, SheetRows>();
  try {
    const reader = new (await exceljs()).stream.xlsx.WorkbookReader(file, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      // Styles tell a date from a number (a birth date typed as a date is a number formatted as one).
      styles: 'cache',
      entries: 'ignore',
    });
    for await (const worksheet of reader) {
      const name = String((worksheet as unknown as { name?: string }).name ?? '').trim();
      const wanted = opts.sheets.includes(name) && !sheets.has(name);
      const rows: SheetRows['rows'] = [];
      let count = 0;
      // The reader's events, not only its rows: merged ranges come after them (patches/exceljs+4.4.0.patch).
      const events = (
        worksheet as unknown as { parse(): AsyncIterable<{ eventType: string; value: unknown }[]> }
      ).parse();
      for await (const batch of events) {
        if (!wanted) continue;
        for (const { eventType, value } of batch) {
          if (eventType === 'merge') return { ok: false, problem: 'merged_cells', sheet: name, detail: String(value) };
          if (eventType !== 'row') continue;
          const row = value as ExcelJS.Row;
          const values = (row.values as ExcelJS.CellValue[]).slice(1);
          // exceljs leaves holes for empty cells: Array.from fills them (map would keep them).
          const cells = Array.from(values, (v) => cellOf(v ?? null));
          if (!cells.some((c) => c.text)) continue;
          if (++count > opts.maxRows + 1) return { ok: false, problem: 'too_many_rows', sheet: name };
          if (opts.sink) opts.sink.row(name, { number: row.number, cells });
          else rows.push({ number: row.number, cells });
        }
      }
      if (wanted) {
        sheets.set(name, { rows });
        opts.sink?.endSheet(name);
      }
    }
  } catch {
    return { ok: false, problem: 'not_excel' };
  }
  return { ok: true, sheets };
}

/** The worker's heap: enough for a workbook's shared strings and styles, and a bound on the reader's garbage. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 };

type WorkerMessage =
  | { type: 'rows'; rows: { sheet: string; row: SheetRows['rows'][number] }[] }
  | { type: 'end'; sheet: string }
  | { type: 'done'; result: { ok: true } | { ok: false; problem: ReadProblem; sheet?: string; detail?: string } };

/**
 * readWorkbook with a sink, in a worker thread (workbook-worker.ts): the rows reach the sink in the order read, and
 * the reader's per-cell garbage stays in the worker's capped heap. A workbook the worker cannot hold is too large.
 */
export function readWorkbookIsolated(
  file: string,
  opts: { sheets: readonly string[]; maxRows: number; sink: RowSink },
): Promise<
  { ok: true; sheets: Map<string, SheetRows> } | { ok: false; problem: ReadProblem; sheet?: string; detail?: string }
> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: Awaited<ReturnType<typeof readWorkbookIsolated>>) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      resolve(value);
    };
    const worker = new Worker(new URL('./workbook-worker.ts', import.meta.url), {
      workerData: { file, sheets: [...opts.sheets], maxRows: opts.maxRows },
      resourceLimits: WORKER_LIMITS,
    });
    worker.on('message', (m: WorkerMessage) => {
      if (settled) return;
      if (m.type === 'rows') for (const { sheet, row } of m.rows) opts.sink.row(sheet, row);
      else if (m.type === 'end') opts.sink.endSheet(m.sheet);
      else settle(m.result.ok ? { ok: true, sheets: new Map() } : m.result);
    });
    // Out of its memory (ERR_WORKER_OUT_OF_MEMORY) or anything else: the file is more than a school's roster.
    worker.on('error', () => settle({ ok: false, problem: 'too_many_rows' }));
    worker.on('exit', () => settle({ ok: false, problem: 'not_excel' }));
  });
}
