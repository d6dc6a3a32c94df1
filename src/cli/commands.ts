// The CLI commands: each declares its options and runs against opened storage.
import fs from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { recordAudit } from '../domain/audit.ts';
import { replaceRosterGuardians, setAutoApprove } from '../domain/binding/roster-guardians.ts';
import type { ClientChange } from '../domain/clients/metadata.ts';
import { isPermission, PERMISSIONS, type Permission, SCHOOL_SCOPED } from '../domain/clients/permissions.ts';
import { seedDemo } from '../domain/demo/seed.ts';
import { isUniqueViolation } from '../domain/enrolment/accounts.ts';
import { IdentityExists } from '../domain/identities/add-identity.ts';
import { ROLES, type Role } from '../domain/identities/identities.ts';
import { checkPasswordPolicy } from '../domain/people/password-policy.ts';
import { upsertSchool } from '../domain/schools/schools.ts';
import type { DomainServices } from '../domain/services.ts';
import { firstProblem, upstreamInput } from '../domain/upstreams/upstreams.ts';
import { adapterFactory } from '../oidc/adapters/index.ts';
import { MAX_SIGNED_TOKEN_LIFETIME } from '../oidc/configuration.ts';
import { createInitialAccessToken } from '../oidc/initial-access-token.ts';
import { ensureKeys, listKeys, rotateKeys } from '../oidc/keys.ts';
import { translator } from '../platform/i18n/index.ts';
import type { Settings } from '../platform/settings.ts';
import type { Storage } from '../platform/storage/open.ts';

/** What a command runs with: the opened storage, the domain services on it, the settings and the issuer. */
export type CommandContext = { storage: Storage; services: DomainServices; settings: Settings; issuer: string };

type Command = {
  options: NonNullable<ParseArgsConfig['options']>;
  run(c: CommandContext, opts: Record<string, unknown>): Promise<string | undefined>;
};

function required(opts: Record<string, unknown>, ...names: string[]) {
  for (const n of names) if (typeof opts[n] !== 'string' || !opts[n]) throw new Error(`--${n} is required`);
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

export const COMMANDS: Record<string, Command> = {
  migrate: {
    options: {},
    // openStorage applies the migrations.
    run: async () => 'migrations applied',
  },
  'seed-demo': {
    options: { issuer: { type: 'string' } },
    async run({ storage, services, issuer, settings }, opts) {
      if (settings.env === 'production')
        throw new Error('the demo accounts have published passwords: not in production');
      await seedDemo(
        { db: storage.db, keyring: storage.keyring, ...services },
        (opts.issuer as string | undefined) ?? issuer,
      );
      return 'demo data seeded';
    },
  },
  'client add': {
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
    async run({ services }, opts) {
      required(opts, 'id');
      if (!opts.public) required(opts, 'secret');
      const grantTypes = list(opts, 'grant-type');
      const redirectUris = list(opts, 'redirect-uri');
      if (!redirectUris?.length && (grantTypes ?? ['authorization_code']).includes('authorization_code'))
        throw new Error('--redirect-uri is required');
      await services.clients.create(
        {
          clientId: opts.id as string,
          name: opts.name as string | undefined,
          secret: opts.secret as string | undefined,
          public: !!opts.public,
          redirectUris,
          postLogoutRedirectUris: list(opts, 'post-logout-redirect-uri'),
          grantTypes,
          firstParty: !!opts['first-party'],
          allowedRoles: list(opts, 'allowed-role'),
        },
        'cli',
      );
      return `client ${opts.id as string} created`;
    },
  },
  'client update': {
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
    async run({ services }, opts) {
      required(opts, 'id');
      if (opts['first-party'] && opts['no-first-party'])
        throw new Error('give --first-party or --no-first-party, not both');
      const change: ClientChange = {
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
      if (Object.values(change).every((v) => v === undefined)) throw new Error('nothing to change: give an option');
      const fields = await services.clients.update(opts.id as string, change, 'cli');
      return fields.length
        ? `client ${opts.id as string} updated: ${fields.join(', ')}`
        : `client ${opts.id} unchanged`;
    },
  },
  'client show': {
    options: { id: { type: 'string' } },
    async run({ services }, opts) {
      required(opts, 'id');
      const metadata = await services.clients.describe(opts.id as string);
      if (!metadata) throw new Error(`no client with id ${opts.id as string}`);
      return JSON.stringify(metadata, null, 2);
    },
  },
  'client list': {
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
    options: {
      id: { type: 'string' },
      grant: { type: 'string' },
      revoke: { type: 'string' },
      school: { type: 'string', multiple: true },
    },
    async run({ services }, opts) {
      required(opts, 'id');
      const id = opts.id as string;
      const grant = opts.grant as string | undefined;
      const revoke = opts.revoke as string | undefined;
      if ((grant === undefined) === (revoke === undefined)) throw new Error('give one of --grant and --revoke');
      const permission = (grant ?? revoke)!;
      if (!isPermission(permission)) throw new Error(`a permission is one of ${PERMISSIONS.join(', ')}`);
      const schools = list(opts, 'school');
      if (revoke !== undefined && schools) throw new Error('--school goes with --grant');
      const result = await services.clients.setPermission(
        id,
        grant !== undefined ? { grant: permission, schools } : { revoke: permission },
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
    options: { id: { type: 'string' } },
    async run({ services }, opts) {
      required(opts, 'id');
      const changed = await services.clients.setDisabled(opts.id as string, true, 'cli');
      return `client ${opts.id as string} ${changed ? 'disabled' : 'was already disabled'}`;
    },
  },
  'client enable': {
    options: { id: { type: 'string' } },
    async run({ services }, opts) {
      required(opts, 'id');
      const changed = await services.clients.setDisabled(opts.id as string, false, 'cli');
      return `client ${opts.id as string} ${changed ? 'enabled' : 'was already enabled'}`;
    },
  },
  'person add': {
    options: {
      username: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      'keep-password': { type: 'boolean' },
    },
    async run({ services }, opts) {
      required(opts, 'username', 'password', 'name');
      const [username, name, email] = [opts.username as string, opts.name as string, opts.email as string | undefined];
      // The same policy as every other new password; chosen by an operator, it is changed at the first sign-in
      // unless --keep-password says the person chose it.
      const problem = checkPasswordPolicy(opts.password as string, { username, name, email });
      if (problem) throw new Error(`--password: ${translator('en')(problem)}`);
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
    options: { person: { type: 'string' } },
    async run({ services, storage: { db } }, opts) {
      required(opts, 'person');
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
    options: {
      code: { type: 'string' },
      name: { type: 'string' },
      level: { type: 'string' },
      kind: { type: 'string' },
    },
    async run({ storage: { db } }, opts) {
      required(opts, 'code', 'name', 'level');
      const school = await db
        .transaction(async (trx) => {
          const saved = await upsertSchool(trx, {
            code: opts.code as string,
            name: opts.name as string,
            level: opts.level as never,
            kind: (opts.kind as never) ?? 'municipal',
          });
          await recordAudit(trx, { actor: 'cli', action: 'school.saved', subject: saved.code });
          return saved;
        })
        .catch((err: Error & { issues?: { path: PropertyKey[]; message: string }[] }) => {
          const issue = err.issues?.[0];
          throw issue ? new Error(`--${String(issue.path[0])}: ${issue.message}`) : err;
        });
      return `school ${school.code} ${school.name} saved`;
    },
  },
  'identity add': {
    options: {
      person: { type: 'string' },
      school: { type: 'string' },
      role: { type: 'string' },
      class: { type: 'string' },
      seat: { type: 'string' },
      'student-no': { type: 'string' },
      title: { type: 'string' },
    },
    async run({ services }, opts) {
      required(opts, 'person', 'role');
      if (!ROLES.includes(opts.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
      const person = await services.people.findByLogin(opts.person as string);
      if (!person) throw new Error(`no person with username, email or mobile ${opts.person as string}`);
      const seat = opts.seat === undefined ? undefined : Number(opts.seat);
      if (seat !== undefined && (!Number.isInteger(seat) || seat < 1 || seat > 99))
        throw new Error('--seat must be a number from 1 to 99');
      const attributes: Record<string, unknown> = {};
      if (seat !== undefined) attributes.seat = seat;
      if (opts['student-no']) attributes.student_no = opts['student-no'];
      if (opts.title) attributes.title = opts.title;
      try {
        return await services.identities.add({
          personId: person.id,
          schoolCode: opts.school as string | undefined,
          role: opts.role as Role,
          classCode: opts.class as string | undefined,
          attributes,
          source: 'roster',
          actor: 'cli',
        });
      } catch (err) {
        if (err instanceof IdentityExists)
          throw new Error(
            `${opts.person as string} already has a ${opts.role as string} identity at ${opts.school as string} (${err.identityId})`,
          );
        throw err;
      }
    },
  },
  'keys rotate': {
    options: { lead: { type: 'string' } },
    async run({ storage: { db, keyring }, settings }, opts) {
      const lead = opts.lead === undefined ? settings.keyPublishLeadSeconds : Number(opts.lead);
      if (!Number.isInteger(lead) || lead < 0) throw new Error('--lead must be a whole number of seconds');
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
    options: {},
    async run({ storage: { db } }) {
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
    options: { ttl: { type: 'string' } },
    async run({ storage, services }, opts) {
      const ttl = opts.ttl === undefined ? 86_400 : Number(opts.ttl);
      if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('--ttl must be a positive whole number of seconds');
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
    options: UPSTREAM_OPTIONS,
    async run({ services, settings, issuer }, opts) {
      required(opts, 'id', 'name', 'issuer', 'client-id', 'client-secret');
      const parsed = upstreamInput(settings.env !== 'production').safeParse(upstreamFields(opts));
      if (!parsed.success) throw new Error(firstProblem(parsed.error));
      if ((await services.upstreams.add(parsed.data, 'cli')) === 'taken')
        throw new Error(`an upstream with the id ${parsed.data.id} exists already (use upstream update)`);
      return [
        `upstream ${parsed.data.id} added`,
        `register this redirect URI at the provider: ${issuer}/federation/${parsed.data.id}/callback`,
      ].join('\n');
    },
  },
  'upstream update': {
    options: { ...UPSTREAM_OPTIONS, enable: { type: 'boolean' } },
    async run({ services, settings }, opts) {
      required(opts, 'id');
      const current = await services.upstreams.find(opts.id as string);
      if (!current) throw new Error(`no upstream ${opts.id}`);
      const given = upstreamFields(opts);
      // Checked as a whole (the new values with the ones kept), changed only where given.
      const parsed = upstreamInput(settings.env !== 'production').safeParse({
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
      if (!parsed.success) throw new Error(firstProblem(parsed.error));
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
    options: { id: { type: 'string' } },
    async run({ services }, opts) {
      required(opts, 'id');
      if (!(await services.upstreams.update(opts.id as string, { enabled: false }, 'cli')))
        throw new Error(`no upstream ${opts.id}`);
      return `upstream ${opts.id} disabled (people can no longer sign in with it)`;
    },
  },
  'binding list': {
    options: { school: { type: 'string' }, status: { type: 'string' } },
    async run({ services }, opts) {
      required(opts, 'school');
      const status = opts.status as string | undefined;
      if (status !== undefined && !BINDING_STATUSES.includes(status as never))
        throw new Error(`--status must be one of ${BINDING_STATUSES.join(', ')}`);
      const rows = await services.binding.list({
        school: opts.school as string,
        status: status as (typeof BINDING_STATUSES)[number] | undefined,
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
  'binding auto-approve': {
    options: { school: { type: 'string' }, on: { type: 'boolean' }, off: { type: 'boolean' } },
    async run({ storage }, opts) {
      required(opts, 'school');
      if (!!opts.on === !!opts.off) throw new Error('say --on or --off');
      const done = await setAutoApprove(storage.db, { school: opts.school as string, on: !!opts.on, actor: 'cli' });
      if (!done) throw new Error(`no school ${opts.school}`);
      return `automatic approval of roster guardians ${opts.on ? 'on' : 'off'} for ${opts.school}`;
    },
  },
  'binding guardians': {
    options: { school: { type: 'string' }, file: { type: 'string' } },
    async run({ storage }, opts) {
      required(opts, 'school', 'file');
      const lines = fs
        .readFileSync(opts.file as string, 'utf8')
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)
        .filter((l) => l.trim());
      const [header, ...rest] = lines;
      if (header?.replace(/\s/g, '') !== 'student_no,name,mobile,relationship')
        throw new Error('the first line must be: student_no,name,mobile,relationship');
      const rows = rest.map((l) => {
        const [studentNo = '', name = '', mobile = '', relationship = ''] = l.split(',').map((c) => c.trim());
        return { studentNo, name, mobile, relationship };
      });
      const result = await replaceRosterGuardians(storage.db, { school: opts.school as string, rows, actor: 'cli' });
      if (!result.ok)
        throw new Error(
          `nothing imported:\n${result.errors.map((e) => `  row ${e.row + 1}: ${e.problem}`).join('\n')}`,
        );
      return `${result.count} roster guardians for ${opts.school}`;
    },
  },
  'binding approve': {
    options: { id: { type: 'string' } },
    async run({ services }, opts) {
      required(opts, 'id');
      const result = await services.binding.approve(uuidOption(opts.id), 'cli');
      if (!result.ok) throw new Error(BINDING_REFUSALS[result.reason]);
      return `application ${opts.id} approved`;
    },
  },
  'binding reject': {
    options: { id: { type: 'string' }, reason: { type: 'string' } },
    async run({ services }, opts) {
      required(opts, 'id', 'reason');
      const result = await services.binding.reject(uuidOption(opts.id), 'cli', (opts.reason as string).trim());
      if (!result.ok) throw new Error(BINDING_REFUSALS[result.reason]);
      return `application ${opts.id} rejected`;
    },
  },
};

const BINDING_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn', 'revoked'] as const;
const BINDING_REFUSALS = {
  not_found: 'no such application',
  not_pending: 'the application has been decided already (only pending ones can be)',
  email_taken: "another account uses the parent's email address: reject the application instead",
  relationship_taken: 'the student has a parent of this relationship (father or mother) bound already',
};

function uuidOption(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
    throw new Error('--id must be an application id (a UUID, as binding list shows)');
  return value.toLowerCase();
}
