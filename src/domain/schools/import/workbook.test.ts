// Reading uploads with exceljs's streaming reader: Chinese text survives chunk boundaries (a multi-byte UTF-8
// character split between two chunks of the zip entry must not turn into U+FFFD; patches/exceljs+4.4.0.patch).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { readWorkbook } from './workbook.ts';

test('keeps every Chinese character of a long sheet, whatever the chunk boundaries', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-workbook-'));
  const file = path.join(dir, 'names.xlsx');
  try {
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file });
    const sheet = writer.addWorksheet('學生');
    const names = Array.from({ length: 20_000 }, (_, i) => `${'王林陳李張'[i % 5]}小${'華美博明'[i % 4]}${i}`);
    for (const name of names) sheet.addRow([name, i18n(name)]).commit();
    sheet.commit();
    await writer.commit();
    const read = await readWorkbook(file, { sheets: ['學生'], maxRows: 30_000 });
    assert.ok(read.ok);
    const rows = read.sheets.get('學生')!.rows;
    assert.equal(rows.length, names.length);
    const broken = rows.filter((r, i) => r.cells[0]?.text !== names[i] || r.cells[1]?.text !== i18n(names[i]!));
    assert.deepEqual(broken.slice(0, 3), [], `${broken.length} rows changed`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A second column of different length, so the boundaries fall everywhere. */
const i18n = (name: string) => `家長${name.slice(0, 2)}`;
