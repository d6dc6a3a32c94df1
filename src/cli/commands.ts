// The CLI commands: each declares its usage and options, checks what the options alone can tell, and runs against
// opened storage. What only `run` needs is imported there, when it runs: a usage error or --help loads little.
import fs from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import type { Knex } from 'knex';
import type { z } from 'zod';
import {
  type ClientChange,
  ClientError,
  checkChangeValues,
  MIN_CLIENT_SECRET,
  type NewClient,
  newClientMetadata,
  redirectUriRefusal,
} from '../domain/clients/metadata.ts';
import { isPermission, PERMISSIONS, type Permission, SCHOOL_SCOPED } from '../domain/clients/permissions.ts';
import { ROLES, type Role } from '../domain/identities/identities.ts';
import { checkUsername, normaliseEmail, type UsernameProblem } from '../domain/people/login-names.ts';
import { checkPasswordPolicy } from '../domain/people/password-policy.ts';
import { checkPersonName, MAX_PERSON_NAME, type PersonNameProblem } from '../domain/people/person-name.ts';
import { termOn } from '../domain/schools/calendar.ts';
import { CLASS_CODE } from '../domain/schools/classes.ts';
import { findSchool, NewSchool, type School } from '../domain/schools/schools.ts';
import type { DomainServices } from '../domain/services.ts';
import { firstProblem, upstreamInput } from '../domain/upstreams/upstreams.ts';
import { translator } from '../platform/i18n/index.ts';
import type { Settings } from '../platform/settings.ts';
import type { Storage } from '../platform/storage/open.ts';

/** What a command runs with: the opened storage, the domain services on it, the settings and the issuer. */
export type CommandContext = { storage: Storage; services: DomainServices; settings: Settings; issuer: string };

type Options = Record<string, unknown>;

export type Command = {
  /** Its lines in the usage: the synopsis, then what it does (indented to the usage's second column). */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /**
   * What the options alone say, checked before storage is opened (a mistyped option starts no PostgreSQL): a
   * UsageError is bad usage (exit 2), any other error a failure (exit 1). What it returns is what `run` gets.
   */
  check?(opts: Options, settings: Settings): Options | undefined | Promise<Options | undefined>;
  run(c: CommandContext, opts: Options): Promise<string | undefined>;
};

/** Bad usage (exit 2): an option missing, unknown or with a value it cannot have. */
export class UsageError extends Error {}

const usage = (message: string) => new UsageError(message);

function required(opts: Options, ...names: string[]): undefined {
  for (const n of names) if (typeof opts[n] !== 'string' || !opts[n]) throw usage(`--${n} is required`);
  return undefined;
}

/** The longest --ttl and --lead taken: 30 days. */
const MAX_SECONDS = 30 * 86_400;

/** A whole number of seconds from `min` to `max` (undefined: not given). */
function seconds(opts: Options, name: string, min: number, max: number): number | undefined {
  const value = opts[name];
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d{1,10}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max))
    throw usage(`--${name} must be a whole number of seconds from ${min} to ${max}: ${value}`);
  return n;
}

/** A repeatable option's values, or undefined when it was not given. */
const list = (opts: Record<string, unknown>, name: string) => opts[name] as string[] | undefined;

const UPSTREAM_OPTIONS = {
  id: { type: 'string' },
  name: { type: 'string' },
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  kind: { type: 'string' },
  scope: { type: 'string' },
  icon: { type: 'string' },
  'authorization-endpoint': { type: 'string' },
  'token-endpoint': { type: 'string' },
  'userinfo-endpoint': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** The upstream options given, under the names the domain uses (undefined: not given). */
function upstreamFields(opts: Record<string, unknown>) {
  const str = (k: string) => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
  const endpoints = Object.fromEntries(
    (['authorization', 'token', 'userinfo'] as const)
      .map((e) => [`${e}_endpoint`, str(`${e}-endpoint`)] as const)
      .filter(([, v]) => v !== undefined),
  );
  return {
    id: str('id'),
    name: str('name'),
    kind: str('kind'),
    issuer: str('issuer'),
    clientId: str('client-id'),
    clientSecret: str('client-secret'),
    scope: str('scope'),
    icon: str('icon'),
    endpoints: Object.keys(endpoints).length ? endpoints : undefined,
  };
}

const USERNAME_REFUSALS: Record<UsernameProblem, string> = {
  required: '--username must not be empty',
  invalid:
    '--username must be 3 to 64 letters (a-z), digits, dots, dashes or underscores, starting with a letter or digit (an email address goes in --email)',
  mobile: '--username must not be a mobile number (sign-in would read it as one)',
};

const NAME_REFUSALS: Record<PersonNameProblem, string> = {
  required: '--name must not be empty',
  tooLong: `--name must be at most ${MAX_PERSON_NAME} characters`,
  invalid:
    "--name must be a person's name: letters (digits too), spaces, middle dots, hyphens, apostrophes or periods; no emoji or other symbols",
};

/** A decline's reason, at most as long as the review page takes. */
const MAX_REASON = 500;

/** The usage's second column: what a command does. */
const COLUMN = 42;

/** A command's usage: its synopsis lines, then what it does (on the synopsis's line when it fits). */
function entry(synopsis: string | string[], ...does: string[]): string {
  const lines = [synopsis].flat();
  const first = lines[0]!;
  if (does.length && lines.length === 1 && first.length < COLUMN - 1) {
    lines[0] = first.padEnd(COLUMN) + does.shift();
  }
  return [...lines, ...does.map((d) => ' '.repeat(COLUMN) + d)].join('\n');
}

export const COMMANDS: Record<string, Command> = {
  migrate: {
    usage: entry('migrate', 'apply database migrations'),
    options: {},
    // openStorage applies the migrations.
    run: async () => 'migrations applied',
  },
  'seed-demo': {
    usage: entry('seed-demo [--issuer URL]', 'seed the demo school, people and demo client'),
    options: { issuer: { type: 'string' } },
    check(opts) {
      if (opts.issuer !== undefined && !URL.canParse(opts.issuer as string))
        throw usage(`--issuer must be an absolute URL: ${opts.issuer as string}`);
      return undefined;
    },
    async run({ storage, services, issuer, settings }, opts) {
      if (settings.env === 'production')
        throw new Error('the demo accounts have published passwords: not in production');
      const { seedDemo } = await import('../domain/demo/seed.ts');
      await seedDemo(
        { db: storage.db, keyring: storage.keyring, ...services },
        (opts.issuer as string | undefined) ?? issuer,
      );
      return 'demo data seeded';
    },
  },
  'client add': {
    usage: entry(
      [
        'client add --id ID --secret SECRET --redirect-uri URI [--redirect-uri URI ...] [--name NAME] [--first-party]',
        '           [--post-logout-redirect-uri URI ...] [--grant-type T ...] [--allowed-role R ...] [--public]',
      ],
      'register a new client (an id already taken is refused); the secret has',
      `at least ${MIN_CLIENT_SECRET} characters; redirect URIs are https (plain http only to`,
      'localhost, 127.0.0.1 or [::1], not in production), without a fragment',
    ),
    options: {
      id: { type: 'string' },
      secret: { type: 'string' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'first-party': { type: 'boolean' },
      public: { type: 'boolean' },
      'grant-type': { type: 'string', multiple: true },
      'allowed-role': { type: 'string', multiple: true },
    },
    check(opts, settings) {
      required(opts, 'id');
      if (opts.public && opts.secret !== undefined) throw usage('a public client has no secret: leave out --secret');
      if (!opts.public) required(opts, 'secret');
      const grantTypes = list(opts, 'grant-type');
      if (!list(opts, 'redirect-uri')?.length && (grantTypes ?? ['authorization_code']).includes('authorization_code'))
        throw usage('--redirect-uri is required');
      checkUris(opts, settings, ['redirect-uri', 'post-logout-redirect-uri']);
      // Everything newClientMetadata checks needs no storage.
      asUsage(() => newClientMetadata(newClient(opts)));
      return undefined;
    },
    async run({ services }, opts) {
      await services.clients.create(newClient(opts), 'cli');
      return `client ${opts.id as string} created`;
    },
  },
  'client update': {
    usage: entry(
      [
        'client update --id ID [--secret S] [--name N] [--add-redirect-uri U ...] [--remove-redirect-uri U ...]',
        '           [--add-post-logout-redirect-uri U ...] [--remove-post-logout-redirect-uri U ...]',
        '           [--first-party|--no-first-party] [--grant-type T ...] [--allowed-role R ...]',
      ],
      'change only what is given (grant types and roles: the new list)',
    ),
    options: {
      id: { type: 'string' },
      secret: { type: 'string' },
      name: { type: 'string' },
      'add-redirect-uri': { type: 'string', multiple: true },
      'remove-redirect-uri': { type: 'string', multiple: true },
      'add-post-logout-redirect-uri': { type: 'string', multiple: true },
      'remove-post-logout-redirect-uri': { type: 'string', multiple: true },
      'first-party': { type: 'boolean' },
      'no-first-party': { type: 'boolean' },
      'grant-type': { type: 'string', multiple: true },
      'allowed-role': { type: 'string', multiple: true },
    },
    check(opts, settings) {
      required(opts, 'id');
      if (opts['first-party'] && opts['no-first-party'])
        throw usage('give --first-party or --no-first-party, not both');
      const change = clientChange(opts);
      if (Object.values(change).every((v) => v === undefined)) throw usage('nothing to change: give an option');
      // The values themselves (what the client's own metadata allows is checked when it is changed).
      checkUris(opts, settings, ['add-redirect-uri', 'add-post-logout-redirect-uri']);
      asUsage(() => checkChangeValues(change));
      return undefined;
    },
    async run({ services }, opts) {
      const fields = await services.clients.update(opts.id as string, clientChange(opts), 'cli');
      return fields.length
        ? `client ${opts.id as string} updated: ${fields.join(', ')}`
        : `client ${opts.id} unchanged`;
    },
  },
  'client show': {
    usage: entry('client show --id ID', `the client's metadata as JSON (the secret only as "(set)")`),
    options: { id: { type: 'string' } },
    check: (opts) => required(opts, 'id'),
    async run({ services }, opts) {
      const metadata = await services.clients.describe(opts.id as string);
      if (!metadata) throw new Error(`no client with id ${opts.id as string}`);
      return JSON.stringify(metadata, null, 2);
    },
  },
  'client list': {
    usage: entry('client list', 'every client: id, name, first party, permissions, schools, state'),
    options: {},
    async run({ services }) {
      return (await services.clients.list())
        .map((c) =>
          [
            c.clientId,
            c.name,
            c.firstParty ? 'first-party' : 'third-party',
            `permissions=${c.permissions.join(',') || '-'}`,
            `schools=${c.schoolCodes?.join(',') || '-'}`,
            c.disabled ? 'disabled' : 'enabled',
          ].join('  '),
        )
        .join('\n');
    },
  },
  'client permissions': {
    usage: entry(
      [
        'client permissions --id ID --grant sis|roster [--school CODE ...]',
        'client permissions --id ID --revoke sis|roster',
      ],
      'what the client may do through the API; --school: the only schools a',
      'roster client may act for (vocational or private schools)',
    ),
    options: {
      id: { type: 'string' },
      grant: { type: 'string' },
      revoke: { type: 'string' },
      school: { type: 'string', multiple: true },
    },
    check(opts) {
      required(opts, 'id');
      const grant = opts.grant as string | undefined;
      const revoke = opts.revoke as string | undefined;
      if ((grant === undefined) === (revoke === undefined)) throw usage('give one of --grant and --revoke');
      const permission = (grant ?? revoke)!;
      if (!isPermission(permission)) throw usage(`a permission is one of ${PERMISSIONS.join(', ')}`);
      const schools = list(opts, 'school');
      if (revoke !== undefined && schools) throw usage('--school goes with --grant');
      if (schools && !SCHOOL_SCOPED.has(permission))
        throw usage(`the ${permission} permission is not bound to schools: give no school`);
      return undefined;
    },
    async run({ services }, opts) {
      const id = opts.id as string;
      const grant = opts.grant as Permission | undefined;
      const revoke = opts.revoke as Permission | undefined;
      const result = await services.clients.setPermission(
        id,
        grant !== undefined ? { grant, schools: list(opts, 'school') } : { revoke: revoke! },
        'cli',
      );
      const held = `permissions ${result.permissions.join(', ') || 'none'}`;
      const scoped = result.permissions.some((p) => SCHOOL_SCOPED.has(p as Permission))
        ? `; schools ${result.schoolCodes?.join(', ') || 'none (grant them with --school)'}`
        : '';
      return `client ${id} ${result.changed ? 'now has' : 'unchanged:'} ${held}${scoped}`;
    },
  },
  'client disable': {
    usage: entry('client disable --id ID', 'the client can no longer sign people in, get tokens or use the API'),
    options: { id: { type: 'string' } },
    check: (opts) => required(opts, 'id'),
    async run({ services }, opts) {
      const changed = await services.clients.setDisabled(opts.id as string, true, 'cli');
      return `client ${opts.id as string} ${changed ? 'disabled' : 'was already disabled'}`;
    },
  },
  'client enable': {
    usage: entry('client enable --id ID', 'undo client disable'),
    options: { id: { type: 'string' } },
    check: (opts) => required(opts, 'id'),
    async run({ services }, opts) {
      const changed = await services.clients.setDisabled(opts.id as string, false, 'cli');
      return `client ${opts.id as string} ${changed ? 'enabled' : 'was already enabled'}`;
    },
  },
  'person add': {
    usage: entry(
      'person add --username U --password P --name NAME [--email E] [--keep-password]',
      'a new account; the password policy applies, and the person changes the',
      'password at the first sign-in unless --keep-password; a username has 3',
      'to 64 letters, digits, . _ or -; the email is checked as at registration',
    ),
    options: {
      username: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      'keep-password': { type: 'boolean' },
    },
    check(opts) {
      required(opts, 'username', 'password', 'name');
      const user = checkUsername(opts.username as string);
      if (!user.ok) throw usage(`${USERNAME_REFUSALS[user.problem]}: ${opts.username as string}`);
      let email: string | undefined;
      if (opts.email !== undefined) {
        email = normaliseEmail(opts.email as string);
        if (!email) throw usage(`--email must be an email address: ${opts.email as string}`);
      }
      // As a school's rows give names (digits allowed: 測試帳號2).
      const named = checkPersonName(opts.name as string, { digits: true });
      if (!named.ok) throw usage(NAME_REFUSALS[named.problem]);
      const [username, name] = [user.username, named.name];
      // The same policy as every other new password; chosen by an operator, it is changed at the first sign-in
      // unless --keep-password says the person chose it.
      const problem = checkPasswordPolicy(opts.password as string, { username, name, email });
      if (problem) throw usage(`--password: ${translator('en')(problem)}`);
      return { ...opts, username, name, email };
    },
    async run({ services }, opts) {
      const { isUniqueViolation } = await import('../domain/enrolment/accounts.ts');
      const [username, name, email] = [opts.username as string, opts.name as string, opts.email as string | undefined];
      return services.enrolment
        .createActive({
          person: {
            username,
            name,
            email,
            passwordHash: await services.passwords.hash(opts.password as string),
            mustChangePassword: !opts['keep-password'],
          },
          actor: 'cli',
          audit: { action: 'person.created' },
        })
        .catch((err: unknown) => {
          if (isUniqueViolation(err)) throw new Error('a person with this username or email already exists');
          throw err;
        });
    },
  },
  'person reset-second-factor': {
    usage: entry(
      'person reset-second-factor --person U',
      'a lost phone: the next sign-in that needs a second factor sets it up',
    ),
    options: { person: { type: 'string' } },
    check: (opts) => required(opts, 'person'),
    async run({ services, storage: { db } }, opts) {
      const person = await services.people.findByLogin(opts.person as string);
      if (!person) throw new Error(`no person ${opts.person}`);
      // Both or neither: a lost phone's passkey must not outlive its authenticator app's secret.
      const [removed, passkeys] = await db.transaction(async (trx) => [
        await services.secondFactor.reset(person.id, 'cli', trx),
        await services.passkeys.reset(person.id, 'cli', trx),
      ]);
      return removed || passkeys
        ? `second factor of ${opts.person} removed: the next sign-in that needs one sets it up again`
        : `${opts.person} has no second factor set up`;
    },
  },
  'school add': {
    usage: entry(
      'school add --code 353604 --name NAME --level elementary|junior|senior|vocational|special [--kind municipal|private]',
      'a new school; a code already taken is refused (the bureau console,',
      '/admin/schools, changes a school)',
    ),
    options: {
      code: { type: 'string' },
      name: { type: 'string' },
      level: { type: 'string' },
      kind: { type: 'string' },
    },
    check(opts) {
      required(opts, 'code', 'name', 'level');
      const parsed = NewSchool.safeParse({ code: opts.code, name: opts.name, level: opts.level, kind: opts.kind });
      const issue = parsed.error?.issues[0];
      if (issue) throw usage(`--${String(issue.path[0])}: ${issue.message}`);
      return { ...opts, school: parsed.data };
    },
    async run({ storage: { db } }, opts) {
      const { recordAudit } = await import('../domain/audit.ts');
      const school = opts.school as NewSchool & { kind: string };
      // Only a new code is written: an existing school (its level and kind decide what its clients may do) is never
      // changed here.
      const added = await db.transaction(async (trx) => {
        const [row] = await trx('schools').insert(school).onConflict('code').ignore().returning(['code', 'name']);
        if (row)
          await recordAudit(trx, {
            actor: 'cli',
            action: 'school.added',
            subject: school.code,
            detail: { level: school.level, kind: school.kind },
          });
        return row as { code: string; name: string } | undefined;
      });
      if (!added) {
        const there = await findSchool(db, school.code);
        const what = there ? ` (${there.name}, ${there.level}, ${there.kind})` : '';
        throw new Error(
          `school ${school.code}${what} exists already: nothing changed (no command changes a school; the bureau console does, at /admin/schools/${school.code})`,
        );
      }
      return `school ${added.code} ${added.name} added`;
    },
  },
  'identity add': {
    usage: entry(
      [
        'identity add --person U --role student|teacher|staff|principal|parent|school_admin|bureau_admin',
        '             [--school CODE] [--class 101 --seat 7 --student-no S] [--title T]',
      ],
      'at a school (--school) for every role but bureau_admin, which has none;',
      "--class, --seat and --student-no are a student's, the class one of the",
      "school's classes this semester (they come with its roster)",
    ),
    options: {
      person: { type: 'string' },
      school: { type: 'string' },
      role: { type: 'string' },
      class: { type: 'string' },
      seat: { type: 'string' },
      'student-no': { type: 'string' },
      title: { type: 'string' },
    },
    check(opts) {
      required(opts, 'person', 'role');
      const role = opts.role as Role;
      if (!ROLES.includes(role)) throw usage(`--role must be one of ${ROLES.join(', ')}`);
      // As identities are made everywhere else: the bureau's own role has no school, every other role is at one.
      if (role === 'bureau_admin' && opts.school !== undefined)
        throw usage("a bureau_admin identity is the bureau's, not a school's: leave out --school");
      if (role !== 'bureau_admin' && !opts.school) throw usage(`a ${role} identity is at a school: give --school CODE`);
      if (opts.school !== undefined && !/^\d{6}$/.test(opts.school as string))
        throw usage(`--school: a school code has 6 digits: ${opts.school as string}`);
      // A class, a seat and a student number are a student's (a parent's class is the child's, never the parent's).
      const studentOnly = ['class', 'seat', 'student-no'].filter((o) => opts[o] !== undefined);
      if (studentOnly.length && role !== 'student')
        throw usage(`${studentOnly.map((o) => `--${o}`).join(', ')}: only a student identity has one, not a ${role}`);
      if (opts.class !== undefined && !CLASS_CODE.test(opts.class as string))
        throw usage(`--class must be a class code such as 701 (letters, digits or -, at most 10): ${opts.class}`);
      const seat = opts.seat === undefined ? undefined : Number(opts.seat);
      if (seat !== undefined && (!Number.isInteger(seat) || seat < 1 || seat > 99))
        throw usage('--seat must be a number from 1 to 99');
      return undefined;
    },
    async run({ services, storage: { db } }, opts) {
      const { IdentityExists } = await import('../domain/identities/add-identity.ts');
      const person = await services.people.findByLogin(opts.person as string);
      if (!person) throw new Error(`no person with username, email or mobile ${opts.person as string}`);
      const code = opts.school as string | undefined;
      const school = code === undefined ? undefined : await findSchool(db, code);
      if (code !== undefined && !school) throw new Error(`unknown school ${code}`);
      if (school && opts.class !== undefined) await mustHaveClass(db, school, opts.class as string);
      if (opts.role === 'bureau_admin') {
        // One current bureau_admin identity a person (the unique index on person, role and school lets NULLs repeat).
        const there = await db('identities')
          .where({ person_id: person.id, role: 'bureau_admin', status: 'active' })
          .whereNull('school_code')
          .where((q) => q.whereNull('ended_at').orWhere('ended_at', '>', db.fn.now()))
          .first('id');
        if (there)
          throw new Error(`${opts.person as string} already has a bureau_admin identity of the bureau (${there.id})`);
      }
      const attributes: Record<string, unknown> = {};
      if (opts.seat !== undefined) attributes.seat = Number(opts.seat);
      if (opts['student-no']) attributes.student_no = opts['student-no'];
      if (opts.title) attributes.title = opts.title;
      try {
        return await services.identities.add({
          personId: person.id,
          schoolCode: code,
          role: opts.role as Role,
          classCode: opts.class as string | undefined,
          attributes,
          source: 'roster',
          actor: 'cli',
        });
      } catch (err) {
        if (err instanceof IdentityExists)
          throw new Error(
            `${opts.person as string} already has a ${opts.role as string} identity ${code ? `at ${code}` : 'of the bureau'} (${err.identityId})`,
          );
        throw err;
      }
    },
  },
  'keys rotate': {
    usage: entry(
      'keys rotate [--lead SECONDS]',
      'publish new keys now, sign with them after the lead time (0 to 30 days;',
      'KEY_PUBLISH_LEAD_SECONDS when not given)',
    ),
    options: { lead: { type: 'string' } },
    check: (opts) => ({ ...opts, lead: seconds(opts, 'lead', 0, MAX_SECONDS) }),
    async run({ storage: { db, keyring }, settings }, opts) {
      const lead = (opts.lead as number | undefined) ?? settings.keyPublishLeadSeconds;
      const { ensureKeys, rotateKeys } = await import('../oidc/keys.ts');
      const { MAX_SIGNED_TOKEN_LIFETIME } = await import('../oidc/configuration.ts');
      await ensureKeys(db, keyring);
      const kids = await rotateKeys(db, keyring, {
        publishLeadSeconds: lead,
        maxTokenLifetimeSeconds: MAX_SIGNED_TOKEN_LIFETIME,
        actor: 'cli',
      });
      return `new keys ${kids.join(', ')} published; they sign from ${new Date(Date.now() + lead * 1000).toISOString()}`;
    },
  },
  'keys list': {
    usage: entry('keys list', 'list keys and their state'),
    options: {},
    async run({ storage: { db } }) {
      const { listKeys } = await import('../oidc/keys.ts');
      return (await listKeys(db))
        .map((k) =>
          [
            k.kid,
            k.kind,
            k.alg ?? '-',
            `from ${k.activatesAt.toISOString()}`,
            k.retiresAt ? `retires ${k.retiresAt.toISOString()}` : 'current',
          ].join('  '),
        )
        .join('\n');
    },
  },
  'iat create': {
    usage: entry(
      'iat create [--ttl SECONDS]',
      'create an initial access token for dynamic registration (1 second to',
      '30 days; a day when not given)',
    ),
    options: { ttl: { type: 'string' } },
    check: (opts) => ({ ...opts, ttl: seconds(opts, 'ttl', 1, MAX_SECONDS) ?? 86_400 }),
    async run({ storage, services }, opts) {
      const ttl = opts.ttl as number;
      const { adapterFactory } = await import('../oidc/adapters/index.ts');
      const { createInitialAccessToken } = await import('../oidc/initial-access-token.ts');
      const { recordAudit } = await import('../domain/audit.ts');
      const adapter = adapterFactory({
        clients: services.clients,
        db: storage.db,
        redis: storage.redis ? { client: storage.redis, prefix: storage.redisPrefix } : undefined,
      });
      const token = await createInitialAccessToken(adapter, ttl);
      await recordAudit(storage.db, { actor: 'cli', action: 'iat.created', detail: { ttl } });
      return token;
    },
  },
  'upstream add': {
    usage: entry(
      [
        'upstream add --id ID --name NAME --issuer URL --client-id ID --client-secret S [--kind oidc|facebook]',
        '             [--scope "openid email profile"] [--icon NAME]',
        '             [--authorization-endpoint U --token-endpoint U --userinfo-endpoint U]',
      ],
      'an upstream provider people may sign in with (prints the redirect URI)',
    ),
    options: UPSTREAM_OPTIONS,
    check(opts, settings) {
      required(opts, 'id', 'name', 'issuer', 'client-id', 'client-secret');
      checkUpstream(upstreamFields(opts), settings);
      return undefined;
    },
    async run({ services, settings, issuer }, opts) {
      const parsed = upstreamInput(settings.env !== 'production').parse(upstreamFields(opts));
      if ((await services.upstreams.add(parsed, 'cli')) === 'taken')
        throw new Error(`an upstream with the id ${parsed.id} exists already (use upstream update)`);
      return [
        `upstream ${parsed.id} added`,
        `register this redirect URI at the provider: ${issuer}/federation/${parsed.id}/callback`,
      ].join('\n');
    },
  },
  'upstream update': {
    usage: entry(
      'upstream update --id ID [same options] [--enable]',
      'change only what is given (a new secret is sealed again)',
    ),
    options: { ...UPSTREAM_OPTIONS, enable: { type: 'boolean' } },
    check(opts, settings) {
      required(opts, 'id');
      // What is given, checked on its own (stand-ins for the rest); with the values kept, once the upstream is read.
      const given = upstreamFields(opts);
      checkUpstream(
        {
          ...given,
          id: 'placeholder',
          name: given.name ?? 'placeholder',
          kind: given.kind ?? (given.scope === undefined ? undefined : 'facebook'),
          issuer: given.issuer ?? 'https://placeholder.invalid',
          clientId: given.clientId ?? 'placeholder',
          clientSecret: given.clientSecret ?? 'placeholder',
        },
        settings,
      );
      return undefined;
    },
    async run({ services, settings }, opts) {
      const current = await services.upstreams.find(opts.id as string);
      if (!current) throw new Error(`no upstream ${opts.id}`);
      const given = upstreamFields(opts);
      // Checked as a whole (the new values with the ones kept), changed only where given.
      const parsed = parseUpstream(settings, {
        id: current.id,
        name: given.name ?? current.name,
        kind: given.kind ?? current.kind,
        issuer: given.issuer ?? current.issuer,
        clientId: given.clientId ?? current.clientId,
        clientSecret: given.clientSecret ?? 'kept',
        scope: given.scope ?? current.scope,
        icon: given.icon ?? current.icon ?? undefined,
        endpoints: given.endpoints
          ? { ...(current.endpoints ?? {}), ...given.endpoints }
          : (current.endpoints ?? undefined),
      });
      if (!parsed.success) throw usage(upstreamProblem(parsed.error));
      const pick = <K extends keyof typeof given>(k: K) =>
        given[k] === undefined ? undefined : parsed.data[k as keyof typeof parsed.data];
      await services.upstreams.update(
        current.id,
        {
          name: pick('name') as string | undefined,
          kind: pick('kind') as 'oidc' | 'facebook' | undefined,
          issuer: pick('issuer') as string | undefined,
          clientId: pick('clientId') as string | undefined,
          clientSecret: given.clientSecret,
          scope: pick('scope') as string | undefined,
          icon: pick('icon') as string | undefined,
          endpoints: given.endpoints ? parsed.data.endpoints : undefined,
          enabled: opts.enable ? true : undefined,
        },
        'cli',
      );
      return `upstream ${current.id} updated`;
    },
  },
  'upstream list': {
    usage: entry('upstream list', 'every upstream provider (never its secret)'),
    options: {},
    async run({ services }) {
      const all = await services.upstreams.list();
      if (!all.length) return 'no upstream providers';
      return all
        .map((u) =>
          [u.id, u.name, u.kind, u.issuer, u.clientId, u.scope, u.enabled ? 'enabled' : 'disabled'].join('\t'),
        )
        .join('\n');
    },
  },
  'upstream disable': {
    usage: entry('upstream disable --id ID', 'people can no longer sign in with it'),
    options: { id: { type: 'string' } },
    check: (opts) => required(opts, 'id'),
    async run({ services }, opts) {
      if (!(await services.upstreams.update(opts.id as string, { enabled: false }, 'cli')))
        throw new Error(`no upstream ${opts.id}`);
      return `upstream ${opts.id} disabled (people can no longer sign in with it)`;
    },
  },
  'binding list': {
    usage: entry(
      'binding list --school CODE [--status pending|approved|rejected|withdrawn|revoked]',
      'parent-child binding applications of a school (tab-separated)',
    ),
    options: { school: { type: 'string' }, status: { type: 'string' } },
    check(opts) {
      required(opts, 'school');
      const status = opts.status as string | undefined;
      if (status !== undefined && !BINDING_STATUSES.includes(status as never))
        throw usage(`--status must be one of ${BINDING_STATUSES.join(', ')}`);
      return undefined;
    },
    async run({ services }, opts) {
      const rows = await services.binding.list({
        school: opts.school as string,
        status: opts.status as (typeof BINDING_STATUSES)[number] | undefined,
      });
      if (!rows.length) return 'no applications';
      const t = translator('zh-TW');
      return rows
        .map((a) =>
          [
            a.id,
            a.status,
            a.studentName,
            a.className ?? '-',
            t(`binding.relationship.${a.relationship}`),
            a.parent.name,
            a.parent.nationalId,
            a.createdAt.toISOString(),
            a.reason ?? '',
          ].join('\t'),
        )
        .join('\n');
    },
  },
  'binding approve': {
    usage: entry('binding approve --id ID', "approve one (makes the parent's account if needed; the parent is told)"),
    options: { id: { type: 'string' } },
    check(opts) {
      required(opts, 'id');
      uuidOption(opts.id);
      return undefined;
    },
    async run({ services }, opts) {
      const result = await services.binding.approve(uuidOption(opts.id), 'cli');
      if (!result.ok) throw new Error(BINDING_REFUSALS[result.reason]);
      return `application ${opts.id} approved`;
    },
  },
  'binding reject': {
    usage: entry(
      'binding reject --id ID --reason TEXT',
      `reject one with the reason the parent is told (up to ${MAX_REASON} characters)`,
    ),
    options: { id: { type: 'string' }, reason: { type: 'string' } },
    check(opts) {
      required(opts, 'id', 'reason');
      uuidOption(opts.id);
      // As the review page: a decline needs a reason, and the parent reads it.
      const reason = (opts.reason as string).trim();
      if (!reason) throw usage('--reason must say why (the parent is told): it is empty');
      if ([...reason].length > MAX_REASON) throw usage(`--reason must be at most ${MAX_REASON} characters`);
      return { ...opts, reason };
    },
    async run({ services }, opts) {
      const result = await services.binding.reject(uuidOption(opts.id), 'cli', opts.reason as string);
      if (!result.ok) throw new Error(BINDING_REFUSALS[result.reason]);
      return `application ${opts.id} rejected`;
    },
  },
  'binding guardians': {
    usage: entry(
      'binding guardians --school CODE --file F.csv',
      "replace the school's roster guardians (student_no,name,mobile,relationship)",
    ),
    options: { school: { type: 'string' }, file: { type: 'string' } },
    // The file is read before storage is opened: one that cannot be read starts nothing (exit 1).
    check(opts) {
      required(opts, 'school', 'file');
      const lines = readText(opts.file as string)
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)
        .filter((l) => l.trim());
      const [header, ...rest] = lines;
      if (header?.replace(/\s/g, '') !== 'student_no,name,mobile,relationship')
        throw new Error(`${opts.file as string}: the first line must be: student_no,name,mobile,relationship`);
      const rows = rest.map((l) => {
        const [studentNo = '', name = '', mobile = '', relationship = ''] = l.split(',').map((c) => c.trim());
        return { studentNo, name, mobile, relationship };
      });
      return { ...opts, rows };
    },
    async run({ storage }, opts) {
      const rows = opts.rows as { studentNo: string; name: string; mobile: string; relationship: string }[];
      const { replaceRosterGuardians } = await import('../domain/binding/roster-guardians.ts');
      const result = await replaceRosterGuardians(storage.db, { school: opts.school as string, rows, actor: 'cli' });
      if (!result.ok)
        throw new Error(
          `nothing imported:\n${result.errors.map((e) => `  row ${e.row + 1}: ${e.problem}`).join('\n')}`,
        );
      return `${result.count} roster guardians for ${opts.school}`;
    },
  },
  'binding auto-approve': {
    usage: entry(
      'binding auto-approve --school CODE --on|--off',
      'approve at once a parent the roster names (same name, mobile, relationship)',
    ),
    options: { school: { type: 'string' }, on: { type: 'boolean' }, off: { type: 'boolean' } },
    check(opts) {
      required(opts, 'school');
      if (!!opts.on === !!opts.off) throw usage('say --on or --off');
      return undefined;
    },
    async run({ storage }, opts) {
      const { setAutoApprove } = await import('../domain/binding/roster-guardians.ts');
      const done = await setAutoApprove(storage.db, { school: opts.school as string, on: !!opts.on, actor: 'cli' });
      if (!done) throw new Error(`no school ${opts.school}`);
      return `automatic approval of roster guardians ${opts.on ? 'on' : 'off'} for ${opts.school}`;
    },
  },
};

/** The URIs these options give, by the developer portal's rules (https; http only to this machine, not in production). */
function checkUris(opts: Options, settings: Settings, names: string[]): void {
  const rules = { development: settings.env !== 'production' };
  for (const name of names)
    for (const uri of list(opts, name) ?? []) {
      const refusal = redirectUriRefusal(`--${name}`, uri, rules);
      if (refusal) throw usage(refusal);
    }
}

/**
 * The class must be one of the school's classes in its current term (the school's own setting, else today's), as the
 * roster made them: `identity add` names a class, it never makes one.
 */
async function mustHaveClass(db: Knex, school: School, classCode: string): Promise<void> {
  const term =
    school.academic_year && school.semester
      ? { academicYear: school.academic_year, semester: school.semester }
      : termOn(new Date());
  const classes: string[] = await db('classes')
    .where({ school_code: school.code, academic_year: term.academicYear, semester: term.semester })
    .orderBy('code')
    .pluck('code');
  if (classes.includes(classCode)) return;
  const when = `academic year ${term.academicYear}, semester ${term.semester}`;
  const shown = classes.length > 20 ? `${classes.slice(0, 20).join(', ')}, …` : classes.join(', ');
  throw new Error(
    classes.length
      ? `school ${school.code} has no class ${classCode} in ${when} (its classes: ${shown})`
      : `school ${school.code} has no classes in ${when}: they come with its roster (the school back office, /school/${school.code}); leave out --class`,
  );
}

/** The option each field of an upstream comes from. */
const UPSTREAM_OPTION: Record<string, string> = {
  id: '--id',
  name: '--name',
  kind: '--kind',
  issuer: '--issuer',
  clientId: '--client-id',
  clientSecret: '--client-secret',
  scope: '--scope',
  icon: '--icon',
  authorization_endpoint: '--authorization-endpoint',
  token_endpoint: '--token-endpoint',
  userinfo_endpoint: '--userinfo-endpoint',
};

/** The first problem of an upstream's values, named by its option (`--issuer: must be an https URL`). */
function upstreamProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.at(-1);
  const option = field === undefined ? undefined : UPSTREAM_OPTION[String(field)];
  return option && issue ? `${option}: ${issue.message}` : firstProblem(error);
}

type UpstreamFields = ReturnType<typeof upstreamFields>;

/** upstreamInput's parse; an address that is no URL is answered here (its refinements would throw "Invalid URL"). */
function parseUpstream(settings: Settings, fields: Record<string, unknown>) {
  const endpoints = (fields.endpoints ?? {}) as Record<string, string>;
  const addresses: [string, unknown][] = [['issuer', fields.issuer], ...Object.entries(endpoints)];
  for (const [field, value] of addresses)
    if (typeof value === 'string' && !URL.canParse(value))
      throw usage(`${UPSTREAM_OPTION[field] ?? field}: must be an absolute https URL: ${value}`);
  return upstreamInput(settings.env !== 'production').safeParse(fields);
}

/** An upstream's values as the options give them: bad usage when they cannot be. */
function checkUpstream(fields: UpstreamFields, settings: Settings): void {
  const parsed = parseUpstream(settings, fields);
  if (!parsed.success) throw usage(upstreamProblem(parsed.error));
}

/** A file's text; one that cannot be read is said so, with why (not found, not allowed, a folder). */
function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (code ?? errorMessage(err));
    throw new Error(`cannot read file ${file}: ${why}`);
  }
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs a check of the domain's that throws ClientError: its refusal is bad usage. */
function asUsage(check: () => unknown): void {
  try {
    check();
  } catch (err) {
    if (err instanceof ClientError) throw usage(err.message);
    throw err;
  }
}

function newClient(opts: Options): NewClient {
  return {
    clientId: opts.id as string,
    name: opts.name as string | undefined,
    secret: opts.secret as string | undefined,
    public: !!opts.public,
    redirectUris: list(opts, 'redirect-uri'),
    postLogoutRedirectUris: list(opts, 'post-logout-redirect-uri'),
    grantTypes: list(opts, 'grant-type'),
    firstParty: !!opts['first-party'],
    allowedRoles: list(opts, 'allowed-role'),
  };
}

function clientChange(opts: Options): ClientChange {
  return {
    secret: opts.secret as string | undefined,
    name: opts.name as string | undefined,
    addRedirectUris: list(opts, 'add-redirect-uri'),
    removeRedirectUris: list(opts, 'remove-redirect-uri'),
    addPostLogoutRedirectUris: list(opts, 'add-post-logout-redirect-uri'),
    removePostLogoutRedirectUris: list(opts, 'remove-post-logout-redirect-uri'),
    firstParty: opts['first-party'] ? true : opts['no-first-party'] ? false : undefined,
    grantTypes: list(opts, 'grant-type'),
    allowedRoles: list(opts, 'allowed-role'),
  };
}

const BINDING_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn', 'revoked'] as const;
const BINDING_REFUSALS = {
  not_found: 'no such application',
  not_pending: 'the application has been decided already (only pending ones can be)',
  email_taken: "another account uses the parent's email address: reject the application instead",
  relationship_taken: 'the student has a parent of this relationship (father or mother) bound already',
};

function uuidOption(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
    throw usage('--id must be an application id (a UUID, as binding list shows)');
  return value.toLowerCase();
}
