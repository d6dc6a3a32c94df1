// The run's results as JSON (bench/results/<date>.json) and as markdown: every measurement, then the targets.
import fs from 'node:fs';
import path from 'node:path';
import type { SessionMemory } from '../scenarios/session-memory.ts';
import type { OpenLoopResult } from './open-loop.ts';
import type { Result } from './timing.ts';

/** An open-loop row (bench/lib/open-loop.ts) has its arrival `rate` and the rest of OpenLoopResult. */
export type Row = Result & Partial<OpenLoopResult> & { vsBare?: number; people?: number };
export type Check = { target: string; measured: string; goal: string; met: boolean };

const cpu = (r: Row) =>
  r.perOp.serverCpuMs === undefined ? '' : `${r.perOp.serverCpuMs} · ${r.perOp.dbCpuMs} · ${r.perOp.loadCpuMs}`;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
/** Closed loop: the workers; open loop: the arrival rate (and the most flows that were in progress at once). */
const load = (r: Row) => (r.rate === undefined ? `${r.concurrency}` : `${r.rate}/s open (≤ ${r.concurrency})`);

export function markdown(run: {
  title: string;
  rows: Row[];
  checks: Check[];
  sizes: Array<{
    target: string;
    people: number;
    databaseBytes: number;
    tables: Record<string, number>;
    loadSeconds?: number;
  }>;
  memories?: SessionMemory[];
}) {
  return [
    run.title,
    '',
    '| scenario | target | people | concurrency | ops | errors | ops/s | p50 ms | p95 ms | p99 ms | vs bare | CPU ms/op: server · db · load | SQL/op | Redis/op |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
    ...run.rows.map(
      (r) =>
        `| ${r.scenario} | ${r.target} | ${r.people?.toLocaleString('en') ?? ''} | ${load(r)} | ${r.ops} | ${r.errors} | ${r.opsPerSec} | ${r.p50Ms} | ${r.p95Ms} | ${r.p99Ms} | ${r.vsBare ?? ''} | ${cpu(r)} | ${r.perOp.sql ?? ''} | ${r.perOp.redis ?? ''} |`,
    ),
    ...(run.sizes.length
      ? [
          '',
          '| database | people | loaded in | size | largest tables |',
          '|---|---:|---:|---:|---|',
          ...run.sizes.map(
            (s) =>
              `| ${s.target} | ${s.people.toLocaleString('en')} | ${s.loadSeconds === undefined ? '' : `${s.loadSeconds} s`} | ${mb(s.databaseBytes)} | ${Object.entries(
                s.tables,
              )
                .slice(0, 4)
                .map(([t, b]) => `${t} ${mb(b)}`)
                .join(', ')} |`,
          ),
        ]
      : []),
    ...(run.memories?.length
      ? [
          '',
          '| server memory | signed-in sessions | stored | made in | RSS at start | at rest | after the sessions | peak | after a full GC | of it mapped files | heap used at rest → after GC | database growth | Redis growth |',
          '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
          ...run.memories.map(
            (m) =>
              `| ${m.target} | ${m.sessions.toLocaleString('en')} | ${m.stored.toLocaleString('en')} | ${m.seconds} s | ${mb(m.start.rss)} | ${mb(m.rest.rss)} | ${mb(m.after.rss)} | ${mb(m.peakRss)} | ${mb(m.afterGc.rss)} | ${mb(m.after.rssFile)} | ${mb(m.rest.heapUsed)} → ${mb(m.afterGc.heapUsed)} | ${mb(m.databaseGrowth)} | ${m.redisGrowth === undefined ? '' : mb(m.redisGrowth)} |`,
          ),
        ]
      : []),
    '',
    '| target | measured | goal | met |',
    '|---|---|---|---|',
    ...run.checks.map((c) => `| ${c.target} | ${c.measured} | ${c.goal} | ${c.met ? 'yes' : 'no'} |`),
  ].join('\n');
}

export function writeJson(dir: string, at: string, data: unknown): string {
  const file = path.join(dir, `${at.replaceAll(':', '-')}.json`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
