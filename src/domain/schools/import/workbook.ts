// Excel files of the back office's imports (issue 14, item 3): templates made with exceljs (headers in Chinese, one
// example row, lists on the columns that take fixed values), and uploads read with exceljs's streaming reader, one row
// at a time (memory bounded), every cell as the text a person sees, formulas flagged. A file is refused while it is
// read, before it can cost much, when it unpacks to more than a roster does, when a cell holds more text than any
// roster value, or when its rows hold more text in all than a school's roster (READ_LIMITS); uploads are read in a
// worker thread of their own (isolated.ts).
import { type Readable, Transform } from 'node:stream';
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
  /** A name or title: read as typed (trimmed); every other column's full-width digits and letters are made half-width. */
  asTyped?: boolean;
  /**
   * The example is no real value (a national ID that fails its checksum, no one's): a row holding it is the template's
   * example row, refused as such (rows.ts exampleRow).
   */
  exampleOnly?: boolean;
};
export type SheetSpec = { name: string; columns: readonly ColumnSpec[] };

/**
 * What the templates write beside their example row, in the cell after its columns: a row carrying it is the example,
 * refused as such (rows.ts exampleRow) whatever its values — the example is there to be copied, never imported.
 */
export const EXAMPLE_MARK = '← 範例列：上傳前請刪除這一列';

/** exceljs, loaded at the first template or upload, not at start: most processes never read one (memory at rest). */
const exceljs = async () => (await import('exceljs')).default;

/**
 * A template: each sheet with its headers, one example row, and its lists. The example row says it is one in the cell
 * after its columns (EXAMPLE_MARK, in grey): a row carrying it is refused as the example, so a template uploaded as it
 * is imports nothing.
 */
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
    const example = sheet.addRow([...spec.columns.map((c) => c.example), EXAMPLE_MARK]);
    example.getCell(spec.columns.length + 1).font = { italic: true, color: { argb: 'FF767676' } };
    sheet.getColumn(spec.columns.length + 1).width = 30;
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
  | 'merged_cells'
  /** A cell of the template's columns with more text than any roster value (`detail`: the cell, B5). */
  | 'cell_too_long'
  /** More to unpack, or more text in all, than a school's roster: a compressed bomb, or not a roster. */
  | 'too_large';

/**
 * What an upload may cost while it is read. The largest roster the templates allow (59,500 students and as many
 * parents) unpacks to 34–44 MB, some 370 bytes a row, and holds some 3.8 million characters; the longest value a
 * check takes is an email address (254).
 */
export const READ_LIMITS = {
  /**
   * What the parts of a workbook that are read (sheets, shared strings, styles) may unpack to: 2 KiB for each row a
   * sheet may have (`maxRows`), and 8 MiB — 125 MiB for 學生及家長, 47 MiB for 班級及教師 and 配課. Reading costs
   * time by the byte (exceljs reads 3–10 MB a second, slowest on XML that is all tags), not memory.
   */
  unpackedBytes: (maxRows: number) => 2 * 1024 * maxRows + 8 * 1024 * 1024,
  /** One cell of the template's columns (a OneRoster field the mapping reads). */
  cellChars: 1_000,
  /** The text of every row handed over, in all. */
  textChars: 16_000_000,
} as const;

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

/** A column's letters (1 → A, 28 → AB). */
function columnName(n: number): string {
  let name = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) name = String.fromCharCode(65 + ((k - 1) % 26)) + name;
  return name;
}

/** Rows handed over as they are read (then not kept), and the end of each sheet. */
export type RowSink = { row(sheet: string, row: SheetRows['rows'][number]): void; endSheet(sheet: string): void };

/** The text the rows handed over may still hold (READ_LIMITS.textChars in all); false once it is spent. */
export function textBudget(): (cells: readonly Cell[]) => boolean {
  let left: number = READ_LIMITS.textChars;
  return (cells) => {
    for (const c of cells) left -= c.text.length;
    return left >= 0;
  };
}

/**
 * Counts what the reader unpacks — every part it reads, sheets it skips too — and fails the part being read past
 * `max` bytes; whether it did. exceljs 4.4.0's reader (as patched) hands each part to one of these methods.
 */
function countUnpacked(reader: ExcelJS.stream.xlsx.WorkbookReader, max: number): () => boolean {
  let unpacked = 0;
  const count = (chunk: { length: number }) => {
    unpacked += chunk.length;
    if (unpacked > max) throw new Error('unpacks to too much');
  };
  // biome-ignore lint/suspicious/noExplicitAny: exceljs's private methods, typed nowhere
  const parts = reader as unknown as Record<string, (...args: any[]) => unknown> & {
    sharedStrings?: unknown[];
    workbookRels?: unknown[];
  };
  for (const method of ['_parseRels', '_parseWorkbook', '_parseSharedStrings', '_parseStyles']) {
    const parse = parts[method]!;
    parts[method] = function (this: unknown, entry: Readable) {
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          try {
            count(chunk);
            done(null, chunk);
          } catch (err) {
            done(err as Error);
          }
        },
      });
      entry.on('error', (err) => counted.destroy(err));
      return parse.call(this, entry.pipe(counted));
    };
  }
  const worksheet = parts._parseWorksheet!;
  parts._parseWorksheet = function (this: unknown, iterator: AsyncIterable<Buffer>, sheetNo: unknown) {
    return worksheet.call(
      this,
      (async function* () {
        for await (const chunk of iterator) {
          count(chunk);
          yield chunk;
        }
      })(),
      sheetNo,
    );
  };
  // Without these the reader copies every worksheet, unpacked and uncounted, to a temporary file first (a workbook
  // without shared strings): the real ones, read before the worksheets, take their place.
  parts.sharedStrings = [];
  parts.workbookRels = [];
  return () => unpacked > max;
}

type ReadResult =
  | { ok: true; sheets: Map<string, SheetRows> }
  | { ok: false; problem: ReadProblem; sheet?: string; detail?: string };

/**
 * The rows of the wanted sheets (by name), at most `maxRows` data rows each; empty rows are skipped. With `columns`
 * (a sheet's number of template columns) a row keeps those cells, and of the cells after them only whether one holds
 * text or a formula (one more cell: the header row must have nothing there, a formula anywhere is flagged). With
 * `sink` each row goes to it as it is read and the sheets come back empty (memory stays bounded). A file that is no
 * workbook, a sheet longer than allowed, or a file past READ_LIMITS is a problem, not an error.
 */
export async function readWorkbook(
  file: string,
  opts: {
    sheets: readonly string[];
    maxRows: number;
    columns?: Readonly<Record<string, number>>;
    sink?: RowSink;
  },
): Promise<ReadResult> {
  const sheets = new Map<string, SheetRows>();
  const spend = textBudget();
  let tooLarge = () => false;
  try {
    const reader = new (await exceljs()).stream.xlsx.WorkbookReader(file, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      // Styles tell a date from a number (a birth date typed as a date is a number formatted as one).
      styles: 'cache',
      entries: 'ignore',
    });
    tooLarge = countUnpacked(reader, READ_LIMITS.unpackedBytes(opts.maxRows));
    for await (const worksheet of reader) {
      const name = String((worksheet as unknown as { name?: string }).name ?? '').trim();
      const wanted = opts.sheets.includes(name) && !sheets.has(name);
      const width = opts.columns?.[name];
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
          const values = row.values as ExcelJS.CellValue[];
          const last = values.length - 1;
          // exceljs leaves holes for empty cells: Array.from fills them (map would keep them).
          const cells = Array.from({ length: Math.min(last, width ?? last) }, (_, i) => cellOf(values[i + 1] ?? null));
          const long = cells.findIndex((c) => c.text.length > READ_LIMITS.cellChars);
          if (long >= 0)
            return { ok: false, problem: 'cell_too_long', sheet: name, detail: `${columnName(long + 1)}${row.number}` };
          if (width !== undefined && last > width) {
            const rest = { text: '', formula: false };
            // forEach skips the holes: only the cells the row has.
            values.forEach((v, i) => {
              if (i <= width) return;
              const cell = cellOf(v ?? null);
              rest.text ||= cell.text.slice(0, READ_LIMITS.cellChars);
              rest.formula ||= cell.formula;
            });
            if (rest.text || rest.formula) cells.push(rest);
          }
          if (!cells.some((c) => c.text)) continue;
          if (++count > opts.maxRows + 1) return { ok: false, problem: 'too_many_rows', sheet: name };
          if (!spend(cells)) return { ok: false, problem: 'too_large' };
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
    return { ok: false, problem: tooLarge() ? 'too_large' : 'not_excel' };
  }
  return { ok: true, sheets };
}
