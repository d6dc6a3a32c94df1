// GET /school/:code/sync-log — 同步紀錄 (seed 000 §9): the school systems' calls to our APIs, newest first, filtered by
// action and result, 50 a page, in Taipei time.
import type { Context } from 'koa';
import { z } from 'zod';
import { SYNC_ACTIONS } from '../../domain/schools/sync-log.ts';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { clientNamer } from '../../web/client-names.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import { renderOffice } from './pages.ts';
import { officeOf } from './session.ts';

const Query = z.object({
  action: z.enum(SYNC_ACTIONS).optional().catch(undefined),
  result: z.enum(['ok', 'error']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined),
});

export function showSyncLog(s: Services) {
  return async (ctx: Context) => {
    const { person } = officeOf(ctx);
    const school = (await s.schools.find(String(ctx.params.code)))!;
    const query = Query.parse(ctx.query);
    const page = query.page ?? 1;
    const { entries, more } = await s.schoolOffice.syncLog.search(school.code, {
      action: query.action,
      ok: query.result === undefined ? undefined : query.result === 'ok',
      page,
    });
    const appName = await clientNamer(ctx, s, entries);
    const link = (p: number) => {
      const q = new URLSearchParams();
      if (query.action) q.set('action', query.action);
      if (query.result) q.set('result', query.result);
      q.set('page', String(p));
      return `/school/${school.code}/sync-log?${q}`;
    };
    renderOffice(ctx, 'sync-log', {
      title: 'school.syncLog.title',
      school,
      step: 'syncLog',
      personName: person.name,
      actions: SYNC_ACTIONS,
      filter: { action: query.action ?? '', result: query.result ?? '' },
      entries: entries.map((e) => ({
        ...e,
        at: taipeiTime(e.at, chooseLocale(ctx), 'seconds'),
        app: appName(e.clientId),
      })),
      previous: page > 1 ? link(page - 1) : undefined,
      next: more ? link(page + 1) : undefined,
    });
  };
}
