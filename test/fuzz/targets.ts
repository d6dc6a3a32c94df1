// What the fuzz suite sends requests to. Our routes are read from the flows themselves (each flow's routes.ts,
// registered on a router of our own with the running server's services, the way src/server.ts mounts them), so a
// new route is fuzzed without being listed here; oidc-provider's endpoints are read from its discovery document.
// KNOWN adds what the code does not say in one place: the state a route needs, its form fields, its query values,
// and valid values to start from (so a fuzzed field reaches the check behind the others).
import crypto from 'node:crypto';
import Router from '@koa/router';
import { FLOWS } from '../../src/flows/index.ts';
import { ROSTER_EXAMPLES } from '../../src/flows/roster/roster-body.ts';
import { parseSettings } from '../../src/platform/settings.ts';
import { randomNationalId } from '../helpers/national-ids.ts';
import { CALLBACK } from '../helpers/rp.ts';
import type { Ctx, CtxKind, World } from './contexts.ts';
import type { Json } from './values.ts';

export type BodyKind = 'none' | 'form' | 'json';
export type Auth = 'sis' | 'roster' | 'conf' | 'access' | 'iat' | 'rat';

export type Target = {
  /** `METHOD /path/:param` */
  id: string;
  method: string;
  /** Path template (`:name` parameters), or `*` for made-up paths. */
  path: string;
  source: 'ours' | 'oidc-provider' | 'unknown paths';
  ctx: CtxKind;
  body: BodyKind;
  /** Form or JSON fields the handler reads. */
  fields: string[];
  /** Query parameters the handler reads. */
  query: string[];
  /** Our form routes check the CSRF token. */
  csrf: boolean;
  /** The form carries the person check (its widget's altcha, or the question's token and answer). */
  captcha: boolean;
  auth?: Auth;
  /** Valid values for the fields, the starting point fuzzed fields replace. */
  good?: (ctx: Ctx, w: World) => Record<string, string>;
  /** A valid JSON body. */
  goodJson?: (ctx: Ctx, w: World) => Json;
  /** The body limit of our parser on this route: more must be answered 413. */
  limit?: number;
  /** Answers to a GET that use the state up (binding a hand-off, taking a ticket). */
  consumesOnGet?: boolean;
  weight: number;
  /** Listed in KNOWN (otherwise fuzzed with defaults, and named in the suite's diagnostics). */
  known: boolean;
};

type Known = Partial<Omit<Target, 'id' | 'method' | 'path' | 'source' | 'known'>>;

const STEP1 = [
  'school',
  'kind',
  'email',
  'name',
  'national_id',
  'phone',
  'gender',
  'password',
  'password_confirm',
  'altcha',
  'question_token',
  'question_answer',
  'interaction',
];
const PERSON = ['email', 'name', 'national_id', 'phone', 'gender', 'password', 'password_confirm'];
const PICK = ['school', 'kind', 'account', 'password', 'altcha', 'question_token', 'question_answer'];
const PUSH = [
  'mode',
  'national_id',
  'name',
  'birthdate',
  'gender',
  'email',
  'mobile',
  'role',
  'school_code',
  'class',
  'seat',
  'student_number',
  'return_url',
];
const ROW = ['role', 'account', 'password', 'password_hash', 'name', 'class_code', 'seat', 'student_no'];
const AUTH = [
  'client_id',
  'response_type',
  'scope',
  'redirect_uri',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'claims',
  'request',
  'request_uri',
  'response_mode',
  'ui_locales',
  'claims_locales',
  'id_token_hint',
  'login_hint',
  'acr_values',
  'resource',
  'identity_hint',
  'display',
  'registration',
  'dpop_jkt',
  'authorization_details',
];
const TOKEN = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'client_id',
  'client_secret',
  'scope',
  'resource',
  'client_assertion',
  'client_assertion_type',
  'audience',
];
const END = ['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id', 'ui_locales', 'logout_hint'];
const REG = [
  'redirect_uris',
  'client_name',
  'token_endpoint_auth_method',
  'grant_types',
  'response_types',
  'scope',
  'jwks',
  'jwks_uri',
  'sector_identifier_uri',
  'subject_type',
  'post_logout_redirect_uris',
  'backchannel_logout_uri',
  'request_object_signing_alg',
  'id_token_signed_response_alg',
  'contacts',
  'logo_uri',
  'client_uri',
  'application_type',
  'default_max_age',
  'require_auth_time',
  'first_party',
  'permissions',
  'allowed_roles',
  'may_request_idno',
  'client_secret',
  'client_id',
];
/** Query names any page might read. */
export const COMMON_QUERY = ['interaction', 'token', 'ticket', 'handle', 'return_to', 'done', 'lang', 'ui_locales'];

const newPassword = () => ({ password: 'Blue-Kettle-1987', confirm: 'Blue-Kettle-1988' });
const goodAuth = (w: World, clientId = w.rp.id) => ({
  client_id: clientId,
  response_type: 'code',
  scope: 'openid profile',
  redirect_uri: CALLBACK,
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  code_challenge_method: 'S256',
  state: 'fuzz-state',
  nonce: 'fuzz-nonce',
});
const goodRow = (): Json => ({
  role: 'student',
  account: `fz${Math.random().toString(36).slice(2, 10)}`,
  password: 'pw-fuzz-1234',
  name: '陳同學',
  class_code: '101',
  seat: 7,
  student_no: 'A123',
});

const form = (fields: string[], more: Known = {}): Known => ({ body: 'form', csrf: true, fields, weight: 3, ...more });
const account = (more: Known = {}): Known => ({ ctx: 'account', ...more });

/** Everything the code does not say in one place, per `METHOD path`. */
export const KNOWN: Record<string, Known> = {
  'GET /': {},
  'GET /favicon.ico': {},
  'GET /static/app.css': {},
  'GET /static/password-toggle.js': {},
  // The person check (ALTCHA): its widget, its worker, and fresh challenges.
  'GET /static/challenge.js': {},
  'GET /static/passkey.js': {},
  'GET /static/simplewebauthn/browser.js': {},
  'GET /static/altcha/altcha.js': {},
  'GET /static/altcha/altcha.css': {},
  'GET /static/altcha/workers/pbkdf2.js': {},
  'GET /challenge': {},
  'GET /static/registration.css': {},
  'GET /static/registration.js': {},

  'GET /interaction/:uid': { ctx: 'login' },
  'POST /interaction/:uid/login': form(
    ['login', 'password', 'remember', 'altcha', 'question_token', 'question_answer'],
    {
      ctx: 'login',
      captcha: true,
      good: () => ({ login: 'fuzz-nobody', password: 'not-the-password', remember: 'yes' }),
      weight: 5,
    },
  ),
  'GET /interaction/:uid/password': { ctx: 'pwchange' },
  'POST /interaction/:uid/password': form(['password', 'confirm'], { ctx: 'pwchange', good: newPassword }),
  'POST /interaction/:uid/identity': form(['identity'], { ctx: 'identity' }),
  'POST /interaction/:uid/confirm': form([], { ctx: 'consent' }),
  'POST /interaction/:uid/abort': form([], { ctx: 'login' }),
  'GET /interaction/:uid/second-factor': { ctx: 'login' },
  'POST /interaction/:uid/second-factor': form(['code'], { ctx: 'login', good: () => ({ code: '123456' }) }),
  'POST /interaction/:uid/second-factor/proof': form(['code'], { ctx: 'login', good: () => ({ code: '123456' }) }),
  'POST /interaction/:uid/second-factor/proof/again': form([], { ctx: 'login' }),
  'POST /interaction/:uid/second-factor/passkey/options': form([], { ctx: 'login' }),
  'POST /interaction/:uid/second-factor/passkey': form(['response'], {
    ctx: 'login',
    good: () => ({ response: '{}' }),
  }),
  // Signing in with another account (no upstream is configured in the fuzz server: every leg ends at once).
  'GET /interaction/:uid/federation/:id': { ctx: 'login' },
  'GET /interaction/:uid/federation/new': { ctx: 'login' },
  'POST /interaction/:uid/federation/register': form([], { ctx: 'login' }),
  'GET /interaction/:uid/federation/continue': { ctx: 'login' },
  'GET /interaction/:uid/federation/pending': { ctx: 'login' },
  'GET /federation/:id/callback': { query: ['code', 'state', 'iss', 'error', 'error_description'] },
  'POST /federation/:id/link': form([], account()),

  'GET /register': { query: ['interaction'] },
  'POST /register': form(STEP1, {
    captcha: true,
    query: ['interaction'],
    good: (_c, w) => w.goodRegistration(),
    weight: 5,
  }),
  'GET /register/prefill': { query: ['ticket'] },
  'GET /register/confirm': { ctx: 'draft' },
  'POST /register/confirm': form([], { ctx: 'draft' }),
  'GET /register/done': { query: ['interaction'] },
  'GET /register/activate': { ctx: 'activation', query: ['token'] },
  'POST /register/activate': form(['token', 'password'], {
    ctx: 'activation',
    good: (c) => ({ token: c.query.token ?? '' }),
  }),
  'POST /register/activate/discard': form(['token'], {
    ctx: 'activation',
    good: (c) => ({ token: c.query.token ?? '' }),
  }),
  'GET /register/activate/:reason': {},
  'GET /register/activated': {},
  'GET /register/discarded': {},
  'POST /register/resend': form(['ticket']),
  'GET /register/resend/:result': {},
  'GET /register/resend/:result/:interaction': { ctx: 'login' },

  'POST /api/sis/handles': {
    body: 'json',
    auth: 'sis',
    fields: PUSH,
    goodJson: (_c, w) => w.sisPerson() as Json,
    weight: 5,
  },
  'POST /api/sis/lookup': {
    body: 'json',
    auth: 'sis',
    fields: ['national_id', 'role', 'school_code'],
    goodJson: () => ({ national_id: 'A123456789', role: 'student', school_code: '353604' }),
    weight: 4,
  },
  'GET /register/sis': { ctx: 'sis', query: ['handle'], consumesOnGet: true },
  'GET /register/sis/consent': { ctx: 'sis' },
  'POST /register/sis/consent': form(['decision'], { ctx: 'sis', good: () => ({ decision: 'agree' }) }),

  'PUT /api/schools/:code/roster-credentials': {
    body: 'json',
    auth: 'roster',
    fields: ROW,
    goodJson: () => [goodRow()],
    weight: 5,
  },
  'GET /api/schools/:code/roster-credentials': { auth: 'roster' },
  // One route per roster file, each fuzzed from its documented example.
  ...Object.fromEntries(
    Object.entries(ROSTER_EXAMPLES).map(([file, example]): [string, Known] => [
      `PUT /api/schools/:code/roster/${file}`,
      {
        body: 'json',
        auth: 'roster',
        query: ['dry_run'],
        fields: Object.keys(example),
        goodJson: () => example,
        weight: 2,
      },
    ]),
  ),
  'POST /api/schools/:code/roster/publish': { auth: 'roster', query: ['dry_run'], body: 'none' },
  'GET /api/openapi.json': {},
  'GET /api/docs': { query: ['lang'] },
  'GET /static/api-docs.css': {},
  'GET /register/roster': {},
  'POST /register/roster': form(PICK, {
    captcha: true,
    good: (_c, w) => ({ school: w.rosterSchool, kind: 'student', account: 'fuzz-nobody', password: 'pw-nobody' }),
    weight: 4,
  }),
  'GET /register/roster/choose': { ctx: 'roster' },
  'GET /register/roster/new': { ctx: 'roster' },
  'POST /register/roster/new': form(PERSON, {
    ctx: 'roster',
    good: (_c, w) => {
      const { school: _s, kind: _k, ...person } = w.goodRegistration();
      return person;
    },
  }),
  'GET /account/roster-identity': { ctx: 'roster-account' },
  'POST /account/roster-identity': form([], { ctx: 'roster-account' }),

  'GET /password/forgot': { query: ['interaction'] },
  'POST /password/forgot': form(['target', 'altcha', 'question_token', 'question_answer'], {
    captcha: true,
    query: ['interaction'],
    good: () => ({ target: 'fuzz-nobody@example.test' }),
  }),
  'GET /password/forgot/sent': { query: ['interaction'] },
  'GET /password/reset/code': { ctx: 'reset-code', query: ['ticket'] },
  'POST /password/reset/code': form(['code'], {
    ctx: 'reset-code',
    query: ['ticket'],
    good: () => ({ code: '000000' }),
  }),
  'GET /password/reset': { ctx: 'reset-token', query: ['token'] },
  'POST /password/reset': form(['password', 'confirm'], { ctx: 'reset-token', query: ['token'], good: newPassword }),

  'GET /static/binding.css': {},
  'GET /binding': { query: ['code', 'expired'] },
  'POST /binding': form(['kind', 'email', 'mobile', 'handed_code', 'altcha', 'question_token', 'question_answer'], {
    captcha: true,
    good: () => ({ kind: 'email', email: `fuzz-${crypto.randomUUID().slice(0, 8)}@example.test` }),
  }),
  'GET /binding/code': { ctx: 'binding-code', query: ['ticket'] },
  'POST /binding/code': form(['code'], { ctx: 'binding-code', query: ['ticket'], good: () => ({ code: '000000' }) }),
  'GET /binding/status': { ctx: 'binding', query: ['notice', 'count'] },
  'GET /binding/applications/:id/cancel': { ctx: 'binding' },
  'POST /binding/applications/:id/cancel': form(['confirm'], { ctx: 'binding' }),
  'GET /binding/applications/:id/pdf': { ctx: 'binding' },
  'GET /binding/withdraw-all': { ctx: 'binding' },
  'POST /binding/withdraw-all': form(['confirm'], { ctx: 'binding' }),
  'POST /binding/sign-out': form([], { ctx: 'binding', weight: 1 }),
  'GET /binding/student': { ctx: 'binding' },
  'POST /binding/student': form(
    ['relationship', 'level', 'national_id', 'birthdate', 'student_no', 'binding_code', 'school'],
    {
      ctx: 'binding',
      good: () => ({ relationship: 'father', level: 'junior', national_id: 'F223456786', birthdate: '2013-09-02' }),
    },
  ),
  'POST /binding/student/:id/remove': form([], { ctx: 'binding', weight: 1 }),
  'GET /binding/consent': { ctx: 'binding' },
  'POST /binding/consent': form(['agree'], { ctx: 'binding', good: () => ({ agree: 'yes' }) }),
  'GET /binding/parent': { ctx: 'binding' },
  'POST /binding/parent': form(
    ['action', 'national_id', 'name', 'email', 'mobile', 'password', 'sign_name', 'sign_tick'],
    {
      ctx: 'binding',
      good: () => ({
        action: 'submit',
        national_id: 'A123456789',
        password: 'wrong',
        name: '測試',
        email: `fuzz-${crypto.randomUUID().slice(0, 8)}@example.test`,
        sign_name: '測試',
        sign_tick: 'yes',
      }),
    },
  ),
  'GET /binding/review': { ctx: 'binding-review', query: ['notice', 'app'] },
  'GET /binding/review/sign-in': { query: ['return_to'] },
  'GET /binding/review/callback': { query: ['code', 'state', 'iss', 'error', 'error_description'] },
  'POST /binding/review/:id/approve': form([], { ctx: 'binding-review' }),
  'POST /binding/review/:id/reject': form(['reason'], { ctx: 'binding-review', good: () => ({ reason: '資料不符' }) }),
  'POST /binding/review/:id/revoke': form(['reason'], { ctx: 'binding-review', good: () => ({ reason: '資料不符' }) }),
  'GET /binding/review/codes': { ctx: 'binding-review' },
  'GET /binding/review/codes/:id': { ctx: 'binding-review', query: ['notice'] },
  'POST /binding/review/codes/:id': form(['replace'], { ctx: 'binding-review', weight: 1 }),
  'POST /api/sis/guardians': {
    body: 'json',
    auth: 'sis',
    fields: ['student', 'parent', 'relationship', 'verified'],
    goodJson: () => ({
      student: { national_id: 'F223456786' },
      // A parent of its own each time (no email: refused as email_needed unless a fuzzed field adds one).
      parent: { national_id: randomNationalId(), name: '測試家長' },
      relationship: 'father',
    }),
    weight: 4,
  },
  'POST /api/sis/guardians/lookup': {
    body: 'json',
    auth: 'sis',
    fields: ['student'],
    goodJson: () => ({ student: { school_code: '353604', student_number: 'S1130007' } }),
    weight: 3,
  },
  'GET /account/sign-in': { query: ['return_to'] },
  'GET /account/callback': { ctx: 'portal', query: ['code', 'state', 'iss', 'error', 'error_description'] },
  'POST /account/sign-out': form([], account()),
  'GET /account': account({ query: ['done'] }),
  'POST /account/language': form(['locale'], account({ good: () => ({ locale: 'en' }) })),
  'GET /account/email': account(),
  'POST /account/email': form(['email', 'mobile'], account({ good: () => ({ email: 'fuzz-new@example.test' }) })),
  'GET /account/email/verify': account(),
  'POST /account/email/verify': form(['code', 'email'], account({ good: () => ({ code: '000000' }) })),
  'GET /account/mobile': account(),
  'POST /account/mobile': form(['mobile', 'email'], account({ good: () => ({ mobile: '0912345678' }) })),
  'GET /account/mobile/verify': account(),
  'POST /account/mobile/verify': form(['code', 'mobile'], account({ good: () => ({ code: '000000' }) })),
  'GET /account/password': account(),
  'POST /account/password': form(
    ['current', 'password', 'confirm'],
    account({ good: () => ({ current: 'not-the-password', ...newPassword() }) }),
  ),
  'GET /account/identities': account(),
  'GET /account/links': account({ query: ['result', 'upstream'] }),
  'GET /account/links/:linkId/unlink': account(),
  'POST /account/links/:linkId/unlink': form(['confirm'], account({ good: () => ({ confirm: 'yes' }) })),
  'GET /account/apps': account(),
  'POST /account/apps/:clientId/revoke': form([], { ctx: 'account2' }),
  'GET /account/sessions': account(),
  'POST /account/sessions/sign-out-others': form([], account()),
  'POST /account/sessions/:uid/sign-out': form([], { ctx: 'account2' }),
  'GET /account/sign-ins': account(),

  // The school back office (fuzzed without its session: every page sends the browser to sign in).
  'GET /school/sign-in': { query: ['return_to'] },
  'GET /school/callback': { query: ['code', 'state', 'iss', 'error', 'error_description'] },
  'POST /school/sign-out': form([]),
  'GET /school': {},
  'GET /school/:code': {},
  'GET /school/:code/semester': { query: ['saved'] },
  'GET /school/:code/sync-log': { query: ['action', 'result', 'page'] },
  'GET /school/:code/roster': { query: ['part', 'q', 'page', 'saved', 'left'] },
  'GET /school/:code/roster/:part/:key': { query: ['shown', 'saved'] },
  'POST /school/:code/roster/:part/:key': form([
    'name',
    'grade',
    'homeroom_staff_no',
    'kind',
    'title',
    'email',
    'class_code',
    'seat',
    'birthdate',
    'gender',
    'relationship',
    'reason',
  ]),
  'POST /school/:code/roster/:part/:key/leave': form(['reason']),
  'POST /school/:code/roster/:part/:key/reveal': form([]),
  'GET /school/:code/publish': { query: ['result'] },
  'POST /school/:code/publish': form([]),
  'GET /school/:code/publish/:group/credentials.pdf': {},
  'GET /school/:code/import': { query: ['imported', 'file'] },
  'GET /school/:code/import/preview': {},
  'GET /school/:code/import/:file/template.xlsx': {},
  'POST /school/:code/import': form(['file', 'kind']),
  'POST /school/:code/import/commit': form(['token']),
  'POST /school/:code/semester': form(['academic_year', 'semester', 'starts_on', 'ends_on'], {
    good: () => ({ academic_year: '104', semester: '1', starts_on: '104/08/31', ends_on: '105/01/30' }),
  }),

  // The bureau console's schools, people and audit log (fuzzed without its session: every page sends the browser to
  // sign in, every form is refused first for its missing session).
  'GET /admin/schools': { query: ['q', 'level', 'kind', 'page'] },
  'GET /admin/schools/new': {},
  'POST /admin/schools/new': form(['code', 'name', 'level', 'kind', 'district']),
  'GET /admin/schools/import': { query: ['imported', 'added', 'changed', 'expired'] },
  'POST /admin/schools/import': form(['file']),
  'POST /admin/schools/import/commit': form(['token']),
  'GET /admin/schools/:code': { query: ['added', 'saved', 'granted', 'revoked'] },
  'POST /admin/schools/:code': form(['name', 'level', 'kind', 'district']),
  'POST /admin/schools/:code/admins': form(['login']),
  'POST /admin/schools/:code/admins/:identity/revoke': form([]),
  'GET /admin/people': {},
  'POST /admin/people': form(['q']),
  'GET /admin/people/:id': { query: ['done', 'sessions', 'grants', 'revealed'] },
  'POST /admin/people/:id/reveal': form(['reason']),
  'POST /admin/people/:id/lock': form(['reason']),
  'POST /admin/people/:id/unlock': form([]),
  'POST /admin/people/:id/password-reset': form([]),
  'POST /admin/people/:id/sessions/end': form([]),
  'POST /admin/people/:id/developer': form(['access']),
  'GET /admin/audit': { query: ['actor', 'action', 'from', 'to', 'client', 'school', 'page'] },
  'GET /admin/audit.csv': { query: ['actor', 'action', 'from', 'to', 'client', 'school'] },
  'GET /admin/sign-in': { query: ['return_to'] },
  'GET /admin/callback': { query: ['code', 'state', 'iss', 'error', 'error_description'] },
  'POST /admin/sign-out': form([]),
  'GET /admin': {},
  'GET /admin/applications': { query: ['status'] },
  'GET /admin/applications/:id': { query: ['decided'] },
  'POST /admin/applications/:id/decide': form(['decision', 'note', 'first_party', 'may_request_idno', 'permissions']),
  'POST /admin/applications/:id/disable': form([]),
  'POST /admin/applications/:id/enable': form([]),
  'GET /admin/clients': {},
  'GET /admin/clients/:id': { query: ['saved'] },
  'POST /admin/clients/:id/settings': form(['first_party', 'may_request_idno', 'sis', 'roster', 'schools']),
  'POST /admin/clients/:id/disable': form([]),
  'POST /admin/clients/:id/enable': form([]),

  // The developer portal (fuzzed without its session, like the console).
  'GET /developers/sign-in': { query: ['return_to'] },
  'GET /developers/callback': { query: ['code', 'state', 'iss', 'error', 'error_description'] },
  'POST /developers/sign-out': form([]),
  'GET /developers': {},
  'POST /developers/organisations': form(['name']),
  'GET /developers/organisations/:org': {},
  'POST /developers/organisations/:org/members': form(['login']),
  'POST /developers/organisations/:org/members/:person/remove': form([]),
  'POST /developers/organisations/:org/token': form([]),
  'GET /developers/apps/new': { query: ['org'] },
  'POST /developers/apps/new': form([
    'org',
    'app_name',
    'purpose',
    'contact_name',
    'contact_email',
    'contact_phone',
    'homepage_url',
    'privacy_url',
    'logo_url',
    'kind',
    'redirect_uris',
    'post_logout_redirect_uris',
    'backchannel_logout_uri',
    'scopes',
    'allowed_roles',
    'reason_idno',
    'reason_children',
    'reason_identities',
    'submission',
  ]),
  'GET /developers/apps/:id': { query: ['done'] },
  'GET /developers/apps/:id/edit': {},
  'POST /developers/apps/:id/edit': form(['app_name', 'purpose', 'kind', 'redirect_uris', 'scopes']),
  'GET /developers/apps/:id/quick-start': {},
  'POST /developers/apps/:id/secret': form([]),
  'POST /developers/apps/:id/rotate': form(['grace']),
  'POST /developers/apps/:id/disable': form(['confirm']),

  'GET /demo': {},
  'GET /demo/callback': { ctx: 'demo', query: ['code', 'state', 'iss', 'error', 'error_description'] },
  'GET /dev/mailbox': {},
  'GET /dev/mailbox/:id': {},
  'GET /healthz': {},
  'GET /readyz': {},
  'GET /metrics': {},

  // oidc-provider (paths as its discovery document names them; /session/end/confirm and the resume route are not in it)
  'GET /.well-known/openid-configuration': {},
  'GET /auth': { query: AUTH, good: (_c, w) => goodAuth(w), weight: 5 },
  'POST /auth': { ctx: 'op-session', body: 'form', fields: AUTH, good: (_c, w) => goodAuth(w), weight: 4 },
  'GET /auth/:uid': { ctx: 'login' },
  'POST /token': {
    body: 'form',
    auth: 'conf',
    fields: TOKEN,
    good: () => ({ grant_type: 'client_credentials' }),
    weight: 5,
  },
  'POST /token/introspection': {
    body: 'form',
    auth: 'conf',
    fields: ['token', 'token_type_hint', 'client_id', 'client_secret'],
    good: (_c, w) => ({ token: w.tokens.ccAccess, token_type_hint: 'access_token' }),
    weight: 4,
  },
  'POST /token/revocation': {
    body: 'form',
    auth: 'conf',
    fields: ['token', 'token_type_hint', 'client_id', 'client_secret'],
    good: () => ({ token: 'x'.repeat(43), token_type_hint: 'access_token' }),
    weight: 4,
  },
  'GET /me': { auth: 'access', query: ['access_token', 'claims'], weight: 2 },
  'POST /me': { auth: 'access', body: 'form', fields: ['access_token', 'claims'], weight: 3 },
  'GET /jwks': {},
  'POST /reg': {
    body: 'json',
    auth: 'iat',
    fields: REG,
    goodJson: () => ({ redirect_uris: [CALLBACK], client_name: 'fuzz', token_endpoint_auth_method: 'none' }),
    weight: 5,
  },
  'GET /reg/:clientId': { ctx: 'reg', auth: 'rat' },
  'PUT /reg/:clientId': {
    ctx: 'reg',
    auth: 'rat',
    body: 'json',
    fields: REG,
    goodJson: (c) => ({
      client_id: c.params.clientId ?? '',
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'none',
    }),
    weight: 3,
  },
  'DELETE /reg/:clientId': { ctx: 'reg', auth: 'rat' },
  'POST /request': { body: 'form', auth: 'conf', fields: AUTH, good: (_c, w) => goodAuth(w, w.conf.id), weight: 4 },
  'GET /session/end': {
    ctx: 'op-session',
    query: END,
    good: (_c, w) => ({ client_id: w.rp.id, post_logout_redirect_uri: CALLBACK, id_token_hint: w.tokens.id }),
    weight: 3,
  },
  'POST /session/end': {
    ctx: 'op-session',
    body: 'form',
    fields: END,
    good: (_c, w) => ({ client_id: w.rp.id, post_logout_redirect_uri: CALLBACK, id_token_hint: w.tokens.id }),
    weight: 3,
  },
  'POST /session/end/confirm': {
    ctx: 'logout',
    body: 'form',
    fields: ['xsrf', 'logout'],
    good: (c) => ({ xsrf: c.query.xsrf ?? '', logout: 'yes' }),
    weight: 4,
  },
  'GET /session/end/success': { query: ['client_id', 'state'] },
};

function target(method: string, path: string, source: Target['source'], known?: Known): Target {
  const k = known ?? {};
  const body = k.body ?? (method === 'GET' || method === 'DELETE' ? 'none' : 'form');
  return {
    id: `${method} ${path}`,
    method,
    path,
    source,
    ctx: k.ctx ?? 'anon',
    body,
    fields: k.fields ?? [],
    query: k.query ?? (method === 'GET' ? COMMON_QUERY : []),
    csrf: k.csrf ?? (source === 'ours' && body === 'form'),
    captcha: k.captcha ?? false,
    auth: k.auth,
    good: k.good,
    goodJson: k.goodJson,
    limit: k.limit,
    consumesOnGet: k.consumesOnGet,
    weight: k.weight ?? (body === 'none' ? 1 : 3),
    known: known !== undefined,
  };
}

/** Our routes, as the flows register them (HEAD is GET's). */
export function ourRoutes(server: World['server']): { method: string; path: string }[] {
  const settings = parseSettings(server.env);
  const router = new Router();
  for (const flow of FLOWS.filter((f) => f.when?.(settings) ?? true)) flow.routes(router, server.services);
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const layer of router.stack) {
    for (const method of layer.methods) {
      const id = `${method} ${String(layer.path)}`;
      if (method === 'HEAD' || seen.has(id)) continue;
      seen.add(id);
      out.push({ method, path: String(layer.path) });
    }
  }
  return out;
}

/** oidc-provider's endpoints, from its discovery document (plus the routes it does not list there). */
export async function providerRoutes(issuer: string): Promise<{ method: string; path: string }[]> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  const doc = (await res.json()) as Record<string, unknown>;
  const out: { method: string; path: string }[] = [{ method: 'GET', path: '/.well-known/openid-configuration' }];
  const pathOf = (key: string) => {
    const v = doc[key];
    return typeof v === 'string' && v.startsWith(issuer) ? v.slice(issuer.length) || '/' : undefined;
  };
  const add = (key: string, methods: string[], extra: { method: string; suffix: string }[] = []) => {
    const p = pathOf(key);
    if (!p) return;
    for (const method of methods) out.push({ method, path: p });
    for (const e of extra) out.push({ method: e.method, path: `${p}${e.suffix}` });
  };
  add('authorization_endpoint', ['GET', 'POST'], [{ method: 'GET', suffix: '/:uid' }]);
  add('token_endpoint', ['POST']);
  add('introspection_endpoint', ['POST']);
  add('revocation_endpoint', ['POST']);
  add('userinfo_endpoint', ['GET', 'POST']);
  add('jwks_uri', ['GET']);
  add('pushed_authorization_request_endpoint', ['POST']);
  add(
    'registration_endpoint',
    ['POST'],
    ['GET', 'PUT', 'DELETE'].map((method) => ({ method, suffix: '/:clientId' })),
  );
  add(
    'end_session_endpoint',
    ['GET', 'POST'],
    [
      { method: 'POST', suffix: '/confirm' },
      { method: 'GET', suffix: '/success' },
    ],
  );
  // Any other endpoint the provider advertises: fuzzed with defaults.
  const listed = new Set(out.map((r) => r.path));
  for (const [key, v] of Object.entries(doc)) {
    if (!key.endsWith('_endpoint') || typeof v !== 'string') continue;
    const p = pathOf(key);
    if (p && !listed.has(p)) out.push({ method: 'GET', path: p }, { method: 'POST', path: p });
  }
  return out;
}

export async function allTargets(w: World): Promise<{ targets: Target[]; unknown: string[] }> {
  const ours = ourRoutes(w.server).map((r) => target(r.method, r.path, 'ours', KNOWN[`${r.method} ${r.path}`]));
  // A POST variant the provider does not serve (enableHttpPostMethods is off) falls through to our not-found page.
  const served: { method: string; path: string }[] = [];
  for (const r of await providerRoutes(w.base)) {
    if (r.method === 'POST' && !r.path.includes(':')) {
      const res = await fetch(`${w.base}${r.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      await res.arrayBuffer();
      if (res.status === 404) continue;
    }
    served.push(r);
  }
  const theirs = served.map((r) => target(r.method, r.path, 'oidc-provider', KNOWN[`${r.method} ${r.path}`]));
  const made: Target = { ...target('GET', '*', 'unknown paths', {}), id: 'ANY /*', weight: 2, known: true };
  const targets = [...ours, ...theirs, made];
  // Our parsers' limits: MAX_BODY_BYTES for forms and API calls, 4 MB for roster uploads (src/web/forms.ts).
  const maxBody = parseSettings(w.server.env).maxBodyBytes;
  for (const t of targets)
    if (t.source === 'ours' && t.body !== 'none')
      t.limit ??= /^\/api\/schools\/:code\/roster(-credentials|\/(classes-teachers|students-parents|courses))$/.test(
        t.path,
      )
        ? 4 * 1024 * 1024
        : maxBody;
  return { targets, unknown: targets.filter((t) => !t.known).map((t) => t.id) };
}
