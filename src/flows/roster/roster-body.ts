// The JSON roster's body, one schema per file, made from the Excel templates' columns (JSON_PARTS): each part an array
// of rows whose fields are the columns' `field`s, each a text, a number or null. The handler checks the body with it
// (the same error table as the template's rows: part, index, field), the API reference shows it, and the template's
// example row is the example (refused as such when sent: its national ID is no one's, rows.ts exampleRow).
import { z } from 'zod';
import { JSON_PARTS } from '../../domain/schools/import/json.ts';
import { IMPORT_FILES, type ImportFile } from '../../domain/schools/import/staging.ts';
import type { ColumnSpec } from '../../domain/schools/import/workbook.ts';

const Cell = z.union([z.string().max(200), z.number(), z.null()]);

/** The API's value of the template's example (教師 → teacher). */
const apiValue = (f: ColumnSpec) => f.words?.[f.example] ?? f.example;

const describe = (f: ColumnSpec) => {
  const values = f.words
    ? `: ${Object.values(f.words)
        .map((v) => `\`${v}\``)
        .join(', ')}`
    : '';
  return `the template’s ${f.header}${values}`;
};

const rowOf = (fields: readonly ColumnSpec[]) =>
  z.strictObject(Object.fromEntries(fields.map((f) => [f.field, Cell.optional().meta({ description: describe(f) })])));

const files = Object.keys(IMPORT_FILES) as ImportFile[];

export const ROSTER_BODIES = Object.fromEntries(
  files.map((file) => [
    file,
    z.strictObject(
      Object.fromEntries(
        JSON_PARTS[file].map((p) => [p.part, z.array(rowOf(p.fields)).max(IMPORT_FILES[file].maxRows)]),
      ),
    ),
  ]),
) as Record<ImportFile, z.ZodObject>;

/** Each file's body with the template's example row in each part. */
export const ROSTER_EXAMPLES = Object.fromEntries(
  files.map((file) => [
    file,
    Object.fromEntries(
      JSON_PARTS[file].map((p) => [
        p.part,
        [Object.fromEntries(p.fields.filter((f) => f.example !== '').map((f) => [f.field, apiValue(f)]))],
      ]),
    ),
  ]),
) as Record<ImportFile, Record<string, Record<string, string>[]>>;

export type ShapeError = { part: string; index: number; field: string; message: string };

const ROW = 'an object of field names and text or numbers';

/** zod's issues as the roster's error table names them: the part, the row's index (-1: the part), the field. */
export function shapeErrors(error: z.ZodError): ShapeError[] {
  return error.issues.flatMap((issue): ShapeError[] => {
    const [part, index, field] = issue.path;
    const where = { part: typeof part === 'string' ? part : '', index: typeof index === 'number' ? index : -1 };
    if (issue.code === 'unrecognized_keys') {
      if (where.index < 0)
        return issue.keys.map((key) => ({ part: key, index: -1, field: '', message: 'not a part of this file' }));
      return issue.keys.map((key) => ({ ...where, field: key, message: 'not a field of this part' }));
    }
    if (typeof field === 'string')
      return [{ ...where, field, message: 'text, a number or null (at most 200 characters)' }];
    return [{ ...where, field: '', message: where.index < 0 ? issue.message : ROW }];
  });
}
