// The registry of relying parties (oidc-provider's `Client` model and ours): stored in PostgreSQL in both storage
// modes, kept in memory by every process (cache.ts), changed by dynamic registration, the CLI, config/clients.json
// and the demo seed. Every change is audited here, in the transaction that makes it (never a secret's value).
// A disabled client keeps its row (metadata `disabled: true`) but is missing to oidc-provider and to API-client
// authentication (`find`), so it can neither sign people in, nor get or use tokens, nor call our APIs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { z } from 'zod';
import { hasNul } from '../../platform/stored-json.ts';
import { type AuditEvent, recordAudit } from '../audit.ts';
import { findSchool } from '../schools/schools.ts';
import type { ClientCache } from './cache.ts';
import {
  applyChange,
  asMetadata,
  BUREAU_METADATA,
  type ClientChange,
  ClientError,
  type ClientMetadata,
  changedFields,
  DISABLED,
  isPublic,
  type NewClient,
  newClientMetadata,
  selfChangeRefusal,
  stringList,
  withoutSecret,
  withPinnedSector,
} from './metadata.ts';
import { type Permission, rosterEligible, SCHOOL_SCOPED } from './permissions.ts';

export { asMetadata, ClientError, type ClientMetadata } from './metadata.ts';

export const ConfiguredClient = z
  .object({
    client_id: z.string().regex(/^[A-Za-z0-9._-]{3,64}$/),
    client_name: z.string().min(1),
    redirect_uris: z.array(z.string().min(1)).min(1),
  })
  .passthrough();
export type ConfiguredClient = z.infer<typeof ConfiguredClient>;

const ClientsFile = z.object({ clients: z.array(ConfiguredClient) });

export function readClientsFile(file: string): ConfiguredClient[] {
  const parsed = ClientsFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data.clients;
}

/** Replaces ${ISSUER} in every string value. */
export function withIssuer<T>(value: T, issuer: string): T {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder config/clients.json uses, not a template.
  return JSON.parse(JSON.stringify(value).replaceAll('${ISSUER}', issuer)) as T;
}

/** One line of `client list`. */
export type ClientSummary = {
  clientId: string;
  name: string;
  firstParty: boolean;
  permissions: string[];
  schoolCodes: string[] | undefined;
  disabled: boolean;
  source: string;
};

/** A bureau grant or revocation; `schools` (with a school-scoped permission) replaces the client's `school_codes`. */
export type PermissionChange = { grant: Permission; schools?: string[] } | { revoke: Permission };

/** The actor of changes made through oidc-provider's registration endpoints (RFC 7591/7592). */
export const REGISTRATION_ACTOR = 'registration';

const isDisabled = (m: ClientMetadata | undefined) => m?.[DISABLED] === true;

export class ClientRegistry {
  readonly #db: Knex;
  readonly #cache: ClientCache | undefined;

  constructor(db: Knex, cache?: ClientCache) {
    this.#db = db;
    this.#cache = cache;
  }

  /** An enabled client's metadata (a private copy), or undefined: what oidc-provider and API callers may use. */
  async find(clientId: string): Promise<ClientMetadata | undefined> {
    const metadata = await this.#stored(clientId);
    if (!metadata || isDisabled(metadata)) return undefined;
    delete metadata[DISABLED];
    return metadata;
  }

  /** The stored metadata, disabled or not, from memory when the cache may answer. */
  async #stored(clientId: string): Promise<ClientMetadata | undefined> {
    if (hasNul(clientId)) return undefined;
    const cached = this.#cache?.get(clientId);
    // Kept as JSON text and parsed on every read: the caller gets its own copy and cannot change the cached one.
    if (cached) return cached.json === undefined ? undefined : asMetadata(cached.json);
    const generation = this.#cache?.generation() ?? 0;
    const row = await this.#db('oidc_clients').select('metadata').where({ client_id: clientId }).first();
    const metadata = asMetadata(row?.metadata);
    this.#cache?.set(clientId, metadata && JSON.stringify(metadata), generation);
    return metadata;
  }

  /** One client's metadata for an operator, the secret shown as "(set)"; `disabled` always present. */
  async describe(clientId: string): Promise<ClientMetadata | undefined> {
    const row = await this.#db('oidc_clients').select('metadata').where({ client_id: clientId }).first();
    const metadata = asMetadata(row?.metadata);
    return metadata && { ...withoutSecret(metadata), [DISABLED]: isDisabled(metadata) };
  }

  /** Every client, by id. */
  async list(): Promise<ClientSummary[]> {
    const rows: { client_id: string; metadata: unknown; source: string }[] = await this.#db('oidc_clients')
      .select('client_id', 'metadata', 'source')
      .orderBy('client_id');
    return rows.map((r) => {
      const m = asMetadata(r.metadata) ?? {};
      return {
        clientId: r.client_id,
        name: typeof m.client_name === 'string' ? m.client_name : r.client_id,
        firstParty: m.first_party === true,
        permissions: stringList(m.permissions),
        schoolCodes: Array.isArray(m.school_codes) ? stringList(m.school_codes) : undefined,
        disabled: isDisabled(m),
        source: r.source,
      };
    });
  }

  /** A new client from an operator; an id already taken (even by a disabled client) is refused. */
  async create(input: NewClient, actor: string): Promise<void> {
    const metadata = withPinnedSector(undefined, newClientMetadata(input));
    await this.#db.transaction(async (tx) => {
      const inserted = await tx('oidc_clients')
        .insert({ client_id: input.clientId, metadata: JSON.stringify(metadata), source: actor })
        .onConflict('client_id')
        .ignore()
        .returning('client_id');
      if (!inserted.length)
        throw new ClientError(`a client with id ${input.clientId} already exists (change it with client update)`);
      await recordAudit(tx, {
        actor,
        action: 'client.created',
        subject: input.clientId,
        detail: { fields: changedFields(undefined, metadata) },
      });
    });
    this.#cache?.forget(input.clientId);
  }

  /** Changes only what `change` gives; returns the names of the fields that changed (none: nothing written). */
  async update(clientId: string, change: ClientChange, actor: string, within?: Knex.Transaction): Promise<string[]> {
    let fields: string[] = [];
    await this.#edit(
      clientId,
      (current) => {
        const next = applyChange(current, change);
        fields = changedFields(current, next);
        return { next, audit: { actor, action: 'client.updated', subject: clientId, detail: { fields } } };
      },
      within,
    );
    return fields;
  }

  /**
   * The bureau's settings of one client, all or nothing: first party, national-ID access and the API permissions
   * (roster for `schools`). A permission refused (a public client, an unknown school) changes none of them.
   * `unchanged` tells, under the client's row lock, whether its settings are still those the form was loaded with:
   * when not, nothing is written and the answer is false (someone else changed them meanwhile).
   */
  async saveSettings(
    clientId: string,
    settings: { firstParty: boolean; mayRequestIdno: boolean; sis: boolean; roster: boolean; schools: string[] },
    actor: string,
    unchanged?: (current: ClientMetadata) => boolean,
  ): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      if (unchanged) {
        const locked = await tx('oidc_clients').select('metadata').where({ client_id: clientId }).forUpdate().first();
        const current = asMetadata(locked?.metadata);
        if (current && !unchanged(current)) return false;
      }
      await this.update(
        clientId,
        { firstParty: settings.firstParty, mayRequestIdno: settings.mayRequestIdno },
        actor,
        tx,
      );
      const row = await tx('oidc_clients').select('metadata').where({ client_id: clientId }).first();
      const held = stringList(asMetadata(row?.metadata)?.permissions);
      for (const permission of ['sis', 'roster'] as const) {
        const grant = permission === 'sis' ? settings.sis : settings.roster;
        const schools = permission === 'roster' ? settings.schools : undefined;
        if (grant) await this.setPermission(clientId, { grant: permission, schools }, actor, tx);
        else if (held.includes(permission)) await this.setPermission(clientId, { revoke: permission }, actor, tx);
      }
      return true;
    });
  }

  /** Grants or revokes a permission; returns the permissions and schools the client holds afterwards. */
  async setPermission(
    clientId: string,
    change: PermissionChange,
    actor: string,
    within?: Knex.Transaction,
  ): Promise<{ changed: boolean; permissions: string[]; schoolCodes: string[] | undefined }> {
    let after: { permissions: string[]; schoolCodes: string[] | undefined } = {
      permissions: [],
      schoolCodes: undefined,
    };
    const changed = await this.#edit(
      clientId,
      async (current, tx) => {
        const next = structuredClone(current);
        const permissions = new Set(stringList(current.permissions));
        if ('grant' in change) {
          if (isPublic(current))
            throw new ClientError(`${clientId} is a public client: it cannot call the API`, { code: 'publicClient' });
          permissions.add(change.grant);
          if (change.schools) {
            if (!SCHOOL_SCOPED.has(change.grant))
              throw new ClientError(`the ${change.grant} permission is not bound to schools: give no school`);
            if (!change.schools.length) throw new ClientError('give at least one school', { code: 'noSchool' });
            for (const code of change.schools) {
              const school = /^\d{6}$/.test(code) ? await findSchool(tx, code) : undefined;
              if (!school) throw new ClientError(`unknown school ${code}`, { code: 'unknownSchool', school: code });
              if (change.grant === 'roster' && !rosterEligible(school))
                throw new ClientError(
                  `school ${code} cannot use roster registration (only vocational or private schools)`,
                  { code: 'notRosterSchool', school: code },
                );
            }
            next.school_codes = [...new Set(change.schools)];
          }
        } else {
          permissions.delete(change.revoke);
          // The schools belong to the school-scoped permission: a later grant names them again.
          if (![...permissions].some((p) => SCHOOL_SCOPED.has(p as Permission))) delete next.school_codes;
        }
        if (permissions.size) next.permissions = [...permissions];
        else delete next.permissions;
        after = {
          permissions: stringList(next.permissions),
          schoolCodes: Array.isArray(next.school_codes) ? stringList(next.school_codes) : undefined,
        };
        return {
          next,
          audit: {
            actor,
            action: 'client.permissions',
            subject: clientId,
            detail: {
              ...('grant' in change ? { grant: change.grant } : { revoke: change.revoke }),
              permissions: after.permissions,
              ...(after.schoolCodes ? { school_codes: after.schoolCodes } : {}),
            },
          },
        };
      },
      within,
    );
    return { ...after, changed };
  }

  /** Disables or enables a client; returns whether that changed anything. */
  async setDisabled(clientId: string, disabled: boolean, actor: string): Promise<boolean> {
    return this.#edit(clientId, (current) => {
      const next = structuredClone(current);
      if (disabled) next[DISABLED] = true;
      else delete next[DISABLED];
      return {
        next,
        audit: { actor, action: disabled ? 'client.disabled' : 'client.enabled', subject: clientId },
      };
    });
  }

  /** Reads, changes and writes one client in a transaction, audited; returns whether the metadata changed. */
  async #edit(
    clientId: string,
    edit: (
      current: ClientMetadata,
      tx: Knex.Transaction,
    ) => { next: ClientMetadata; audit: AuditEvent } | Promise<{ next: ClientMetadata; audit: AuditEvent }>,
    within?: Knex.Transaction,
  ): Promise<boolean> {
    // Within another change's transaction (saveSettings): a savepoint of it, undone with it.
    const changed = await (within ?? this.#db).transaction(async (tx) => {
      const row = await tx('oidc_clients').select('metadata').where({ client_id: clientId }).forUpdate().first();
      const current = asMetadata(row?.metadata);
      if (!current) throw new ClientError(`no client with id ${clientId}`);
      const edited = await edit(current, tx);
      const next = withPinnedSector(current, edited.next);
      const audit = edited.audit;
      if (isDeepStrictEqual(current, next)) return false;
      await tx('oidc_clients')
        .where({ client_id: clientId })
        .update({ metadata: JSON.stringify(next), updated_at: tx.fn.now() });
      await recordAudit(tx, audit);
      return true;
    });
    this.#cache?.forget(clientId);
    return changed;
  }

  /**
   * Writes metadata as oidc-provider's registration endpoints give it (RFC 7591 create, RFC 7592 update). What the
   * bureau set (permissions, schools, first party) and a disabled flag stay: the client cannot set them, and an
   * update that leaves them out does not remove them.
   */
  async saveRegistration(clientId: string, metadata: ClientMetadata): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const row = await tx('oidc_clients').select('metadata').where({ client_id: clientId }).forUpdate().first();
      const current = asMetadata(row?.metadata);
      let next: ClientMetadata = { ...metadata };
      for (const key of [...BUREAU_METADATA, DISABLED])
        if (current?.[key] !== undefined && next[key] === undefined) next[key] = current[key];
      const refused = current && selfChangeRefusal(current, next);
      if (refused) throw refused;
      next = withPinnedSector(current, next);
      const json = JSON.stringify(next);
      await tx('oidc_clients')
        .insert({ client_id: clientId, metadata: json, source: REGISTRATION_ACTOR })
        .onConflict('client_id')
        .merge({ metadata: json, updated_at: tx.fn.now() });
      await recordAudit(tx, {
        actor: REGISTRATION_ACTOR,
        action: current ? 'client.updated' : 'client.registered',
        subject: clientId,
        detail: { fields: changedFields(current, next) },
      });
    });
    this.#cache?.forget(clientId);
  }

  /** Deletes a client through oidc-provider's registration management (RFC 7592). */
  async deleteRegistration(clientId: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const deleted = await tx('oidc_clients').where({ client_id: clientId }).delete();
      if (deleted) await recordAudit(tx, { actor: REGISTRATION_ACTOR, action: 'client.deleted', subject: clientId });
    });
    this.#cache?.forget(clientId);
  }

  /**
   * Inserts or updates a client as configuration defines it (config/clients.json, the demo seed, tests): the given
   * metadata replaces the stored one, except that a secret already stored is kept unless a new one is given
   * (confidential clients without one get a random secret), and what the bureau granted through the CLI
   * (`permissions`, `school_codes`) and a disabled flag stay unless the configuration names them.
   */
  async upsert(client: ConfiguredClient, source: string, secret?: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const row = await tx('oidc_clients')
        .select('metadata')
        .where({ client_id: client.client_id })
        .forUpdate()
        .first();
      const current = asMetadata(row?.metadata);
      const metadata: ClientMetadata = withPinnedSector(current, { ...client });
      delete metadata.$comment;
      delete metadata[DISABLED];
      for (const key of ['permissions', 'school_codes'])
        if (!(key in client) && current?.[key] !== undefined) metadata[key] = current[key];
      if (isDisabled(current)) metadata[DISABLED] = true;
      if (!isPublic(metadata))
        metadata.client_secret = secret ?? current?.client_secret ?? crypto.randomBytes(32).toString('base64url');
      else delete metadata.client_secret;
      if (current && isDeepStrictEqual(current, metadata)) return;
      const json = JSON.stringify(metadata);
      await tx('oidc_clients')
        .insert({ client_id: client.client_id, metadata: json, source })
        .onConflict('client_id')
        .merge({ metadata: json, source, updated_at: tx.fn.now() });
      await recordAudit(tx, {
        actor: source,
        action: current ? 'client.updated' : 'client.created',
        subject: client.client_id,
        detail: { fields: changedFields(current, metadata) },
      });
    });
    this.#cache?.forget(client.client_id);
  }

  /** Tells every process's cache a client changed (for changes written in another service's transaction). */
  forget(clientId: string): void {
    this.#cache?.forget(clientId);
  }

  /** Display names of clients, by id (a client without one is named by its id). */
  async names(clientIds: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (!clientIds.length) return names;
    const rows: { client_id: string; name: string | null }[] = await this.#db('oidc_clients')
      .select('client_id', this.#db.raw("metadata->>'client_name' as name"))
      .whereIn('client_id', clientIds);
    for (const r of rows) names.set(r.client_id, r.name ?? r.client_id);
    return names;
  }
}
