// Reading uploads with exceljs's streaming reader (patches/exceljs+4.4.0.patch): Chinese text survives chunk
// boundaries (a multi-byte UTF-8 character split between two chunks of the zip entry must not turn into U+FFFD), and
// zips whose entries carry data descriptors (as exceljs and other streaming writers make them) are read through their
// central directory, every one of them, with nothing left reading the file afterwards (it is removed right after).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { readWorkbookIsolated } from './isolated.ts';
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

test('reads every one of 200 small workbooks written with data descriptors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-workbooks-'));
  try {
    const failed: number[] = [];
    for (let i = 0; i < 200; i++) {
      // The shape of a 班級及教師 file, with made-up ID-like values: the compressed bytes differ every time.
      const id = () => `${'ABCDEFGH'[crypto.randomInt(8)]}${crypto.randomInt(100_000_000, 300_000_000)}`;
      const workbook = new ExcelJS.Workbook();
      workbook.addWorksheet('班級').addRows([
        ['班級代碼', '班級名稱', '年級', '導師教師編號'],
        ['701', '忠班', 7, 'T001'],
        ['702', '孝班', 7, 'T002'],
      ]);
      workbook.addWorksheet('教師').addRows([
        ['教師編號', '姓名', '身分證統一編號', '身分別', '職稱', 'Email'],
        ['T001', '王大明', id(), '教師', '導師', ''],
        ['T002', '林小芳', id(), '教師', '導師', ''],
      ]);
      const file = path.join(dir, `${i}.xlsx`);
      fs.writeFileSync(file, Buffer.from(await workbook.xlsx.writeBuffer()));
      const read = await readWorkbook(file, { sheets: ['班級', '教師'], maxRows: 10 });
      if (!read.ok || read.sheets.get('教師')?.rows.length !== 3) failed.push(i);
    }
    assert.deepEqual(failed, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('in a worker thread: the same rows reach the sink in order, sheet ends told; a broken file is no workbook', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-isolated-'));
  const file = path.join(dir, 'two.xlsx');
  try {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('學生').addRows(Array.from({ length: 1_200 }, (_, i) => [`S${i}`, `王小明${i}`]));
    workbook.addWorksheet('其他').addRows([['略過']]);
    workbook.addWorksheet('家長').addRows([['P1', { formula: '1+1', result: 2 }]]);
    fs.writeFileSync(file, Buffer.from(await workbook.xlsx.writeBuffer()));
    const seen: string[] = [];
    const sink = {
      row: (sheet: string, row: { number: number; cells: { text: string; formula: boolean }[] }) =>
        seen.push(`${sheet}:${row.number}:${row.cells.map((c) => `${c.text}${c.formula ? '=' : ''}`).join(',')}`),
      endSheet: (sheet: string) => seen.push(`end ${sheet}`),
    };
    const isolated = await readWorkbookIsolated(file, { sheets: ['學生', '家長'], maxRows: 5_000, sink });
    assert.ok(isolated.ok);
    const direct: string[] = [];
    await readWorkbook(file, {
      sheets: ['學生', '家長'],
      maxRows: 5_000,
      sink: {
        ...sink,
        row: (s, r) =>
          direct.push(`${s}:${r.number}:${r.cells.map((c) => `${c.text}${c.formula ? '=' : ''}`).join(',')}`),
        endSheet: (s) => direct.push(`end ${s}`),
      },
    });
    assert.equal(seen.length, 1_200 + 1 + 2);
    assert.deepEqual(seen, direct);
    assert.equal(seen.at(-2), '家長:1:P1,2=');

    const tooMany = await readWorkbookIsolated(file, { sheets: ['學生'], maxRows: 100, sink });
    assert.deepEqual(tooMany, { ok: false, problem: 'too_many_rows', sheet: '學生' });
    fs.writeFileSync(file, 'not a zip at all');
    assert.deepEqual(await readWorkbookIsolated(file, { sheets: ['學生'], maxRows: 10, sink }), {
      ok: false,
      problem: 'not_excel',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("keeps a row's template columns, and of the cells after them only whether one holds text or a formula", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-columns-'));
  const file = path.join(dir, 'wide.xlsx');
  try {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('班級');
    sheet.addRows([
      ['班級代碼', '班級名稱', '年級', '導師教師編號', null, null, '備註'],
      ['701', '忠班', 7, 'T001'],
      ['702', '孝班', 7, 'T002', null, null, null, null, { formula: '1+1', result: 2 }],
      [null, null, null, null, null, null, null, null, null, null, null, null, '只有這格'],
    ]);
    sheet.getCell('XFD2').value = 'x'.repeat(5_000);
    fs.writeFileSync(file, Buffer.from(await workbook.xlsx.writeBuffer()));
    const read = await readWorkbook(file, { sheets: ['班級'], maxRows: 10, columns: { 班級: 4 } });
    assert.ok(read.ok, JSON.stringify(read));
    const cells = read.sheets.get('班級')!.rows.map((r) => r.cells.map((c) => `${c.text}${c.formula ? '=' : ''}`));
    assert.deepEqual(cells, [
      ['班級代碼', '班級名稱', '年級', '導師教師編號', '備註'],
      ['701', '忠班', '7', 'T001', 'x'.repeat(1_000)],
      ['702', '孝班', '7', 'T002', '2='],
      ['', '', '', '', '只有這格'],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('refuses, while reading, a cell longer than a roster value and parts that unpack past the limit', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-limits-'));
  const file = path.join(dir, 'limits.xlsx');
  try {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('教師').addRows([
      ['教師編號', '姓名'],
      ['T001', '王'.repeat(1_001)],
    ]);
    // A sheet of 200,000 rows with a height and nothing else: 13 MB of XML, more than a file of 10 rows may unpack to.
    const notes = workbook.addWorksheet('說明');
    for (let r = 1; r <= 200_000; r += 1) notes.getRow(r).height = 20;
    fs.writeFileSync(file, Buffer.from(await workbook.xlsx.writeBuffer()));
    assert.deepEqual(await readWorkbook(file, { sheets: ['教師'], maxRows: 10 }), {
      ok: false,
      problem: 'cell_too_long',
      sheet: '教師',
      detail: 'B2',
    });
    assert.deepEqual(await readWorkbook(file, { sheets: ['說明'], maxRows: 10 }), { ok: false, problem: 'too_large' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
