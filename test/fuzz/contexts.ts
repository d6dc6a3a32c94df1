// The states a fuzzed request is sent from, so that malformed input reaches the handlers and not only the gates in
// front of them: a browser with a CSRF cookie, one in the middle of a sign-in (at the login form, the identity menu,
// the consent, the forced password change), one signed in to the account pages, one holding a registration draft,
// a school-affairs hand-off, a roster ticket, a reset link or code; and the credentials of API clients.
// Each is made through the real pages (test/helpers/agent.ts keeps the cookies), and made again when used up.
import crypto from 'node:crypto';
import * as oidc from 'openid-client';
import { hashPassword } from '../../src/domain/people/passwords.ts';
import { insertPerson } from '../../src/domain/people/persons.ts';
import { upsertSchool } from '../../src/domain/schools/schools.ts';
import { createInitialAccessToken } from '../../src/oidc/initial-access-token.ts';
import { signInToAccount } from '../helpers/account.ts';
import { Agent, hiddenField, type Step } from '../helpers/agent.ts';
import { randomNationalId } from '../helpers/national-ids.ts';
import { CALLBACK, discover, pkce, registerClient, signIn, submitLogin } from '../helpers/rp.ts';
import type { TestServer } from '../helpers/server.ts';

export const SIS_ORIGIN = 'https://sis.example.test';
export const DEMO_SCHOOL = '353604';

export type Person = { id: string; username: string; email: string; mobile: string; password: string };

/** A form on a page: where it posts and the fields it carries (hidden ones with their values). */
export type PageForm = { action: string; fields: Map<string, string> };

export type CtxKind =
  | 'anon'
  | 'login'
  | 'identity'
  | 'consent'
  | 'pwchange'
  | 'account'
  | 'account2'
  | 'draft'
  | 'activation'
  | 'sis'
  | 'roster'
  | 'roster-account'
  | 'reset-token'
  | 'reset-code'
  | 'demo'
  | 'portal'
  | 'op-session'
  | 'logout'
  | 'reg'
  | 'binding-code'
  | 'binding'
  | 'binding-review';

/** A state to send from: cookies, the CSRF token, the real path parameters and query values, forms seen. */
export type Ctx = {
  kind: CtxKind;
  agent: IpAgent;
  csrf: string;
  params: Record<string, string>;
  query: Record<string, string>;
  forms: PageForm[];
  person?: Person;
  /** The page the state was left at. */
  page?: Step;
  /** Bearer token for this state's API (a registration access token). */
  bearer?: string;
  stale: boolean;
  uses: number;
};

/** Setup requests come from a made-up client address each (TRUST_PROXY is on), so no throttle counts them together. */
export const randomIp = () => `10.${crypto.randomInt(256)}.${crypto.randomInt(256)}.${crypto.randomInt(1, 255)}`;

/** The test helpers' browser, from an address of its own; every step is counted and checked. */
export class IpAgent extends Agent {
  readonly ip: string;
  readonly #onStep: (step: Step, method: string) => void;

  constructor(onStep: (step: Step, method: string) => void, ip = randomIp()) {
    super();
    this.ip = ip;
    this.#onStep = onStep;
  }

  override async request(url: string, init: RequestInit = {}): Promise<Step> {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', this.ip);
    const step = await super.request(url, { ...init, headers });
    this.#onStep(step, init.method ?? 'GET');
    return step;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Every form on a page, with the names (and values) of its inputs, selects and text areas. */
export function formsOf(html: string): PageForm[] {
  const out: PageForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = /\baction="([^"]*)"/.exec(m[1]!)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const fields = new Map<string, string>();
    for (const input of m[2]!.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
      const name = /\bname="([^"]+)"/.exec(input[2]!)?.[1];
      if (!name) continue;
      const value = /\bvalue="([^"]*)"/.exec(input[2]!)?.[1] ?? '';
      if (!fields.has(name)) fields.set(name, value.replaceAll('&amp;', '&').replaceAll('&quot;', '"'));
    }
    out.push({ action, fields });
  }
  return out;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const tag = () => crypto.randomBytes(5).toString('hex');

export type SetupProblem = { what: string; status: number; url: string; body: string };

/** What every state is made from: the server, the clients registered for the suite, and the counters. */
export class World {
  readonly server: TestServer;
  readonly base: string;
  setupRequests = 0;
  readonly setupProblems: SetupProblem[] = [];

  readonly rp = { id: 'fuzz-rp' };
  readonly conf = { id: 'fuzz-conf', secret: `fuzz-conf-secret-${tag()}-0123456789abcdef` };
  readonly sis = { id: 'fuzz-sis', secret: `fuzz-sis-secret-${tag()}-0123456789abcdef` };
  readonly roster = { id: 'fuzz-roster', secret: `fuzz-roster-secret-${tag()}-0123456789abcdef` };
  readonly rosterSchool = String(crypto.randomInt(600_000, 700_000));
  iat = '';
  tokens: { access: string; id: string; refresh?: string; ccAccess: string } = { access: '', id: '', ccAccess: '' };
  mailboxId = '';

  constructor(server: TestServer) {
    this.server = server;
    this.base = server.issuer;
  }

  /** Real values of path parameters no state names (a school, a message, a reason the page knows). */
  defaultParams(): Record<string, string> {
    return { code: this.rosterSchool, id: this.mailboxId, reason: 'used', result: 'sent', clientId: this.rp.id };
  }

  get db() {
    return this.server.storage.db;
  }

  agent(): IpAgent {
    return new IpAgent((step, method) => {
      this.setupRequests++;
      if (step.status >= 500 || /at [\w.<>]+ \(|node:internal|\.ts:\d+:\d+/.test(step.body))
        this.setupProblems.push({
          what: `setup ${method}`,
          status: step.status,
          url: step.url,
          body: step.body.slice(0, 300),
        });
    });
  }

  basic(which: 'conf' | 'sis' | 'roster'): string {
    const c = this[which];
    return basic(c.id, c.secret);
  }

  /** Clients, a school, an initial access token, and tokens from one real sign-in. */
  async prepare(): Promise<void> {
    const s = this.server;
    await registerClient(s, {
      client_id: this.rp.id,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      post_logout_redirect_uris: [CALLBACK],
    });
    await registerClient(
      s,
      { client_id: this.conf.id, grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] },
      this.conf.secret,
    );
    await registerClient(
      s,
      { client_id: this.sis.id, redirect_uris: [`${SIS_ORIGIN}/cb`], permissions: ['sis'] },
      this.sis.secret,
    );
    await upsertSchool(this.db, {
      code: this.rosterSchool,
      name: `私立模糊測試高職${this.rosterSchool}`,
      level: 'vocational',
      kind: 'private',
    });
    await registerClient(
      s,
      { client_id: this.roster.id, permissions: ['roster'], school_codes: [this.rosterSchool] },
      this.roster.secret,
    );
    this.iat = await createInitialAccessToken(s.adapter, 24 * 3600);

    // One real sign-in (public client, PKCE) for an access token, an ID token and a refresh token.
    const person = await this.person();
    const config = await discover(this.base, this.rp.id);
    const p = await pkce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid profile email offline_access',
      prompt: 'consent',
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
      state: p.state,
      nonce: p.nonce,
    });
    const back = await signIn(this.agent(), url, person.username, person.password);
    const tokens = await oidc.authorizationCodeGrant(config, back, {
      pkceCodeVerifier: p.verifier,
      expectedState: p.state,
      expectedNonce: p.nonce,
    });
    const cc = await oidc.clientCredentialsGrant(await discover(this.base, this.conf.id, this.conf.secret), {});
    this.tokens = {
      access: tokens.access_token,
      id: tokens.id_token ?? '',
      refresh: tokens.refresh_token,
      ccAccess: cc.access_token,
    };
    // A message in the dev mailbox (a reset mail), for /dev/mailbox/:id.
    await this.resetToken(this.agent(), await this.person());
    this.mailboxId = (await s.services.outbox.list())[0]?.id ?? '';
  }

  /** A person of the suite's own: username, email, mobile and password known. */
  async person(opts: { mustChange?: boolean } = {}): Promise<Person> {
    const t = tag();
    const person = {
      username: `fuzz-${t}`,
      email: `fuzz-${t}@example.test`,
      mobile: `09${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`,
      password: `Fuzz-${t}-Word`,
    };
    const row = await insertPerson(this.db, {
      username: person.username,
      email: person.email,
      emailVerified: true,
      mobile: person.mobile,
      name: '模糊測試',
      passwordHash: await hashPassword(person.password, 4),
      mustChangePassword: opts.mustChange,
    });
    return { id: row.id, ...person };
  }

  authorizeUrl(scope: string, clientId = this.rp.id): string {
    return `${this.base}/auth?${new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope,
      redirect_uri: CALLBACK,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: `st-${tag()}`,
      nonce: `n-${tag()}`,
    })}`;
  }

  #ctx(kind: CtxKind, agent: IpAgent, page: Step, extra: Partial<Ctx> = {}): Ctx {
    const forms = formsOf(page.body);
    let csrf = '';
    for (const f of forms) csrf ||= f.fields.get('_csrf') ?? '';
    return { kind, agent, csrf, params: {}, query: {}, forms, stale: false, uses: 0, page, ...extra };
  }

  /** A browser with a CSRF cookie and token (from the password-reset page, which every visitor may open). */
  async anon(): Promise<Ctx> {
    const agent = this.agent();
    return this.#ctx('anon', agent, await agent.request(`${this.base}/password/forgot`));
  }

  /** At the sign-in form of a real interaction. */
  async login(scope = 'openid profile'): Promise<Ctx> {
    const agent = this.agent();
    const page = await agent.follow(this.authorizeUrl(scope), CALLBACK);
    const uid = /\/interaction\/([\w-]+)/.exec(page.url)?.[1] ?? '';
    return this.#ctx('login', agent, page, { params: { uid, interaction: uid }, page });
  }

  async #loggedIn(kind: CtxKind, scope: string, login: string, password: string): Promise<Ctx> {
    const start = await this.login(scope);
    const step = await submitLogin(start.agent, start.page!, login, password, {}, CALLBACK);
    const uid = /\/interaction\/([\w-]+)/.exec(step.url)?.[1] ?? start.params.uid!;
    return this.#ctx(kind, start.agent, step, { params: { uid, interaction: uid } });
  }

  /**
   * The demo teacher's sign-in failures forgotten: the fuzzing types wrong passwords for that account (at the sign-in
   * page, and at binding step 3 with its national ID, which counts as the sign-in does), and from a few on the sign-in
   * asks for the person check, which the states' own sign-ins do not solve.
   */
  async #teacherFailuresForgotten(): Promise<void> {
    const teacher = await this.db('persons').where({ username: 'teacher' }).first('id');
    if (teacher) await this.server.services.signInGuard.succeeded(`person:${teacher.id}`);
  }

  /** At the identity menu (the demo teacher has two identities). */
  async identity(): Promise<Ctx> {
    await this.#teacherFailuresForgotten();
    return this.#loggedIn('identity', 'openid identity', 'teacher', 'Blue-Chalk-2026');
  }

  /** At the consent page of a third-party client, as a person of one's own. */
  async consent(): Promise<Ctx> {
    const p = await this.person();
    return { ...(await this.#loggedIn('consent', 'openid profile email', p.username, p.password)), person: p };
  }

  /** At the forced password change of a first sign-in. */
  async pwchange(): Promise<Ctx> {
    const p = await this.person({ mustChange: true });
    return { ...(await this.#loggedIn('pwchange', 'openid profile', p.username, p.password)), person: p };
  }

  /** Signed in to the account pages. `second`: the person also signed in from another browser. */
  async account(kind: CtxKind = 'account', person?: Person): Promise<Ctx> {
    const p = person ?? (await this.person());
    const agent = this.agent();
    const page = await signInToAccount(this.base, agent, p.username, p.password);
    const ctx = this.#ctx(kind, agent, page, { person: p });
    ctx.params.clientId = this.rp.id;
    if (kind === 'account2') {
      await signInToAccount(this.base, this.agent(), p.username, p.password);
      const sessions = await agent.request(`${this.base}/account/sessions`);
      ctx.forms.push(...formsOf(sessions.body));
      const other = /\/account\/sessions\/([\w-]+)\/sign-out/.exec(sessions.body)?.[1];
      if (other) ctx.params.uid = other;
      const apps = await agent.request(`${this.base}/account/apps`);
      ctx.forms.push(...formsOf(apps.body));
      const app = /\/account\/apps\/([^/"]+)\/revoke/.exec(apps.body)?.[1];
      if (app) ctx.params.clientId = decodeURIComponent(app);
    }
    return ctx;
  }

  /** The registration form's fields, all valid (a new email and national ID each time). */
  goodRegistration(): Record<string, string> {
    return {
      school: DEMO_SCHOOL,
      kind: 'teacher',
      email: `fuzz-reg-${tag()}@example.org`,
      name: '模糊測試',
      national_id: randomNationalId(),
      password: 'Blue-Kettle-1987',
      password_confirm: 'Blue-Kettle-1987',
      phone: '02-21235678',
      gender: 'male',
    };
  }

  /** A passed person check: the question in words, answered (instant; the proof of work would cost a second). */
  async captcha(): Promise<{ question_token: string; question_answer: string }> {
    const q = this.server.services.challenges.question();
    return { question_token: q.token, question_answer: String(q.a + q.b) };
  }

  async #post(agent: IpAgent, path: string, fields: Record<string, string>): Promise<Step> {
    return agent.request(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Past step 1 of the wizard: at the confirmation page, with a draft. */
  async draft(): Promise<Ctx> {
    const agent = this.agent();
    const page = await agent.request(`${this.base}/register`);
    const form = this.goodRegistration();
    await this.#post(agent, '/register', {
      _csrf: hiddenField(page.body, '_csrf'),
      ...(await this.#solved(page)),
      ...form,
    });
    const confirm = await agent.request(`${this.base}/register/confirm`);
    return { ...this.#ctx('draft', agent, confirm), query: { email: form.email! } };
  }

  /** Registered, with the mailed activation link's token. */
  async activation(): Promise<Ctx> {
    const draft = await this.draft();
    await this.#post(draft.agent, '/register/confirm', { _csrf: draft.csrf });
    const token = await this.#mailed(
      { recipient: draft.query.email!, kind: 'registration_activation' },
      /\/register\/activate\?token=([\w-]+)/,
    );
    const page = await draft.agent.request(`${this.base}/register/activate?token=${token}`);
    return this.#ctx('activation', draft.agent, page, { query: { token } });
  }

  /** A valid push of the school-affairs system (a new person each time). */
  sisPerson(): Record<string, unknown> {
    return {
      mode: 'register',
      national_id: randomNationalId(),
      name: '何超人',
      birthdate: '1980-04-12',
      gender: 'male',
      email: `fuzz-sis-${tag()}@example.org`,
      mobile: '0912345678',
      role: 'student',
      school_code: DEMO_SCHOOL,
      class: '701',
      seat: 12,
      student_number: 'S1130012',
      return_url: `${SIS_ORIGIN}/sso/back`,
    };
  }

  /** A browser holding a school-affairs hand-off, at its consent page. */
  async sisHandoff(): Promise<Ctx> {
    const res = await fetch(`${this.base}/api/sis/handles`, {
      method: 'POST',
      headers: { authorization: this.basic('sis'), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(this.sisPerson()),
    });
    this.setupRequests++;
    const { handle = '' } = (await res.json().catch(() => ({}))) as { handle?: string };
    const agent = this.agent();
    const page = await agent.follow(`${this.base}/register/sis?handle=${handle}`);
    return this.#ctx('sis', agent, page, { query: { handle } });
  }

  /** A roster credential uploaded by the school's client; returns the account and password. */
  async rosterCredential(): Promise<{ account: string; password: string }> {
    const account = `r${tag()}`;
    const password = `pw-${tag()}`;
    await fetch(`${this.base}/api/schools/${this.rosterSchool}/roster-credentials`, {
      method: 'PUT',
      headers: { authorization: this.basic('roster'), 'content-type': 'application/json' },
      body: JSON.stringify([
        { role: 'student', account, password, name: '陳同學', class_code: '101', seat: 7, student_no: `A${tag()}` },
      ]),
    });
    this.setupRequests++;
    return { account, password };
  }

  /** A browser holding a roster ticket (the credential checked); `account`: also signed in to the account pages. */
  async rosterTicket(kind: 'roster' | 'roster-account'): Promise<Ctx> {
    const base = kind === 'roster-account' ? await this.account() : await this.anon();
    const cred = await this.rosterCredential();
    const page = await base.agent.request(`${this.base}/register/roster`);
    const fields: Record<string, string> = {
      _csrf: hiddenField(page.body, '_csrf'),
      school: this.rosterSchool,
      kind: 'student',
      account: cred.account,
      password: cred.password,
    };
    await this.#post(base.agent, '/register/roster', { ...fields, ...(await this.#solved(page)) });
    const next = await base.agent.request(
      `${this.base}${kind === 'roster-account' ? '/account/roster-identity' : '/register/roster/new'}`,
    );
    return { ...this.#ctx(kind, base.agent, next), person: base.person, params: base.params };
  }

  /** Asks for a reset of `p`'s password by `target` (their email or mobile); returns the answer. */
  async #forgot(agent: IpAgent, target: string): Promise<Step> {
    const page = await agent.request(`${this.base}/password/forgot`);
    return this.#post(agent, '/password/forgot', {
      _csrf: hiddenField(page.body, '_csrf'),
      target,
      ...(await this.#solved(page)),
    });
  }

  /** The person check of a page, passed (nothing when the page shows none). */
  async #solved(page: Step): Promise<Record<string, string>> {
    if (!page.body.includes('name="question_token"')) return {};
    return this.captcha();
  }

  /** The token of a mailed reset link for `p`. */
  async resetToken(agent: IpAgent, p: Person): Promise<string> {
    await this.#forgot(agent, p.email);
    return this.#mailed({ recipient: p.email }, /\/password\/reset\?token=([\w-]+)/);
  }

  /** The first match of `link` in the newest message queued for `where` (waiting a little for it to be queued). */
  async #mailed(where: Record<string, string>, link: RegExp): Promise<string> {
    for (let i = 0; i < 40; i++) {
      const mail = await this.db('outbox_messages').where(where).orderBy('created_at', 'desc').first();
      const found = link.exec(String(mail?.text_body ?? ''))?.[1];
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    return '';
  }

  /** At the new-password page of a mailed reset link. */
  async resetLink(): Promise<Ctx> {
    const agent = this.agent();
    const p = await this.person();
    const token = await this.resetToken(agent, p);
    const page = await agent.request(`${this.base}/password/reset?token=${token}`);
    return { ...this.#ctx('reset-token', agent, page, { query: { token } }), person: p };
  }

  /** At the code page of a reset by SMS. */
  async resetCode(): Promise<Ctx> {
    const agent = this.agent();
    const p = await this.person();
    const sent = await this.#forgot(agent, p.mobile);
    const ticket = /ticket=([\w-]+)/.exec(sent.location ?? '')?.[1] ?? '';
    const page = await agent.request(`${this.base}/password/reset/code?ticket=${ticket}`);
    return { ...this.#ctx('reset-code', agent, page, { query: { ticket } }), person: p };
  }

  /** Sent off by one of our own relying parties (/demo or /account/sign-in): its flow cookie set, the state known. */
  async ownRp(kind: 'demo' | 'portal'): Promise<Ctx> {
    const agent = this.agent();
    const start = await agent.request(`${this.base}${kind === 'demo' ? '/demo' : '/account/sign-in'}`);
    const auth = start.location ? new URL(start.location) : undefined;
    const ctx = this.#ctx(kind, agent, start, {
      query: { state: auth?.searchParams.get('state') ?? '', iss: this.base, code: `code-${tag()}` },
    });
    const anon = await agent.request(`${this.base}/password/forgot`);
    ctx.csrf = hiddenField(anon.body, '_csrf');
    return ctx;
  }

  /** A browser signed in at the provider (a session), and at the sign-out page with its xsrf token. */
  async opSession(kind: 'op-session' | 'logout'): Promise<Ctx> {
    const p = await this.person();
    const agent = this.agent();
    await signIn(agent, this.authorizeUrl('openid'), p.username, p.password);
    if (kind === 'op-session') return { ...this.#ctx(kind, agent, await agent.request(`${this.base}/`)), person: p };
    const page = await agent.request(
      `${this.base}/session/end?${new URLSearchParams({ client_id: this.rp.id, post_logout_redirect_uri: CALLBACK })}`,
    );
    const ctx = this.#ctx(kind, agent, page, { person: p });
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    ctx.query.xsrf = xsrf;
    return ctx;
  }

  /** At the binding's code page: a code sent to a made-up address, its ticket in the query. */
  async bindingCode(): Promise<Ctx> {
    const agent = this.agent();
    const page = await agent.request(`${this.base}/binding`);
    const sent = await this.#post(agent, '/binding', {
      _csrf: hiddenField(page.body, '_csrf'),
      kind: 'email',
      email: `fuzz-${tag()}@example.test`,
      ...(await this.#solved(page)),
    });
    const ticket = /ticket=([\w-]+)/.exec(sent.location ?? '')?.[1] ?? '';
    const codePage = await agent.request(`${this.base}/binding/code?ticket=${ticket}`);
    return this.#ctx('binding-code', agent, codePage, { query: { ticket } });
  }

  /** In a binding session, the demo student (林小華) added and the statement agreed: at step 3, the parent's data. */
  async binding(): Promise<Ctx> {
    const agent = this.agent();
    const email = `fuzz-${tag()}@example.test`;
    const page = await agent.request(`${this.base}/binding`);
    const sent = await this.#post(agent, '/binding', {
      _csrf: hiddenField(page.body, '_csrf'),
      kind: 'email',
      email,
      ...(await this.#solved(page)),
    });
    const ticket = /ticket=([\w-]+)/.exec(sent.location ?? '')?.[1] ?? '';
    const mail = await this.db('outbox_messages').where({ recipient: email, kind: 'binding_code' }).first();
    const code = /\b(\d{6})\b/.exec(String(mail?.text_body ?? ''))?.[1] ?? '';
    await this.#post(agent, `/binding/code?ticket=${ticket}`, { _csrf: hiddenField(page.body, '_csrf'), code });
    const student = await agent.request(`${this.base}/binding/student`);
    const csrf = hiddenField(student.body, '_csrf');
    const fields = { relationship: 'mother', level: 'junior', national_id: 'F223456786', birthdate: '2013-09-02' };
    await this.#post(agent, '/binding/student', { _csrf: csrf, ...fields, school: '353604' });
    await this.#post(agent, '/binding/consent', { _csrf: csrf, agree: 'yes' });
    const parent = await agent.request(`${this.base}/binding/parent`);
    const identity = /\/binding\/student\/([\w-]+)\/remove/.exec(parent.body)?.[1] ?? crypto.randomUUID();
    return this.#ctx('binding', agent, parent, { params: { id: identity } });
  }

  /** The demo homeroom teacher signed in to the account pages, at the binding review. */
  async bindingReview(): Promise<Ctx> {
    await this.#teacherFailuresForgotten();
    const agent = this.agent();
    await signInToAccount(this.base, agent, 'teacher', 'Blue-Chalk-2026', '/binding/review');
    const page = await agent.request(`${this.base}/binding/review`);
    // A made-up application id: deciding the demo's real one would change what other states see.
    return this.#ctx('binding-review', agent, page, { params: { id: crypto.randomUUID() } });
  }

  /** A dynamically registered client and its registration access token. */
  async registered(): Promise<Ctx> {
    const res = await fetch(`${this.base}/reg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.iat}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: [CALLBACK],
        client_name: 'fuzz dynamic',
        token_endpoint_auth_method: 'none',
      }),
    });
    this.setupRequests++;
    const body = (await res.json().catch(() => ({}))) as { client_id?: string; registration_access_token?: string };
    const ctx = await this.anon();
    return { ...ctx, kind: 'reg', params: { clientId: body.client_id ?? '' }, bearer: body.registration_access_token };
  }

  make(kind: CtxKind): Promise<Ctx> {
    switch (kind) {
      case 'anon':
        return this.anon();
      case 'login':
        return this.login();
      case 'identity':
        return this.identity();
      case 'consent':
        return this.consent();
      case 'pwchange':
        return this.pwchange();
      case 'account':
      case 'account2':
        return this.account(kind);
      case 'draft':
        return this.draft();
      case 'activation':
        return this.activation();
      case 'sis':
        return this.sisHandoff();
      case 'roster':
      case 'roster-account':
        return this.rosterTicket(kind);
      case 'reset-token':
        return this.resetLink();
      case 'reset-code':
        return this.resetCode();
      case 'demo':
      case 'portal':
        return this.ownRp(kind);
      case 'op-session':
      case 'logout':
        return this.opSession(kind);
      case 'reg':
        return this.registered();
      case 'binding-code':
        return this.bindingCode();
      case 'binding':
        return this.binding();
      case 'binding-review':
        return this.bindingReview();
    }
  }

  /** The form on this state's pages that posts to `path` (a template such as /interaction/:uid/login). */
  static formFor(ctx: Ctx, pattern: RegExp): PageForm | undefined {
    return ctx.forms.find((f) => pattern.test(f.action.split('?')[0]!));
  }
}
