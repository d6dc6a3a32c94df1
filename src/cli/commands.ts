// The CLI commands: each declares its options and runs against opened storage.
import type { ParseArgsConfig } from 'node:util';
import { recordAudit } from '../domain/audit.ts';
import { seedDemo } from '../domain/demo/seed.ts';
import { isUniqueViolation } from '../domain/enrolment/accounts.ts';
import { ROLES, type Role } from '../domain/identities/identities.ts';
import { upsertSchool } from '../domain/schools/schools.ts';
import type { DomainServices } from '../domain/services.ts';
import { adapterFactory } from '../oidc/adapters/index.ts';
import { MAX_SIGNED_TOKEN_LIFETIME } from '../oidc/configuration.ts';
import { createInitialAccessToken } from '../oidc/initial-access-token.ts';
import { ensureKeys, listKeys, rotateKeys } from '../oidc/keys.ts';
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

export const COMMANDS: Record<string, Command> = {
  migrate: {
    options: {},
    // openStorage applies the migrations.
    run: async () => 'migrations applied',
  },
  'seed-demo': {
    options: { issuer: { type: 'string' } },
    async run({ storage, services, issuer }, opts) {
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
    },
    async run({ services }, opts) {
      required(opts, 'id');
      if (!opts.public) required(opts, 'secret');
      const redirectUris = (opts['redirect-uri'] as string[] | undefined) ?? [];
      if (!redirectUris.length) throw new Error('--redirect-uri is required');
      for (const uri of redirectUris) new URL(uri);
      await services.clients.upsert(
        {
          client_id: opts.id as string,
          client_name: (opts.name as string | undefined) ?? (opts.id as string),
          redirect_uris: redirectUris,
          post_logout_redirect_uris: (opts['post-logout-redirect-uri'] as string[] | undefined) ?? [],
          grant_types: (opts['grant-type'] as string[] | undefined) ?? ['authorization_code', 'refresh_token'],
          first_party: !!opts['first-party'],
          ...(opts.public ? { token_endpoint_auth_method: 'none' } : {}),
        },
        'cli',
        opts.secret as string | undefined,
      );
      return `client ${opts.id as string} saved`;
    },
  },
  'person add': {
    options: {
      username: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
    },
    async run({ services }, opts) {
      required(opts, 'username', 'password', 'name');
      return services.enrolment
        .createActive({
          person: {
            username: opts.username as string,
            name: opts.name as string,
            email: opts.email as string | undefined,
            passwordHash: await services.passwords.hash(opts.password as string),
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
  'school add': {
    options: {
      code: { type: 'string' },
      name: { type: 'string' },
      level: { type: 'string' },
      kind: { type: 'string' },
    },
    async run({ storage: { db } }, opts) {
      required(opts, 'code', 'name', 'level');
      const school = await upsertSchool(db, {
        code: opts.code as string,
        name: opts.name as string,
        level: opts.level as never,
        kind: (opts.kind as never) ?? 'municipal',
      }).catch((err: Error & { issues?: { path: PropertyKey[]; message: string }[] }) => {
        const issue = err.issues?.[0];
        throw issue ? new Error(`--${String(issue.path[0])}: ${issue.message}`) : err;
      });
      await recordAudit(db, { actor: 'cli', action: 'school.saved', subject: school.code });
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
      const id = await services.identities.add({
        personId: person.id,
        schoolCode: opts.school as string | undefined,
        role: opts.role as Role,
        classCode: opts.class as string | undefined,
        attributes,
        source: 'roster',
        actor: 'cli',
      });
      return id;
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
      });
      await recordAudit(db, { actor: 'cli', action: 'keys.rotated', detail: { kids, lead } });
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
};
