// Writing CSV for spreadsheets (RFC 4180: commas, CRLF, fields quoted when they hold a comma, quote or line break),
// with a guard against formula injection: a cell starting with = + - @ (or a tab or carriage return, which some
// programs skip before looking) gets a leading apostrophe, so a spreadsheet shows it as text instead of running it.

/** The byte-order mark that makes Excel read the file as UTF-8 (Chinese text otherwise turns into mojibake). */
export const CSV_BOM = '\uFEFF';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line of the file, its CRLF included. */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
