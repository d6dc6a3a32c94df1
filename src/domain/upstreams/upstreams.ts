// Upstream providers (issue 13, item 1): who people may sign in with besides their campus password. Configuration,
// not code: any OpenID Connect provider by its discovery document, Facebook by its OAuth dialog and Graph `me`.
// Secrets are sealed with the master key and never shown again; every change is audited.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Keyring } from '../../platform/keyring.ts';
import { recordAudit } from '../audit.ts';

export const UPSTREAM_KINDS = ['oidc', 'facebook'] as const;
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number];

const DEFAULT_SCOPE: Record<UpstreamKind, string> = { oidc: 'openid email profile', facebook: 'email public_profile' };

/** An address of the upstream: https, or http on this machine outside production (test upstreams). */
const address = (allowHttp: boolean) =>
  z
    .url()
    .max(2000)
    .refine((u) => {
      const url = new URL(u);
      if (url.protocol === 'https:') return true;
      return allowHttp && url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    }, 'must be an https URL')
    .refine((u) => !new URL(u).hash && !new URL(u).username, 'must have no fragment and no credentials');

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'] as const;

export function upstreamInput(allowHttp: boolean) {
  const url = address(allowHttp);
  return z
    .object({
      id: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes, e.g. city or google')
        // Words the sign-in's own federation pages use (/interaction/…/federation/new, …/continue, …/register, …/pending).
        .refine((id) => !['new', 'continue', 'register', 'pending'].includes(id), 'this id is reserved'),
      name: z.string().trim().min(1).max(60),
      kind: z.enum(UPSTREAM_KINDS).default('oidc'),
      issuer: url,
      clientId: z.string().trim().min(1).max(500),
      clientSecret: z.string().min(1).max(2000),
      scope: z
        .string()
        .trim()
        .regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'space-separated scope names')
        .max(500)
        .optional(),
      icon: z
        .string()
        .regex(/^[a-z0-9-]{1,30}$/)
        .optional(),
      endpoints: z.partialRecord(z.enum(ENDPOINTS), url).optional(),
    })
    .refine((u) => u.kind !== 'oidc' || u.scope === undefined || u.scope.split(' ').includes('openid'), {
      message: 'an OpenID Connect upstream needs the openid scope',
      path: ['scope'],
    });
}
export type UpstreamInput = z.input<ReturnType<typeof upstreamInput>>;

/** What may be shown of an upstream (never its secret). */
export type Upstream = {
  id: string;
  name: string;
  kind: UpstreamKind;
  issuer: string;
  clientId: string;
  scope: string;
  icon: string | null;
  endpoints: Partial<Record<(typeof ENDPOINTS)[number], string>> | null;
  enabled: boolean;
};

type Row = {
  id: string;
  name: string;
  kind: UpstreamKind;
  issuer: string;
  client_id: string;
  client_secret_sealed: string;
  scope: string;
  icon: string | null;
  endpoints: Upstream['endpoints'] | string | null;
  enabled: boolean;
};

const shown = (r: Row): Upstream => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  issuer: r.issuer,
  clientId: r.client_id,
  scope: r.scope,
  icon: r.icon,
  endpoints: typeof r.endpoints === 'string' ? JSON.parse(r.endpoints) : r.endpoints,
  enabled: r.enabled,
});

/** The first problem of a parse, as one line naming the field. */
export function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || 'input'}: ${issue.message}`;
}

/** The sign-in page lists the enabled upstreams: read again after this long (another process may have changed them). */
const ENABLED_CACHE_MS = 30_000;

export class Upstreams {
  readonly #db: Knex;
  readonly #keyring: Keyring;
  #enabled: { at: number; list: Promise<Upstream[]> } | undefined;

  constructor(deps: { db: Knex; keyring: Keyring }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
  }

  async list(): Promise<Upstream[]> {
    return ((await this.#db('upstream_providers').orderBy('id')) as Row[]).map(shown);
  }

  /** Each upstream's name by its id (a linked account or a sign-in names its upstream by id). */
  async names(): Promise<Map<string, string>> {
    return new Map((await this.list()).map((u) => [u.id, u.name]));
  }

  /** The upstreams offered on the sign-in page, in order of id (kept 30 seconds; changes here are seen at once). */
  enabled(): Promise<Upstream[]> {
    if (!this.#enabled || Date.now() - this.#enabled.at > ENABLED_CACHE_MS) {
      const list = this.list().then((all) => all.filter((u) => u.enabled));
      list.catch(() => {
        this.#enabled = undefined;
      });
      this.#enabled = { at: Date.now(), list };
    }
    return this.#enabled.list;
  }

  async find(id: string): Promise<Upstream | undefined> {
    const row: Row | undefined = await this.#db('upstream_providers').where({ id }).first();
    return row && shown(row);
  }

  /** The client secret, for the upstream leg only. */
  async secret(id: string): Promise<string | undefined> {
    const row: Row | undefined = await this.#db('upstream_providers').where({ id }).first();
    return row && this.#keyring.open('upstream-secret', row.client_secret_sealed);
  }

  async add(input: z.output<ReturnType<typeof upstreamInput>>, actor: string): Promise<'added' | 'taken'> {
    return this.#db.transaction(async (trx) => {
      const inserted = await trx('upstream_providers')
        .insert({
          id: input.id,
          name: input.name,
          kind: input.kind,
          issuer: input.issuer.replace(/\/$/, ''),
          client_id: input.clientId,
          client_secret_sealed: this.#keyring.seal('upstream-secret', input.clientSecret),
          scope: input.scope ?? DEFAULT_SCOPE[input.kind],
          icon: input.icon ?? null,
          endpoints: input.endpoints ? JSON.stringify(input.endpoints) : null,
        })
        .onConflict('id')
        .ignore()
        .returning('id');
      if (!inserted.length) return 'taken';
      this.#enabled = undefined;
      await recordAudit(trx, {
        actor,
        action: 'upstream.added',
        subject: input.id,
        detail: { kind: input.kind, issuer: input.issuer },
      });
      return 'added';
    });
  }

  /** Changes only what is given; the secret is sealed again when a new one is given. */
  async update(
    id: string,
    change: Partial<Omit<z.output<ReturnType<typeof upstreamInput>>, 'id'>> & { enabled?: boolean },
    actor: string,
  ): Promise<boolean> {
    return this.#db.transaction(async (trx) => {
      const row: Row | undefined = await trx('upstream_providers').where({ id }).forUpdate().first();
      if (!row) return false;
      const set: Record<string, unknown> = { updated_at: trx.fn.now() };
      if (change.name !== undefined) set.name = change.name;
      if (change.kind !== undefined) set.kind = change.kind;
      if (change.issuer !== undefined) set.issuer = change.issuer.replace(/\/$/, '');
      if (change.clientId !== undefined) set.client_id = change.clientId;
      if (change.clientSecret !== undefined)
        set.client_secret_sealed = this.#keyring.seal('upstream-secret', change.clientSecret);
      if (change.scope !== undefined) set.scope = change.scope;
      if (change.icon !== undefined) set.icon = change.icon;
      if (change.endpoints !== undefined) set.endpoints = JSON.stringify(change.endpoints);
      if (change.enabled !== undefined) set.enabled = change.enabled;
      await trx('upstream_providers').where({ id }).update(set);
      this.#enabled = undefined;
      const changed = Object.keys(set).filter((k) => k !== 'updated_at' && k !== 'client_secret_sealed');
      if (set.client_secret_sealed) changed.push('client_secret');
      await recordAudit(trx, {
        actor,
        action: change.enabled === false ? 'upstream.disabled' : 'upstream.updated',
        subject: id,
        detail: { changed },
      });
      return true;
    });
  }
}
