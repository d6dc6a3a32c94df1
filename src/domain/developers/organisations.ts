// Developers' organisations: a school, a vendor or a bureau team whose members manage their apps together. Who may
// use the developer portal at all: a person with an active teacher, staff or school administrator identity, or a
// developer account the bureau created.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { isUuid } from '../../platform/uuid.ts';
import { recordAudit } from '../audit.ts';
import { notEnded } from '../people/current-identity.ts';

export type Organisation = { id: string; name: string; role: 'owner' | 'member' };
export type Member = { personId: string; name: string; login: string; role: 'owner' | 'member' };

/** The registration policy of an organisation's initial access tokens (oidc/configuration.ts). */
export const DEVELOPER_ORG_POLICY = 'developer-organisation';

/** A refusal the portal words for the person (a message key under `developers.errors`). */
export class DeveloperError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(key);
    this.key = key;
  }
}

const digest = (token: string) => crypto.createHash('sha256').update(token).digest('base64url');

const PORTAL_ROLES = ['teacher', 'staff', 'school_admin'];

export class Organisations {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** Whether the person may use the developer portal. */
  async mayDevelop(personId: string): Promise<boolean> {
    const [identity, account] = await Promise.all([
      // A current one: a school that dropped the person ended it (`ended_at`), its status left 'active'.
      this.#db('identities as i')
        .where({ 'i.person_id': personId, 'i.status': 'active' })
        .whereRaw(notEnded('i'))
        .whereIn('i.role', PORTAL_ROLES)
        .first('i.id'),
      this.#db('developer_accounts').where({ person_id: personId }).first('person_id'),
    ]);
    return !!(identity || account);
  }

  /** The bureau lets a person use the portal without a school identity (a vendor's developer). */
  async grantDeveloper(personId: string, actor: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const added = await tx('developer_accounts')
        .insert({ person_id: personId, granted_by: actor })
        .onConflict('person_id')
        .ignore()
        .returning('person_id');
      if (added.length) await recordAudit(tx, { actor, action: 'developer.granted', subject: personId });
      return added.length > 0;
    });
  }

  async revokeDeveloper(personId: string, actor: string): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const removed = await tx('developer_accounts').where({ person_id: personId }).delete();
      if (removed) await recordAudit(tx, { actor, action: 'developer.revoked', subject: personId });
      return removed > 0;
    });
  }

  async isDeveloperAccount(personId: string): Promise<boolean> {
    return !!(await this.#db('developer_accounts').where({ person_id: personId }).first('person_id'));
  }

  /** The person's organisations, by name. */
  forPerson(personId: string): Promise<Organisation[]> {
    return this.#db('dev_org_members as m')
      .join('dev_organisations as o', 'o.id', 'm.org_id')
      .where('m.person_id', personId)
      .select('o.id', 'o.name', 'm.role')
      .orderBy('o.name');
  }

  /** The person's membership of one organisation (none: undefined — another organisation's pages are not found). */
  async membership(orgId: string, personId: string): Promise<Organisation | undefined> {
    if (!isUuid(orgId)) return undefined;
    return this.#db('dev_org_members as m')
      .join('dev_organisations as o', 'o.id', 'm.org_id')
      .where({ 'm.org_id': orgId, 'm.person_id': personId })
      .first('o.id', 'o.name', 'm.role');
  }

  async name(orgId: string): Promise<string | undefined> {
    return (await this.#db('dev_organisations').where({ id: orgId }).first('name'))?.name;
  }

  /**
   * A new organisation with the person as its owner; a name already taken is refused — also when it was taken a moment
   * ago by the same form sent twice at once (the unique index on the name decides which one stands).
   */
  async create(name: string, personId: string): Promise<string> {
    const id = crypto.randomUUID();
    try {
      await this.#db.transaction(async (tx) => {
        const taken = await tx('dev_organisations').whereRaw('lower(name) = lower(?)', [name]).first('id');
        if (taken) throw new DeveloperError('orgTaken');
        await tx('dev_organisations').insert({ id, name, created_by: personId });
        await tx('dev_org_members').insert({ org_id: id, person_id: personId, role: 'owner' });
        await recordAudit(tx, { actor: personId, action: 'developer.org_created', subject: id, detail: { name } });
      });
    } catch (err) {
      if ((err as { constraint?: string }).constraint === 'dev_organisations_name')
        throw new DeveloperError('orgTaken');
      throw err;
    }
    return id;
  }

  members(orgId: string): Promise<Member[]> {
    return this.#db('dev_org_members as m')
      .join('persons as p', 'p.id', 'm.person_id')
      .where('m.org_id', orgId)
      .select('m.person_id as personId', 'p.name', this.#db.raw('coalesce(p.username, p.email) as login'), 'm.role')
      .orderBy([{ column: 'm.role', order: 'desc' }, 'p.name']);
  }

  /** An owner adds a person (found by login or email) who may use the portal. */
  async addMember(orgId: string, login: string, actor: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await this.#mustOwn(tx, orgId, actor);
      const person = await tx('persons')
        .where({ status: 'active' })
        .andWhere((q) =>
          q.whereRaw('lower(username) = lower(?)', [login]).orWhereRaw('lower(email) = lower(?)', [login]),
        )
        .first('id');
      if (!person || !(await this.mayDevelop(person.id))) throw new DeveloperError('memberUnknown');
      const added = await tx('dev_org_members')
        .insert({ org_id: orgId, person_id: person.id, role: 'member' })
        .onConflict(['org_id', 'person_id'])
        .ignore()
        .returning('person_id');
      if (!added.length) throw new DeveloperError('memberAlready');
      await recordAudit(tx, { actor, action: 'developer.member_added', subject: orgId, detail: { person: person.id } });
    });
  }

  /** An owner removes a member; the last owner stays. An id that is not a UUID names no one (`memberUnknown`). */
  async removeMember(orgId: string, personId: string, actor: string): Promise<void> {
    if (!isUuid(personId)) throw new DeveloperError('memberUnknown');
    await this.#db.transaction(async (tx) => {
      await this.#mustOwn(tx, orgId, actor);
      const owners = await tx('dev_org_members').where({ org_id: orgId, role: 'owner' }).pluck('person_id');
      if (owners.length === 1 && owners[0] === personId) throw new DeveloperError('lastOwner');
      const removed = await tx('dev_org_members').where({ org_id: orgId, person_id: personId }).delete();
      // The registration tokens they made end with them (orgForToken also asks that their maker is still an owner).
      if (removed) await tx('dev_org_tokens').where({ org_id: orgId, created_by: personId }).delete();
      if (removed)
        await recordAudit(tx, {
          actor,
          action: 'developer.member_removed',
          subject: orgId,
          detail: { person: personId },
        });
    });
  }

  /** Remembers which organisation an initial access token registers clients for (owners only). */
  async recordToken(orgId: string, token: string, expiresAt: Date, actor: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await this.#mustOwn(tx, orgId, actor);
      await tx('dev_org_tokens').insert({
        digest: digest(token),
        org_id: orgId,
        created_by: actor,
        expires_at: expiresAt,
      });
      await recordAudit(tx, { actor, action: 'developer.registration_token', subject: orgId });
    });
  }

  /**
   * The organisation an initial access token was made for, while the owner who made it is still one of its owners and
   * their account is active (none: an operator's token, an expired one, or one whose maker was removed or locked).
   */
  async orgForToken(token: string): Promise<{ id: string; name: string } | undefined> {
    const row = await this.#db('dev_org_tokens as t')
      .join('dev_organisations as o', 'o.id', 't.org_id')
      .join('dev_org_members as m', (on) =>
        on.on('m.org_id', 't.org_id').andOn('m.person_id', 't.created_by').andOnVal('m.role', 'owner'),
      )
      .join('persons as p', (on) => on.on('p.id', 't.created_by').andOnVal('p.status', 'active'))
      .where({ 't.digest': digest(token) })
      .andWhere('t.expires_at', '>', this.#db.fn.now())
      .first('o.id', 'o.name');
    return row ? { id: row.id, name: row.name } : undefined;
  }

  /** How many of the organisation's registration tokens still register (not expired, their maker still an owner). */
  async liveTokens(orgId: string): Promise<number> {
    const row = await this.#db('dev_org_tokens as t')
      .join('dev_org_members as m', (on) =>
        on.on('m.org_id', 't.org_id').andOn('m.person_id', 't.created_by').andOnVal('m.role', 'owner'),
      )
      .where({ 't.org_id': orgId })
      .andWhere('t.expires_at', '>', this.#db.fn.now())
      .count<{ n: string }[]>({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  }

  /** An owner ends every registration token of the organisation (one leaked, say); the clients it registered stay. */
  async endTokens(orgId: string, actor: string): Promise<number> {
    return this.#db.transaction(async (tx) => {
      await this.#mustOwn(tx, orgId, actor);
      const ended = await tx('dev_org_tokens').where({ org_id: orgId }).delete();
      if (ended)
        await recordAudit(tx, {
          actor,
          action: 'developer.registration_tokens_ended',
          subject: orgId,
          detail: { ended },
        });
      return ended;
    });
  }

  /** An organisation by id, with its name (a registered client's, when it changes itself at /reg). */
  async byId(orgId: string): Promise<{ id: string; name: string } | undefined> {
    if (!isUuid(orgId)) return undefined;
    const row = await this.#db('dev_organisations').where({ id: orgId }).first('id', 'name');
    return row ? { id: row.id, name: row.name } : undefined;
  }

  /** The clients an organisation registered itself (RFC 7591), by name. */
  async registeredClients(orgId: string): Promise<{ clientId: string; name: string }[]> {
    const rows: { client_id: string; name: string | null }[] = await this.#db('oidc_clients')
      .where({ source: 'registration' })
      .whereRaw("metadata->>'developer_org' = ?", [orgId])
      .select('client_id', this.#db.raw("metadata->>'client_name' as name"))
      .orderBy('client_id');
    return rows.map((r) => ({ clientId: r.client_id, name: r.name ?? r.client_id }));
  }

  async #mustOwn(tx: Knex, orgId: string, personId: string): Promise<void> {
    const row = await tx('dev_org_members').where({ org_id: orgId, person_id: personId }).forUpdate().first('role');
    if (row?.role !== 'owner') throw new DeveloperError('ownersOnly');
  }
}
