// App applications (issue 15): a developer's organisation applies, the bureau reviews (approve, ask for changes,
// reject, each mailed), and approval makes the client — its secret shown to the developer once. Later the developer
// rotates the secret (the old one valid for a grace period), edits the app (changes to where it sends people or what
// it may read go back to review while the approved version keeps running), and may disable it. Every step is one
// transaction with its history row and audit entry.
import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { digest } from '../../platform/one-use.ts';
import { isUuid } from '../../platform/uuid.ts';
import { COUNT_DAY } from '../activity/sign-in-counts.ts';
import { recordAudit } from '../audit.ts';
import { asMetadata, DISABLED, withPinnedSector } from '../clients/metadata.ts';
import type { ClientRegistry } from '../clients/registry.ts';
import { newClientSecret, PREVIOUS_SECRETS, withRotatedSecret } from '../clients/secrets.ts';
import { enqueueMessage } from '../outbox/outbox.ts';
import {
  type ApplicationDetails,
  type BureauSettings,
  changedDetails,
  clientMetadataFor,
  needsReview,
  storedDetails,
} from './details.ts';
import { type Decision, decisionMail } from './mails.ts';
import { DeveloperError } from './organisations.ts';

/** How long an application's exact details sent again by its developer count as the same form sent again. */
export const RESEND_HOURS = 24;

export const STATUSES = ['submitted', 'changes_requested', 'approved', 'rejected', 'disabled'] as const;
export type Status = (typeof STATUSES)[number];

export type Application = {
  id: string;
  orgId: string;
  orgName: string;
  status: Status;
  details: ApplicationDetails;
  /** What the bureau approved last (the client runs with it). */
  live?: ApplicationDetails;
  clientId?: string;
  bureauNote?: string;
  secretUnseen: boolean;
  createdAt: Date;
  updatedAt: Date;
  /**
   * What the review shows (the details asked for, and the approved ones a change is read against), as one short
   * text: the decision form carries it, and a decision on details that changed since is refused (`reviewChanged`).
   */
  version: string;
};

export type ApplicationEvent = { at: Date; actor: string; actorName?: string; action: string; note?: string };

type Row = {
  id: string;
  org_id: string;
  org_name: string;
  status: Status;
  details: unknown;
  live: unknown;
  client_id: string | null;
  bureau_note: string | null;
  secret_unseen: boolean;
  created_at: Date;
  updated_at: Date;
};

const toApplication = (r: Row): Application => {
  const details = storedDetails(r.details)!;
  const live = r.live ? storedDetails(r.live) : undefined;
  return {
    id: r.id,
    orgId: r.org_id,
    orgName: r.org_name,
    status: r.status,
    details,
    live,
    clientId: r.client_id ?? undefined,
    bureauNote: r.bureau_note ?? undefined,
    secretUnseen: r.secret_unseen,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: digest(JSON.stringify([details, live ?? null])),
  };
};

export class Applications {
  readonly #db: Knex;
  readonly #clients: ClientRegistry;
  readonly #issuer: string;

  constructor(deps: { db: Knex; clients: ClientRegistry; issuer: string }) {
    this.#db = deps.db;
    this.#clients = deps.clients;
    this.#issuer = deps.issuer;
  }

  #select(db: Knex = this.#db) {
    return db('client_applications as a')
      .join('dev_organisations as o', 'o.id', 'a.org_id')
      .select('a.*', 'o.name as org_name');
  }

  async get(id: string): Promise<Application | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.#select().where('a.id', id).first();
    return row && toApplication(row);
  }

  /** The application a client was made from (none: a configured or registered client). */
  async byClientId(clientId: string): Promise<Application | undefined> {
    const row = await this.#select().where('a.client_id', clientId).first();
    return row && toApplication(row);
  }

  async forOrganisations(orgIds: string[]): Promise<Application[]> {
    if (!orgIds.length) return [];
    const rows: Row[] = await this.#select().whereIn('a.org_id', orgIds).orderBy('a.updated_at', 'desc');
    return rows.map(toApplication);
  }

  /** Applications (and changes of approved apps) waiting for the bureau, oldest first. */
  async queue(): Promise<Application[]> {
    const rows: Row[] = await this.#select().where('a.status', 'submitted').orderBy('a.updated_at');
    return rows.map(toApplication);
  }

  /** Every application in a status (the bureau's lists), newest first. */
  async withStatus(status: Status): Promise<Application[]> {
    const rows: Row[] = await this.#select().where('a.status', status).orderBy('a.updated_at', 'desc').limit(200);
    return rows.map(toApplication);
  }

  async waitingCount(): Promise<number> {
    const row = await this.#db('client_applications')
      .where({ status: 'submitted' })
      .count<{ n: string }>('* as n')
      .first();
    return Number(row?.n ?? 0);
  }

  async events(id: string): Promise<ApplicationEvent[]> {
    const rows: { at: Date; actor: string; action: string; note: string | null; name: string | null }[] =
      await this.#db('client_application_events as e')
        .leftJoin('persons as p', (j) => j.on(this.#db.raw('p.id::text = e.actor')))
        .where('e.application_id', id)
        .orderBy('e.id')
        .select('e.at', 'e.actor', 'e.action', 'e.note', 'p.name');
    return rows.map((r) => ({
      at: r.at,
      actor: r.actor,
      actorName: r.name ?? undefined,
      action: r.action,
      note: r.note ?? undefined,
    }));
  }

  async #event(tx: Knex, id: string, actor: string, action: string, extra: { note?: string; fields?: string[] } = {}) {
    await tx('client_application_events').insert({
      application_id: id,
      actor,
      action,
      note: extra.note ?? null,
      fields: JSON.stringify(extra.fields ?? []),
    });
    await recordAudit(tx, {
      actor,
      action: `application.${action}`,
      subject: id,
      detail: extra.fields?.length ? { fields: extra.fields } : {},
    });
  }

  /** Reads one application for a change, locked. */
  async #locked(tx: Knex, id: string): Promise<Application> {
    const row = isUuid(id) ? await this.#select(tx).where('a.id', id).forUpdate('a').first() : undefined;
    if (!row) throw new DeveloperError('notFound');
    return toApplication(row);
  }

  /**
   * A new application. `submission` is the form's own key: the same form sent again (a double click, twenty posts at
   * once, Back and send) makes no second application, and the id returned is the one the first submission made
   * (`again`). A form whose key is new or missing but whose details are exactly those of an application the same
   * developer sent for the same organisation in the last day (and not refused or disabled since) is that form sent
   * again too: Back to a form the browser drew anew (a new key) and filled in again from what was typed, or a form
   * without a key sent twice. One developer's sends for one organisation take turns, so neither check races.
   */
  async submitForm(
    orgId: string,
    details: ApplicationDetails,
    actor: string,
    submission?: string,
  ): Promise<{ id: string; again: boolean }> {
    const id = crypto.randomUUID();
    const key = submission && isUuid(submission) ? submission : null;
    return this.#db.transaction(async (tx) => {
      await tx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`application-submit:${actor}:${orgId}`]);
      if (key) {
        const sent: { id: string } | undefined = await tx('client_applications')
          .where({ submitted_by: actor, submission_key: key })
          .first('id');
        if (sent) return { id: sent.id, again: true };
      }
      const recent: { id: string; details: unknown }[] = await tx('client_applications')
        .where({ org_id: orgId, submitted_by: actor })
        .whereNotIn('status', ['rejected', 'disabled'])
        .where('created_at', '>', tx.raw(`now() - interval '${RESEND_HOURS} hours'`))
        .orderBy('created_at', 'desc')
        .limit(50)
        .select('id', 'details');
      const same = recent.find((r) => isDeepStrictEqual(storedDetails(r.details), details));
      if (same) return { id: same.id, again: true };
      const made: { id: string }[] = await tx('client_applications')
        .insert({
          id,
          org_id: orgId,
          status: 'submitted',
          details: JSON.stringify(details),
          submitted_by: actor,
          submission_key: key,
        })
        .onConflict(['submitted_by', 'submission_key'])
        .ignore()
        .returning('id');
      if (!made.length) {
        // The key's form was sent at this moment for another organisation (a form changed by hand): its application.
        const first: { id: string } = await tx('client_applications')
          .where({ submitted_by: actor, submission_key: key })
          .first('id');
        return { id: first.id, again: true };
      }
      await this.#event(tx, id, actor, 'submitted');
      return { id, again: false };
    });
  }

  /** A new application (`submitForm`): its id, or the id of the one this same form made before. */
  async submit(orgId: string, details: ApplicationDetails, actor: string, submission?: string): Promise<string> {
    return (await this.submitForm(orgId, details, actor, submission)).id;
  }

  /**
   * The developer's edit. Before approval it replaces the application (and sends it to review again); after, changes
   * to reviewed fields wait for review while the client keeps its approved settings, and the rest apply at once.
   * `version` is the application's as the edit form was drawn: when it changed since (a save from another tab, the
   * bureau's decision), nothing is saved (`editChanged`) — the form, older, would silently undo that change.
   * Returns whether the edit waits for review.
   */
  async edit(
    id: string,
    details: ApplicationDetails,
    actor: string,
    version: string,
  ): Promise<'review' | 'applied' | 'unchanged'> {
    let outcome = 'unchanged' as 'review' | 'applied' | 'unchanged';
    let clientId: string | undefined;
    await this.#db.transaction(async (tx) => {
      const app = await this.#locked(tx, id);
      clientId = app.clientId;
      if (app.status === 'rejected' || app.status === 'disabled') throw new DeveloperError('notEditable');
      const fields = changedDetails(app.details, details);
      // What the application already says (even sent from an older form) changes nothing and undoes nothing.
      if (!fields.length) return;
      if (version !== app.version) throw new DeveloperError('editChanged');
      const approvedBase = app.live && (app.status === 'approved' || app.status === 'submitted') ? app.live : undefined;
      const set = { details: JSON.stringify(details), updated_at: tx.fn.now() };
      if (approvedBase && !needsReview(approvedBase, details)) {
        // Only what the bureau need not read again: the client follows at once.
        await tx('client_applications')
          .where({ id })
          .update({ ...set, live: JSON.stringify(details), status: 'approved' });
        await this.#writeClient(tx, app, details, undefined, actor);
        await this.#event(tx, id, actor, 'edited', { fields });
        outcome = 'applied';
        return;
      }
      await tx('client_applications')
        .where({ id })
        .update({ ...set, status: 'submitted' });
      await this.#event(tx, id, actor, app.live ? 'change_submitted' : 'resubmitted', { fields });
      outcome = 'review';
    });
    if (outcome === 'applied' && clientId) this.#clients.forget(clientId);
    return outcome;
  }

  /**
   * The bureau's decision on a submitted application or change; mailed to whoever submitted it and the contact.
   * `version` is the application's as the review showed it: when the developer changed it since, nothing is decided
   * (`reviewChanged`) — the bureau decides only on what it read.
   */
  async decide(
    id: string,
    decision: { decision: Decision; note: string; bureau: BureauSettings; version: string },
    actor: string,
  ): Promise<void> {
    let clientId: string | undefined;
    await this.#db.transaction(async (tx) => {
      const app = await this.#locked(tx, id);
      if (app.status !== 'submitted') throw new DeveloperError('notWaiting');
      if (decision.version !== app.version) throw new DeveloperError('reviewChanged');
      if (decision.decision !== 'approve' && !decision.note.trim()) throw new DeveloperError('noteNeeded');
      const note = decision.note.trim() || null;
      const update: Record<string, unknown> = { bureau_note: note, updated_at: tx.fn.now() };
      if (decision.decision === 'approve') {
        if (app.details.kind === 'spa' && decision.bureau.permissions.length) throw new DeveloperError('publicNoApi');
        clientId = app.clientId ?? `app-${crypto.randomBytes(9).toString('base64url').replaceAll(/[-_]/g, 'x')}`;
        const secret = await this.#writeClient(tx, { ...app, clientId }, app.details, decision.bureau, actor);
        Object.assign(update, {
          status: 'approved',
          live: JSON.stringify(app.details),
          client_id: clientId,
          secret_unseen: secret !== undefined || app.secretUnseen,
        });
      } else if (decision.decision === 'changes') {
        update.status = 'changes_requested';
      } else if (app.live) {
        // A change of an approved app refused: the app stays as approved.
        Object.assign(update, { status: 'approved', details: JSON.stringify(app.live) });
      } else update.status = 'rejected';
      await tx('client_applications').where({ id }).update(update);
      await this.#event(tx, id, actor, `decided_${decision.decision}`, { note: note ?? undefined });
      const link = `${this.#issuer}/developers/apps/${id}`;
      const to = await tx('persons')
        .join('client_applications as a', 'a.submitted_by', 'persons.id')
        .where('a.id', id)
        .first('persons.email', 'persons.locale');
      const recipients = new Set([to?.email, app.details.contact_email].filter((e): e is string => !!e));
      for (const email of recipients)
        await enqueueMessage(
          tx,
          decisionMail(to?.locale ?? null, {
            to: email,
            decision: decision.decision,
            app: app.details.app_name,
            note: note ?? '',
            link,
          }),
        );
    });
    if (clientId) this.#clients.forget(clientId);
  }

  /**
   * Writes the client an application describes: new (with a new secret unless it is public, returned) or updated,
   * keeping its secret, old secrets in grace, the disabled flag and — unless `bureau` is given — what the bureau set.
   */
  async #writeClient(
    tx: Knex,
    app: Application,
    details: ApplicationDetails,
    bureau: BureauSettings | undefined,
    actor: string,
  ): Promise<string | undefined> {
    const clientId = app.clientId!;
    const row = await tx('oidc_clients').where({ client_id: clientId }).forUpdate().first('metadata');
    const current = asMetadata(row?.metadata);
    const held: BureauSettings = bureau ?? {
      firstParty: current?.first_party === true,
      permissions: Array.isArray(current?.permissions) ? current.permissions : [],
      mayRequestIdno: current?.may_request_idno === true,
    };
    const next: Record<string, unknown> = clientMetadataFor(clientId, app.orgName, details, held);
    next.developer_org = app.orgId;
    // Pairwise ids once given stay as they were: the subject type is fixed at the first approval.
    if (current?.subject_type) next.subject_type = current.subject_type;
    if (current?.school_codes && Array.isArray(next.permissions)) next.school_codes = current.school_codes;
    let secret: string | undefined;
    if (next.token_endpoint_auth_method !== 'none') {
      if (typeof current?.client_secret === 'string') {
        next.client_secret = current.client_secret;
        if (current[PREVIOUS_SECRETS]) next[PREVIOUS_SECRETS] = current[PREVIOUS_SECRETS];
      } else next.client_secret = secret = newClientSecret();
    }
    if (current?.[DISABLED]) next[DISABLED] = true;
    const json = JSON.stringify(withPinnedSector(current, next));
    await tx('oidc_clients')
      .insert({ client_id: clientId, metadata: json, source: 'developers' })
      .onConflict('client_id')
      .merge({ metadata: json, updated_at: tx.fn.now() });
    await recordAudit(tx, { actor, action: current ? 'client.updated' : 'client.created', subject: clientId });
    return secret;
  }

  /** The secret of a newly approved app, once: afterwards only a rotation gives a new one. */
  async revealSecret(id: string, actor: string): Promise<string | undefined> {
    const secret = await this.#db.transaction(async (tx) => {
      const app = await this.#locked(tx, id);
      if (!app.secretUnseen || !app.clientId) return undefined;
      await tx('client_applications').where({ id }).update({ secret_unseen: false });
      const row = await tx('oidc_clients').where({ client_id: app.clientId }).first('metadata');
      const m = asMetadata(row?.metadata);
      await this.#event(tx, id, actor, 'secret_shown');
      return typeof m?.client_secret === 'string' ? (m.client_secret as string) : undefined;
    });
    return secret;
  }

  /**
   * A new secret (returned, shown once); the old one works for `graceSeconds` more (0: not at all). `rotations` is how
   * many new secrets the developer's page knew of (its history's `secret_rotated` entries): when another came since
   * (the form sent again from another tab or an older page), nothing changes (`secretChanged`) — a second new secret
   * would end at once the grace of the secret the app uses, since only the one just replaced is kept.
   */
  async rotateSecret(id: string, graceSeconds: number, actor: string, rotations?: number): Promise<string> {
    const secret = newClientSecret();
    let clientId = '';
    await this.#db.transaction(async (tx) => {
      const app = await this.#locked(tx, id);
      if (!app.clientId || app.status === 'rejected' || app.details.kind === 'spa')
        throw new DeveloperError('noSecret');
      if (rotations !== undefined) {
        const row = await tx('client_application_events')
          .where({ application_id: id, action: 'secret_rotated' })
          .count<{ n: string }>('* as n')
          .first();
        if (Number(row?.n ?? 0) !== rotations) throw new DeveloperError('secretChanged');
      }
      clientId = app.clientId;
      const row = await tx('oidc_clients').where({ client_id: clientId }).forUpdate().first('metadata');
      const current = asMetadata(row?.metadata);
      if (!current) throw new DeveloperError('noSecret');
      const next = withRotatedSecret(current, secret, graceSeconds);
      await tx('oidc_clients')
        .where({ client_id: clientId })
        .update({ metadata: JSON.stringify(next), updated_at: tx.fn.now() });
      await tx('client_applications').where({ id }).update({ secret_unseen: false, updated_at: tx.fn.now() });
      await this.#event(tx, id, actor, 'secret_rotated', { note: String(graceSeconds) });
      await recordAudit(tx, {
        actor,
        action: 'client.secret_rotated',
        subject: clientId,
        detail: { grace: graceSeconds },
      });
    });
    this.#clients.forget(clientId);
    return secret;
  }

  /** Disables the app's client (it can no longer sign anyone in or get tokens); the bureau may enable it again. */
  async setDisabled(id: string, disabled: boolean, actor: string): Promise<void> {
    let clientId = '';
    await this.#db.transaction(async (tx) => {
      const app = await this.#locked(tx, id);
      if (!app.clientId) throw new DeveloperError('notApproved');
      if (disabled === (app.status === 'disabled')) return;
      if (!disabled && app.status !== 'disabled') return;
      clientId = app.clientId;
      const row = await tx('oidc_clients').where({ client_id: clientId }).forUpdate().first('metadata');
      const m = asMetadata(row?.metadata);
      if (!m) throw new DeveloperError('notApproved');
      if (disabled) m[DISABLED] = true;
      else delete m[DISABLED];
      await tx('oidc_clients')
        .where({ client_id: clientId })
        .update({ metadata: JSON.stringify(m), updated_at: tx.fn.now() });
      await tx('client_applications')
        .where({ id })
        .update({ status: disabled ? 'disabled' : 'approved', updated_at: tx.fn.now() });
      await this.#event(tx, id, actor, disabled ? 'disabled' : 'enabled');
      await recordAudit(tx, { actor, action: disabled ? 'client.disabled' : 'client.enabled', subject: clientId });
    });
    // Tokens already given stop working too: the provider finds no client for them.
    if (clientId) this.#clients.forget(clientId);
  }

  /** The bureau's settings of an approved app's client. */
  async bureauSettings(clientId: string): Promise<BureauSettings> {
    const m = (await this.#clients.describe(clientId)) ?? {};
    return {
      firstParty: m.first_party === true,
      permissions: Array.isArray(m.permissions) ? (m.permissions as string[]) : [],
      mayRequestIdno: m.may_request_idno === true,
    };
  }

  /** Sign-ins per day (Taipei's days) of a client over the last `days` days, oldest first (days without any: 0). */
  async signInsPerDay(clientId: string, days = 14): Promise<{ day: string; count: number }[]> {
    const rows: { day: string; count: number }[] = await this.#db
      .select(this.#db.raw("to_char(d.day, 'YYYY-MM-DD') as day"), this.#db.raw('coalesce(c.count, 0)::int as count'))
      .from(
        this.#db.raw(`generate_series(${COUNT_DAY} - (?::int - 1), ${COUNT_DAY}, interval '1 day') as d(day)`, [days]),
      )
      .leftJoin('client_sign_in_days as c', (j) =>
        j.on('c.day', '=', this.#db.raw('d.day::date')).andOn('c.client_id', '=', this.#db.raw('?', [clientId])),
      )
      .orderBy('d.day');
    return rows;
  }
}
