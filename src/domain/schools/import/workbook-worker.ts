// The worker side of readWorkbookIsolated (workbook.ts): reads an .xlsx with exceljs's streaming reader and posts its
// rows in batches. exceljs makes several short-lived objects per cell; here they live and die in the worker's own
// heap, capped by its resource limits and freed with it, instead of piling up in the server's.
import { parentPort, workerData } from 'node:worker_threads';
import { readWorkbook, type SheetRows } from './workbook.ts';

const BATCH = 500;
const { file, sheets, maxRows } = workerData as { file: string; sheets: string[]; maxRows: number };
let batch: { sheet: string; row: SheetRows['rows'][number] }[] = [];
const flush = () => {
  if (batch.length) parentPort!.postMessage({ type: 'rows', rows: batch });
  batch = [];
};

const result = await readWorkbook(file, {
  sheets,
  maxRows,
  sink: {
    row(sheet, row) {
      batch.push({ sheet, row });
      if (batch.length >= BATCH) flush();
    },
    endSheet(sheet) {
      flush();
      parentPort!.postMessage({ type: 'end', sheet });
    },
  },
});
flush();
parentPort!.postMessage({ type: 'done', result: result.ok ? { ok: true } : result });
