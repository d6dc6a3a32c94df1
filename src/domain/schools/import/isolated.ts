// Every upload of step 02 is read here, in a worker thread (workbook-worker.ts), never in the server's own: an .xlsx
// with exceljs's streaming reader, a OneRoster zip with its CSV files parsed as they unpack. The reader's garbage lives
// and dies in the worker's capped heap and goes with it, a file that would take more than the cap fails the worker
// alone (answered as too large), and however long a hostile file takes to refuse, the server answers everyone else
// meanwhile. Two read at a time; more wait their turn. The rows reach the caller in batches, in order.
import { Worker } from 'node:worker_threads';
import type { OneRosterProblem } from './oneroster.ts';
import type { ReadProblem, RowSink, SheetRows } from './workbook.ts';

export type ReadTask =
  | {
      source: 'xlsx';
      file: string;
      sheets: readonly string[];
      maxRows: number;
      columns?: Readonly<Record<string, number>>;
    }
  | { source: 'oneroster'; file: string; schoolCode: string; maxRows: number };

export type IsolatedResult<P extends string> =
  | { ok: true; sheets: Map<string, SheetRows> }
  | { ok: false; problem: P; sheet?: string; detail?: string };

export type WorkerMessage =
  | { type: 'rows'; rows: { sheet: string; row: SheetRows['rows'][number] }[] }
  | { type: 'end'; sheet: string }
  | { type: 'done'; result: { ok: true } | { ok: false; problem: string; sheet?: string; detail?: string } };

/**
 * The worker's heap. A workbook: enough for its shared strings and styles, a bound on the reader's garbage (the
 * largest file the template allows reads in it). A OneRoster bundle: its CSV files' rows are all held while they are
 * mapped (near the row limit, 120,000 users, enrollments and demographics, it took 192–224 MB).
 */
const WORKER_LIMITS = {
  xlsx: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
  oneroster: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 8 },
} as const;

/** Reads at once in a process; each worker takes up to its heap and a share of a processor. */
const AT_ONCE = 2;
let reading = 0;
const waiting: (() => void)[] = [];

async function turn(): Promise<() => void> {
  if (reading < AT_ONCE) reading++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  let done = false;
  return () => {
    if (done) return;
    done = true;
    // The turn goes to the next in line, or back.
    const next = waiting.shift();
    if (next) next();
    else reading--;
  };
}

/**
 * The task read in a worker: its rows go to `sink` as they arrive, or without one come back as the sheets. A worker
 * out of its memory means a file larger or more complex than a roster: `too_large`; one that fails otherwise, a file
 * it could not read.
 */
async function readIsolated<P extends string>(
  task: ReadTask,
  broken: P,
  sink?: RowSink,
): Promise<IsolatedResult<P | 'too_large'>> {
  const sheets = new Map<string, SheetRows>();
  const collect: RowSink = sink ?? {
    row(sheet, row) {
      if (!sheets.has(sheet)) sheets.set(sheet, { rows: [] });
      sheets.get(sheet)!.rows.push(row);
    },
    endSheet(sheet) {
      if (!sheets.has(sheet)) sheets.set(sheet, { rows: [] });
    },
  };
  const release = await turn();
  try {
    return await new Promise((resolve) => {
      let settled = false;
      const settle = (value: IsolatedResult<P | 'too_large'>) => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        resolve(value);
      };
      const worker = new Worker(new URL('./workbook-worker.ts', import.meta.url), {
        workerData: task,
        resourceLimits: WORKER_LIMITS[task.source],
      });
      worker.on('message', (m: WorkerMessage) => {
        if (settled) return;
        if (m.type === 'rows') for (const { sheet, row } of m.rows) collect.row(sheet, row);
        else if (m.type === 'end') collect.endSheet(m.sheet);
        else settle(m.result.ok ? { ok: true, sheets } : (m.result as IsolatedResult<P>));
      });
      worker.on('error', (err: Error & { code?: string }) =>
        settle({ ok: false, problem: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'too_large' : broken }),
      );
      worker.on('exit', () => settle({ ok: false, problem: broken }));
    });
  } finally {
    release();
  }
}

/** readWorkbook (workbook.ts) in the upload worker: with `sink` the rows go there, without it come back as sheets. */
export function readWorkbookIsolated(
  file: string,
  opts: { sheets: readonly string[]; maxRows: number; columns?: Readonly<Record<string, number>>; sink?: RowSink },
): Promise<IsolatedResult<ReadProblem>> {
  const { sink, ...task } = opts;
  return readIsolated({ source: 'xlsx', file, ...task, sheets: [...task.sheets] }, 'not_excel', sink);
}

/** readOneRoster (oneroster.ts) in the upload worker: the bundle as the four sheets. */
export function readOneRosterIsolated(
  file: string,
  schoolCode: string,
  maxRows: number,
): Promise<IsolatedResult<OneRosterProblem>> {
  return readIsolated({ source: 'oneroster', file, schoolCode, maxRows }, 'not_oneroster');
}
