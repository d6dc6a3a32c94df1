// The console's schools (issue 15, item 6): GET /admin/schools — the list, searched by code, name or district and
// filtered by level and kind; GET/POST /admin/schools/new — add a school; GET/POST /admin/schools/:code — edit one,
// see its administrators and the way to its back office; POST …/admins — look up the person a login names and show
// them (masked) for the bureau to confirm; POST …/admins/confirm — name that person an administrator;
// POST …/admins/:identity/revoke — remove one. The school list's import is schools-import.ts.
// A refused form (a school added or edited, a login looked up or confirmed) is answered at its fields (400; 409 for an
// edit another administrator saved first) and kept as typed (typed.ts), with its messages, in the one-use store (30 minutes, for
// that administrator); its page stands for GET /admin/schools/new?typed=<token> or /admin/schools/:code?typed=<token>
// (render.ts `formPage`), which draws it again: reload and Back ask for that page instead of sending the form again,
// and the language link shows the same form and messages in the other language. Nothing typed is in the address.
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import {
  type SchoolErrors,
  type SchoolInput,
  type SchoolRecord,
  schoolVersion,
} from '../../domain/schools/directory.ts';
import { SCHOOL_KINDS, SCHOOL_LEVELS } from '../../domain/schools/schools.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { fileUpload } from '../../web/file-upload.ts';
import { formText } from '../../web/forms.ts';
import { noStore, seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import { renderAdmin } from './pages.ts';
import {
  commitSchoolList,
  SCHOOL_LIST_MAX_BYTES,
  schoolListPages,
  showSchoolList,
  uploadSchoolList,
} from './schools-import.ts';
import { adminOf } from './session.ts';
import { type KeptForms, keep, keptForms, typedIn } from './typed.ts';
import './texts-schools.ts';

const Search = z.object({
  q: z.string().max(50).catch(''),
  level: z.enum(SCHOOL_LEVELS).optional().catch(undefined),
  kind: z.enum(SCHOOL_KINDS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
const SchoolForm = z.object({
  code: formText(20),
  name: formText(200),
  level: formText(20),
  kind: formText(20),
  district: formText(100),
});
const EditForm = SchoolForm.extend({ version: formText(100) });
const GrantForm = z.object({ login: formText(254) });
const ConfirmForm = z.object({ person: formText(40), login: formText(254) });
const FIELDS = ['code', 'name', 'level', 'kind', 'district'] as const;

/**
 * A refused form of a school's pages, as typed (typed.ts): the school's fields and their messages (`errors`, field →
 * key) with the version its edit form was loaded with; or that another administrator saved first (`changed`); or a
 * login looked up and why it was refused (`grantError`). Kept for its page: /admin/schools/new or /admin/schools/:code.
 */
const Kept = z.object({
  values: z
    .object({ code: z.string(), name: z.string(), level: z.string(), kind: z.string(), district: z.string() })
    .optional(),
  errors: z.partialRecord(z.enum(FIELDS), z.string().max(100)).optional(),
  version: z.string().max(100).optional(),
  changed: z.boolean().optional(),
  login: z.string().max(254).optional(),
  grantError: z.string().max(100).optional(),
});
type KeptSchools = KeptForms<z.infer<typeof Kept>>;

/** A school's page (none: a new school's). */
const schoolPage = (code?: string) => `/admin/schools/${code ?? 'new'}`;

function listSchools(s: Services) {
  return async (ctx: Context) => {
    const filter = Search.parse(ctx.query);
    const { rows, more } = await s.bureau.schools.search({ text: filter.q, ...filter });
    const link = (page: number) => {
      const q = new URLSearchParams();
      if (filter.q) q.set('q', filter.q);
      if (filter.level) q.set('level', filter.level);
      if (filter.kind) q.set('kind', filter.kind);
      q.set('page', String(page));
      return `/admin/schools?${q}`;
    };
    renderAdmin(ctx, 'schools', {
      title: 'admin.schools.title',
      section: 'schools',
      filter: { q: filter.q, level: filter.level ?? '', kind: filter.kind ?? '' },
      levels: SCHOOL_LEVELS,
      kinds: SCHOOL_KINDS,
      rows,
      previous: filter.page > 1 ? link(filter.page - 1) : undefined,
      next: more ? link(filter.page + 1) : undefined,
    });
  };
}

function formPage(ctx: Context, page: { values: SchoolInput; errors?: SchoolErrors }) {
  const t = translator(chooseLocale(ctx));
  const errors = Object.fromEntries(
    Object.entries(page.errors ?? {}).map(([f, key]) => [f, t(`admin.schools.errors.${key}`)]),
  );
  return {
    values: page.values,
    levels: SCHOOL_LEVELS,
    kinds: SCHOOL_KINDS,
    errors,
    errorList: FIELDS.filter((f) => errors[f]).map((f) => ({
      id: f,
      label: t(`admin.schools.columns.${f}`),
      message: errors[f],
    })),
  };
}

const EMPTY: SchoolInput = { code: '', name: '', level: '', kind: 'municipal', district: '' };

function showNew(kept: KeptSchools) {
  return async (ctx: Context) => {
    const typed = await typedIn(ctx, kept);
    renderAdmin(ctx, 'school-new', {
      title: 'admin.schools.newTitle',
      section: 'schools',
      ...formPage(ctx, { values: typed?.values ?? EMPTY, errors: typed?.errors }),
    });
  };
}

function addSchool(s: Services, kept: KeptSchools) {
  return async (ctx: Context) => {
    const values = SchoolForm.parse(ctx.request.body ?? {});
    const result = await s.bureau.schools.save(values, 'add', adminOf(ctx).id);
    if (result.ok) return seeOther(ctx, `/admin/schools/${values.code}?added=1`);
    const errors = 'errors' in result ? result.errors : {};
    renderAdmin(ctx, 'school-new', {
      title: 'admin.schools.newTitle',
      section: 'schools',
      ...formPage(ctx, { values, errors }),
      formPage: await keep(ctx, kept, schoolPage(), { values, errors }),
      status: 400,
    });
  };
}

async function renderSchool(
  ctx: Context,
  s: Services,
  page: {
    values?: SchoolInput;
    errors?: SchoolErrors;
    /** The version the edit form was loaded with (its values sent back with errors); none: the school as it is now. */
    version?: string;
    changed?: boolean;
    login?: string;
    grantError?: string;
    /** A refused form's page: the address that draws it again (GET …?typed=<token>). */
    formPage?: string;
    status?: number;
  } = {},
) {
  const t = translator(chooseLocale(ctx));
  const school = await s.bureau.schools.find(String(ctx.params.code));
  if (!school) throw new AppError('not_found', 404);
  const admins = await s.bureau.schools.admins(school.code);
  renderAdmin(ctx, 'school', {
    title: 'admin.schools.editTitle',
    titleVars: { name: school.name },
    section: 'schools',
    school,
    ...formPage(ctx, {
      values: page.values ?? { ...school, district: school.district ?? '' },
      errors: page.errors,
    }),
    version: page.version ?? schoolVersion(school),
    changedError: page.changed ? t('admin.schools.changedSince') : undefined,
    admins: admins.map((a) => ({ ...a, since: taipeiTime(a.since, chooseLocale(ctx), 'date') })),
    login: page.login ?? '',
    grantError: page.grantError && t(`admin.schools.admins.errors.${page.grantError}`),
    notice: NOTICES.find((k) => ctx.query[k] === '1'),
    // Said once: the page in the other language is the school as it is (render.ts).
    oneTimeQuery: NOTICES,
    formPage: page.formPage,
    status: page.status,
  });
}

const NOTICES = ['added', 'saved', 'granted', 'revoked'];

function showSchool(s: Services, kept: KeptSchools) {
  return async (ctx: Context) => {
    const typed = await typedIn(ctx, kept);
    if (!typed) return renderSchool(ctx, s);
    const { values, errors, version, changed, login, grantError } = typed;
    await renderSchool(ctx, s, { values, errors, version, changed, login, grantError });
  };
}

function saveSchool(s: Services, kept: KeptSchools) {
  return async (ctx: Context) => {
    const code = String(ctx.params.code);
    const { version, ...form } = EditForm.parse(ctx.request.body ?? {});
    const values = { ...form, code };
    const result = await s.bureau.schools.save(values, 'edit', adminOf(ctx).id, version);
    if (result.ok) return seeOther(ctx, `/admin/schools/${code}?saved=1`);
    if ('missing' in result) throw new AppError('not_found', 404);
    // Someone else changed the school since the form was loaded: the form again with the school as it is now.
    if ('changed' in result)
      return renderSchool(ctx, s, {
        changed: true,
        formPage: await keep(ctx, kept, schoolPage(code), { changed: true }),
        status: 409,
      });
    const formPage = await keep(ctx, kept, schoolPage(code), { values, errors: result.errors, version });
    await renderSchool(ctx, s, { values, errors: result.errors, version, formPage, status: 400 });
  };
}

async function schoolOf(ctx: Context, s: Services): Promise<SchoolRecord> {
  const school = await s.bureau.schools.find(String(ctx.params.code));
  if (!school) throw new AppError('not_found', 404);
  return school;
}

/** Step one: the person the login names, shown for the bureau to confirm (nothing is granted yet). */
function lookUpAdmin(s: Services, kept: KeptSchools) {
  return async (ctx: Context) => {
    const school = await schoolOf(ctx, s);
    const { login } = GrantForm.parse(ctx.request.body ?? {});
    const found = await s.bureau.schools.adminCandidate(school.code, login, adminOf(ctx).id);
    if (!found.ok) {
      const formPage = await keep(ctx, kept, schoolPage(school.code), { login, grantError: found.error });
      return renderSchool(ctx, s, { login, grantError: found.error, formPage, status: 400 });
    }
    noStore(ctx);
    renderAdmin(ctx, 'school-admin-confirm', {
      title: 'admin.schools.admins.confirmTitle',
      section: 'schools',
      school,
      candidate: found.candidate,
      login,
    });
  };
}

/** Step two: the confirmed person becomes an administrator (checked again, in the grant's transaction). */
function confirmAdmin(s: Services, kept: KeptSchools) {
  return async (ctx: Context) => {
    const school = await schoolOf(ctx, s);
    const { person, login } = ConfirmForm.parse(ctx.request.body ?? {});
    const result = await s.bureau.schools.grantAdmin(school.code, person, adminOf(ctx).id);
    if (result.ok) return seeOther(ctx, `/admin/schools/${school.code}?granted=1#admins`);
    const formPage = await keep(ctx, kept, schoolPage(school.code), { login, grantError: result.error });
    await renderSchool(ctx, s, { login, grantError: result.error, formPage, status: 400 });
  };
}

function revokeAdmin(s: Services) {
  return async (ctx: Context) => {
    const code = String(ctx.params.code);
    if (!(await s.bureau.schools.revokeAdmin(code, String(ctx.params.identity), adminOf(ctx).id)))
      throw new AppError('not_found', 404);
    seeOther(ctx, `/admin/schools/${code}?revoked=1#admins`);
  };
}

export function adminSchoolRoutes(router: Router, s: Services, admin: Middleware) {
  router.get('/admin/schools', admin, listSchools(s));
  const kept: KeptSchools = keptForms(s, 'admin-school-form', Kept);
  router.get('/admin/schools/new', admin, showNew(kept));
  router.post('/admin/schools/new', admin, s.forms.post, addSchool(s, kept));
  const listPages = schoolListPages(s);
  router.get('/admin/schools/import', admin, showSchoolList(s, listPages));
  router.post('/admin/schools/import', admin, fileUpload(SCHOOL_LIST_MAX_BYTES), uploadSchoolList(s, listPages));
  router.post('/admin/schools/import/commit', admin, s.forms.post, commitSchoolList(s, listPages));
  router.get('/admin/schools/:code', admin, showSchool(s, kept));
  router.post('/admin/schools/:code', admin, s.forms.post, saveSchool(s, kept));
  router.post('/admin/schools/:code/admins', admin, s.forms.post, lookUpAdmin(s, kept));
  router.post('/admin/schools/:code/admins/confirm', admin, s.forms.post, confirmAdmin(s, kept));
  router.post('/admin/schools/:code/admins/:identity/revoke', admin, s.forms.post, revokeAdmin(s));
}
