// The console's audit log (issue 15, item 8): GET /admin/audit — filtered by who, what (the action's beginning), when
// (Taipei dates), app and school, 50 a page, newest first, each entry's detail in labelled words (people, apps,
// schools and developer organisations by their names, the schools' codes beside); GET /admin/audit.csv
// — the same filter's entries as CSV (a header row, RFC 4180 quoting, formula cells neutralised, the detail as JSON),
// the export itself audited.
import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { AuditEntry, AuditFilter } from '../../domain/audit-search.ts';
import { parseIsoDate } from '../../domain/schools/calendar.ts';
import { CSV_BOM, csvLine } from '../../platform/csv.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { isUuid } from '../../platform/uuid.ts';
import { clientNamer } from '../../web/client-names.ts';
import { noStore } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import { detailItems } from './audit-detail.ts';
import { renderAdmin } from './pages.ts';
import { adminOf } from './session.ts';
import './texts-audit.ts';

const text = (max: number) =>
  z
    .string()
    .max(max)
    .catch('')
    .transform((v) => v.trim());
const Query = z.object({
  actor: text(254),
  action: text(100),
  from: text(20),
  to: text(20),
  client: text(200),
  school: text(20),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
type Query = z.infer<typeof Query>;
const FILTERS = ['actor', 'action', 'from', 'to', 'client', 'school'] as const;

const realDate = (d: string) => parseIsoDate(d) !== undefined;

/** The filter, or the fields whose values cannot be used (message keys under admin.audit.errors). */
function filterOf(q: Query): { filter: AuditFilter } | { errors: Partial<Record<'from' | 'to', string>> } {
  const errors: Partial<Record<'from' | 'to', string>> = {};
  if (q.from && !realDate(q.from)) errors.from = 'date';
  if (q.to && !realDate(q.to)) errors.to = 'date';
  if (!errors.from && !errors.to && q.from && q.to && q.to < q.from) errors.to = 'order';
  if (Object.keys(errors).length) return { errors };
  return {
    filter: Object.fromEntries(FILTERS.filter((f) => q[f]).map((f) => [f, q[f]])) as AuditFilter,
  };
}

/** An action in words (`admin.person_viewed` → 查看人員資料); '' for one without (the code is shown anyway). */
export const actionWords = (t: (key: string, options?: { defaultValue: string }) => string, action: string): string =>
  /^[a-z_]+\.[a-z_]+$/.test(action) ? t(`admin.audit.actions.${action}`, { defaultValue: '' }) : '';

/**
 * An entry's subject by name, linked where the console has its page: an application's review, an app's settings, a
 * school's page; a developer organisation (no page of the console's) by its name alone.
 */
type SubjectLink = { href?: string; name: string };

/** A school or developer organisation the subject is (the search named it), by name. */
function organisationLink(e: AuditEntry): SubjectLink | undefined {
  if (!e.subject || !e.subjectOrganisation) return undefined;
  const { kind, name } = e.subjectOrganisation;
  return kind === 'school' ? { href: `/admin/schools/${encodeURIComponent(e.subject)}`, name } : { name };
}

/**
 * What the page names of the entries' subjects beyond people (whom the search names): the application an
 * `application.*` entry is about, by the name it has now; the app of a `client.*` entry; and the apps named in the
 * details (`client`), by their names. An application or app since deleted stays as its id.
 */
async function namedApps(ctx: Context, s: Services, entries: AuditEntry[]) {
  const applicationIds = [
    ...new Set(entries.filter((e) => e.action.startsWith('application.') && isUuid(e.subject)).map((e) => e.subject!)),
  ];
  const applications = new Map(
    (await Promise.all(applicationIds.map((id) => s.developers.applications.get(id))))
      .filter((a) => a !== undefined)
      .map((a) => [a.id, a.details.app_name]),
  );
  const clientOf = (e: AuditEntry) => (e.action.startsWith('client.') && e.subject ? e.subject : undefined);
  const detailClient = (e: AuditEntry) => (typeof e.detail.client === 'string' ? e.detail.client : undefined);
  const appName = await clientNamer(
    ctx,
    s,
    entries.flatMap((e) => [{ clientId: clientOf(e) }, { clientId: detailClient(e) }]),
  );
  /** An app's name, when it has one of its own (else undefined: its id is all there is). */
  const clientName = (id: string) => {
    const name = appName(id);
    return name && name !== id ? name : undefined;
  };
  return {
    subject(e: AuditEntry): SubjectLink | undefined {
      if (e.subjectName || !e.subject) return undefined;
      const application = applications.get(e.subject);
      if (application && e.action.startsWith('application.'))
        return { href: `/admin/applications/${e.subject}`, name: application };
      const client = clientOf(e) && clientName(e.subject);
      if (client) return { href: `/admin/clients/${encodeURIComponent(e.subject)}`, name: client };
      return undefined;
    },
    clientName,
  };
}

/** The detail as the CSV export gives it (JSON, for machines); the page shows it in words (audit-detail.ts). */
const detailText = (e: AuditEntry) => (Object.keys(e.detail).length ? JSON.stringify(e.detail) : '');

function showAudit(s: Services) {
  return async (ctx: Context) => {
    const locale = chooseLocale(ctx);
    const t = translator(locale);
    const q = Query.parse(ctx.query);
    const parsed = filterOf(q);
    const errors = 'errors' in parsed ? parsed.errors : {};
    const found = 'filter' in parsed ? await s.bureau.audit.search(parsed.filter, q.page) : undefined;
    const link = (page: number) => {
      const params = new URLSearchParams();
      for (const f of FILTERS) if (q[f]) params.set(f, q[f]);
      params.set('page', String(page));
      return `/admin/audit?${params}`;
    };
    const apps = await namedApps(ctx, s, found?.entries ?? []);
    const exportParams = new URLSearchParams();
    for (const f of FILTERS) if (q[f]) exportParams.set(f, q[f]);
    noStore(ctx);
    renderAdmin(ctx, 'audit', {
      title: 'admin.audit.title',
      section: 'audit',
      values: q,
      errors: Object.fromEntries(Object.entries(errors).map(([f, key]) => [f, t(`admin.audit.errors.${key}`)])),
      errorList: Object.entries(errors).map(([f, key]) => ({
        id: f,
        label: t(`admin.audit.${f}`),
        message: t(`admin.audit.errors.${key}`),
      })),
      entries: (found?.entries ?? []).map((e) => ({
        ...e,
        at: taipeiTime(e.at, locale, 'seconds'),
        words: actionWords(t, e.action),
        subjectLink: apps.subject(e) ?? organisationLink(e),
        details: detailItems(t, locale, e.detail, {
          clientName: apps.clientName,
          schoolName: (code) => e.schoolNames[code],
        }),
      })),
      previous: found && q.page > 1 ? link(q.page - 1) : undefined,
      next: found?.more ? link(q.page + 1) : undefined,
      exportHref: `/admin/audit.csv${exportParams.size ? `?${exportParams}` : ''}`,
      status: found ? undefined : 400,
    });
  };
}

async function* csvOf(rows: AsyncGenerator<AuditEntry[]>): AsyncGenerator<string> {
  yield CSV_BOM + csvLine(['time', 'actor', 'actor_name', 'action', 'subject', 'detail']);
  for await (const batch of rows)
    yield batch
      .map((e) => csvLine([e.at.toISOString(), e.actor, e.actorName ?? '', e.action, e.subject ?? '', detailText(e)]))
      .join('');
}

function exportAudit(s: Services) {
  return async (ctx: Context) => {
    const parsed = filterOf(Query.parse(ctx.query));
    if (!('filter' in parsed)) {
      ctx.status = 400;
      ctx.type = 'text/plain';
      ctx.body = 'invalid_request';
      return;
    }
    const { filter } = parsed;
    // What was filtered on, without the values that may name a person (the "who" may be an email).
    await s.audit.record({
      actor: adminOf(ctx).id,
      action: 'admin.audit_exported',
      detail: {
        actor: !!filter.actor,
        action: filter.action,
        from: filter.from,
        to: filter.to,
        client: filter.client,
        school: filter.school,
      },
    });
    noStore(ctx);
    const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    ctx.type = 'text/csv; charset=utf-8';
    ctx.attachment(`audit-${stamp}.csv`);
    ctx.body = Readable.from(csvOf(s.bureau.audit.all(filter)));
  };
}

export function adminAuditRoutes(router: Router, s: Services, admin: Middleware) {
  router.get('/admin/audit', admin, showAudit(s));
  router.get('/admin/audit.csv', admin, exportAudit(s));
}
