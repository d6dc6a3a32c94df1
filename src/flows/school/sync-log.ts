// GET /school/:code/sync-log — 同步紀錄 (seed 000 §9): the school systems' calls to our APIs, newest first, filtered by
// action and result, 50 a page, in Taipei time. The app of a call refused for its credentials is the client id as it
// gave it (never the name of the app it names: anyone may give a real app's id), marked as unverified; a publish from
// the back office is the back office's. A page past the last shows the last. On a phone each call's row stacks.
import type { Context } from 'koa';
import { z } from 'zod';
import { byOffice, SYNC_ACTIONS, unverified } from '../../domain/schools/sync-log.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { clientNamer } from '../../web/client-names.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import { renderOffice } from './pages.ts';
import { officeOf } from './session.ts';

const Query = z.object({
  action: z.enum(SYNC_ACTIONS).optional().catch(undefined),
  result: z.enum(['ok', 'error']).optional().catch(undefined),
  // Any page number: one past the last shows the last, saying so.
  page: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
});
/** More pages than a year of any school's calls fills: a larger number is read as this one (past the last). */
const MAX_PAGE = 1_000_000;

export function showSyncLog(s: Services) {
  return async (ctx: Context) => {
    const { person } = officeOf(ctx);
    const school = (await s.schools.find(String(ctx.params.code)))!;
    const query = Query.parse(ctx.query);
    const asked = query.page ?? 1;
    const { entries, more, page } = await s.schoolOffice.syncLog.search(school.code, {
      action: query.action,
      ok: query.result === undefined ? undefined : query.result === 'ok',
      page: Math.min(asked, MAX_PAGE),
    });
    const t = translator(chooseLocale(ctx));
    // Only a verified caller's app is named: a refused call's client id is whatever it said (anyone may give a real
    // app's id), so it is shown as given, never as the app it names.
    const appName = await clientNamer(
      ctx,
      s,
      entries.filter((e) => !unverified(e)),
    );
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
        app: byOffice(e)
          ? t('school.syncLog.office')
          : unverified(e)
            ? t(e.clientId ? 'school.syncLog.unverified' : 'school.syncLog.noClient', { app: e.clientId ?? '' })
            : appName(e.clientId),
        unverified: unverified(e),
      })),
      // Asked for a page past the last: this is the last (or, nothing matching, the first).
      pastLast: page < asked ? { asked, page } : undefined,
      previous: page > 1 ? link(page - 1) : undefined,
      next: more ? link(page + 1) : undefined,
    });
  };
}
