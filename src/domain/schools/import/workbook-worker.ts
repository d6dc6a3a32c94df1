// The worker side of isolated.ts: reads one upload — an .xlsx with exceljs's streaming reader, or a OneRoster zip —
// and posts its rows in batches. exceljs makes several short-lived objects per cell, and a OneRoster bundle is held
// whole while it is mapped; here they live and die in the worker's own heap, capped by its resource limits and freed
// with it, instead of piling up in the server's (or stopping it while a hostile file is read).
import { parentPort, workerData } from 'node:worker_threads';
import type { ReadTask, WorkerMessage } from './isolated.ts';
import { readOneRoster } from './oneroster.ts';
import { type RowSink, readWorkbook, type SheetRows, textBudget } from './workbook.ts';

const BATCH = 500;
const task = workerData as ReadTask;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
let batch: { sheet: string; row: SheetRows['rows'][number] }[] = [];
const flush = () => {
  if (batch.length) post({ type: 'rows', rows: batch });
  batch = [];
};
const sink: RowSink = {
  row(sheet, row) {
    batch.push({ sheet, row });
    if (batch.length >= BATCH) flush();
  },
  endSheet(sheet) {
    flush();
    post({ type: 'end', sheet });
  },
};

async function read(): Promise<Extract<WorkerMessage, { type: 'done' }>['result']> {
  if (task.source === 'xlsx') {
    const result = await readWorkbook(task.file, { ...task, sink });
    return result.ok ? { ok: true } : result;
  }
  const result = await readOneRoster(task.file, task.schoolCode, task.maxRows);
  if (!result.ok) return result;
  // The sheets the bundle maps to, held to the same bound as a workbook's rows before any is handed over.
  const spend = textBudget();
  for (const { rows } of result.sheets.values())
    if (!rows.every((row) => spend(row.cells))) return { ok: false, problem: 'too_large' };
  for (const [sheet, { rows }] of result.sheets) {
    for (const row of rows) sink.row(sheet, row);
    sink.endSheet(sheet);
  }
  return { ok: true };
}

const result = await read();
flush();
post({ type: 'done', result });
