// The roster as a school-affairs system sends it (issue 14, item 7): JSON objects per part with English field names,
// turned into the import template's sheets so that the very same checks run and the same error table comes back —
// each error with its part, the row's index in the array, the field, and the message in plain words.
import { z } from 'zod';
import type { RowError } from './rows.ts';
import { IMPORT_FILES, type ImportFile, type PartName } from './staging.ts';
import type { ColumnSpec, SheetRows } from './workbook.ts';

type JsonPart = { part: PartName; sheet: string; fields: readonly ColumnSpec[] };

/** The JSON parts of each file: its sheets, in order, by the parts they fill; each column by its `field`. */
export const JSON_PARTS = Object.fromEntries(
  Object.entries(IMPORT_FILES).map(([file, f]) => [
    file,
    f.sheets.map((sheet, i): JsonPart => ({ part: f.parts[i]!, sheet: sheet.name, fields: sheet.columns })),
  ]),
) as unknown as Record<ImportFile, readonly JsonPart[]>;

const Value = z.union([z.string().max(200), z.number(), z.null()]);
const Row = z.record(z.string().max(40), Value);

export type JsonShapeError = { part: string; index: number; field: string; message: string };

/**
 * The body as the template's sheets; a body that is not the expected shape (an object with an array of row objects
 * per part, unknown fields, too many rows) is answered with where, before any row is checked.
 */
export function sheetsFromJson(
  file: ImportFile,
  body: unknown,
  maxRows: number,
): { ok: true; sheets: Map<string, SheetRows> } | { ok: false; errors: JsonShapeError[] } {
  const parts = JSON_PARTS[file];
  const shape = z
    .object(Object.fromEntries(parts.map((p) => [p.part, z.array(z.unknown()).max(maxRows)])))
    .strict()
    .safeParse(body);
  if (!shape.success)
    return {
      ok: false,
      errors: shape.error.issues.map((i) => ({
        part: String(i.path[0] ?? ''),
        index: -1,
        field: '',
        message: i.message,
      })),
    };
  const errors: JsonShapeError[] = [];
  const sheets = new Map<string, SheetRows>();
  for (const p of parts) {
    const known = new Set(p.fields.map((f) => f.field));
    const rows: SheetRows['rows'] = [{ number: 1, cells: p.fields.map((f) => ({ text: f.header, formula: false })) }];
    (shape.data[p.part] as unknown[]).forEach((raw, index) => {
      const row = Row.safeParse(raw);
      if (!row.success) {
        errors.push({ part: p.part, index, field: '', message: 'an object of field names and text or numbers' });
        return;
      }
      for (const field of Object.keys(row.data))
        if (!known.has(field)) errors.push({ part: p.part, index, field, message: 'not a field of this part' });
      rows.push({
        number: index + 2,
        cells: p.fields.map((f) => {
          const value = row.data[f.field];
          const text = value === null || value === undefined ? '' : String(value).trim();
          const word = f.words && Object.entries(f.words).find(([, v]) => v === text)?.[0];
          return { text: word ?? text, formula: false };
        }),
      });
    });
    sheets.set(p.sheet, { rows });
  }
  return errors.length ? { ok: false, errors } : { ok: true, sheets };
}

export type JsonRowError = {
  part: PartName;
  index: number;
  field: string;
  /** The template's column, as the Excel error table names it. */
  column: string;
  /** The problem's code (`nationalId`, `duplicate`, `noSuchClass`, …). */
  code: string;
  message: string;
};

/** An Excel-path row error as the JSON answer names it (the message translated by the caller). */
export function jsonRowError(file: ImportFile, e: RowError, message: string): JsonRowError {
  const part = JSON_PARTS[file].find((p) => p.sheet === e.sheet)!;
  return {
    part: part.part,
    index: e.row - 2,
    field: part.fields.find((f) => f.header === e.column)?.field ?? '',
    column: e.column,
    code: e.message.replace(/^school\.import\.errors\./, ''),
    message,
  };
}
