// A person's footprint in the provider, as the account pages show and end it: connected apps (grants) and signed-in
// browsers (sessions). Ending a session ends its grants without offline access, as a sign-out in that browser would.
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import {
  forgetGrant,
  forgetSession,
  grantsOf,
  isSessionOf,
  recordSession,
  sessionsOf,
} from '../domain/activity/activity.ts';
import { browserLabel } from '../domain/activity/browser-label.ts';
import { claimSignOuts, type PendingSignOut, settleSignOut } from '../domain/activity/pending-sign-outs.ts';
import { recordAudit } from '../domain/audit.ts';
import type { Logger } from '../platform/log.ts';
import { requestWrites } from './adapters/deferred-writes.ts';
import {
  backchannelLogouts,
  browserSession,
  destroyGrant,
  destroySession,
  renewSessionLogin,
  sessionGrants,
  signedInBefore,
} from './internals.ts';

export type ConnectedApp = {
  clientId: string;
  name: string;
  organization?: string;
  firstParty: boolean;
  /** Scopes granted, `openid` left out (it only names the account). */
  scopes: string[];
  grantedAt: Date;
  lastUsedAt: Date;
};

export type ActiveSession = {
  uid: string;
  browser?: string;
  signedInAt?: Date;
  lastSeenAt: Date;
  expiresAt?: Date;
  remembered: boolean;
  current: boolean;
};

export class PersonAccess {
  readonly #provider: () => Provider;
  readonly #db: Knex;
  readonly #log: Logger;

  constructor(provider: () => Provider, db: Knex, log: Logger) {
    this.#provider = provider;
    this.#db = db;
    this.#log = log;
  }

  /**
   * The account portal signed someone in through this browser: the provider session behind it (same origin, its own
   * cookie) must be theirs; it is recorded as one of their devices. Returns its uid, or undefined when it is not theirs.
   */
  async portalSignedIn(ctx: unknown, personId: string, userAgent: string | undefined): Promise<string | undefined> {
    const session = await browserSession(this.#provider(), ctx);
    if (session.accountId !== personId) return undefined;
    await recordSession(this.#db, { personId, sessionUid: session.uid, browser: browserLabel(userAgent) });
    return session.uid;
  }

  /**
   * Whether the provider session lives and belongs to the person, and was not signed in before the person's last
   * password change (`passwordChangedAt`, as findAccount checks at every authorization): a page of our own then ends
   * a session the change's sign-out did not list (one signed in with the old password while the change was made, its
   * device recorded only after the sign-out looked: People.checkPassword).
   */
  async sessionAlive(personId: string, sessionUid: string, passwordChangedAt?: Date | null): Promise<boolean> {
    const session = await this.#provider().Session.findByUid(sessionUid);
    return !!session && session.accountId === personId && !signedInBefore(session, passwordChangedAt);
  }

  async connectedApps(personId: string): Promise<ConnectedApp[]> {
    const provider = this.#provider();
    const apps = new Map<string, ConnectedApp>();
    for (const row of await grantsOf(this.#db, personId)) {
      const grant = await provider.Grant.find(row.grant_id);
      const client = grant?.accountId === personId ? await provider.Client.find(row.client_id) : undefined;
      if (!grant || !client) {
        // Expired, revoked by the provider, or its app was deleted.
        await forgetGrant(this.#db, row.grant_id);
        continue;
      }
      const metadata = client.metadata() as { organization?: unknown; first_party?: unknown };
      const app = apps.get(row.client_id) ?? {
        clientId: row.client_id,
        name: client.clientName ?? row.client_id,
        organization: typeof metadata.organization === 'string' ? metadata.organization : undefined,
        firstParty: metadata.first_party === true,
        scopes: [],
        grantedAt: row.created_at,
        lastUsedAt: row.last_used_at,
      };
      app.scopes = [
        ...new Set([
          ...app.scopes,
          ...grant
            .getOIDCScope()
            .split(' ')
            .filter((s) => s && s !== 'openid'),
        ]),
      ];
      if (row.last_used_at > app.lastUsedAt) app.lastUsedAt = row.last_used_at;
      apps.set(row.client_id, app);
    }
    return [...apps.values()].sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
  }

  /**
   * Ends a provider session in storage now, with the writes this request kept so far, not at the request's end as
   * oidc-provider's own writes go: the caller forgets the session next (the device list), and a request failing in
   * between must not leave it alive where no list shows it and no "sign out" finds it. Then its apps with a
   * back-channel logout address are told; the promise of that (never rejected) is returned, for the caller to await
   * with the others.
   */
  async #endSession(session: Parameters<typeof destroySession>[1]): Promise<{ told: Promise<void> }> {
    const provider = this.#provider();
    await destroySession(provider, session);
    await requestWrites()?.send();
    const told = backchannelLogouts(provider, session).then((failed) => {
      for (const { clientId, err } of failed)
        this.#log.warn({ client: clientId, err: err.message }, 'back-channel logout failed');
    });
    return { told };
  }

  async #revokeGrant(grantId: string): Promise<void> {
    await destroyGrant(this.#provider(), grantId);
    await forgetGrant(this.#db, grantId);
  }

  /** Revokes every grant the person gave to the app. Returns false when there was none (unknown app). */
  async revokeApp(personId: string, clientId: string): Promise<boolean> {
    const rows = await grantsOf(this.#db, personId, clientId);
    if (!rows.length) return false;
    for (const row of rows) await this.#revokeGrant(row.grant_id);
    await recordAudit(this.#db, {
      actor: personId,
      action: 'grant.revoked',
      subject: personId,
      detail: { client: clientId, grants: rows.length, via: 'account' },
    });
    return true;
  }

  async activeSessions(personId: string, currentUid: string): Promise<ActiveSession[]> {
    const list: ActiveSession[] = [];
    for (const row of await sessionsOf(this.#db, personId)) {
      const session = await this.#provider().Session.findByUid(row.session_uid);
      if (!session || session.accountId !== personId) {
        await forgetSession(this.#db, row.session_uid);
        continue;
      }
      list.push({
        uid: row.session_uid,
        browser: row.browser ?? undefined,
        signedInAt: session.loginTs ? new Date(session.loginTs * 1000) : row.created_at,
        lastSeenAt: row.last_seen_at,
        expiresAt: session.exp ? new Date(session.exp * 1000) : undefined,
        remembered: !session.transient,
        current: row.session_uid === currentUid,
      });
    }
    // The session in use first, then the most recently seen.
    return list.sort((a, b) => Number(b.current) - Number(a.current));
  }

  /**
   * Ends one of the person's provider sessions (`via`: from the account's device list, or the sign-out button of one of
   * our own page groups). Returns false when it is not one of theirs.
   */
  async signOutSession(personId: string, uid: string, via = 'account'): Promise<boolean> {
    if (!(await isSessionOf(this.#db, personId, uid))) return false;
    const provider = this.#provider();
    const session = await provider.Session.findByUid(uid);
    if (session && session.accountId === personId) {
      for (const g of sessionGrants(session)) if (!g.persistsLogout) await this.#revokeGrant(g.grantId);
      await (await this.#endSession(session)).told;
    }
    await forgetSession(this.#db, uid);
    await recordAudit(this.#db, {
      actor: personId,
      action: 'session.signed_out',
      subject: personId,
      detail: { via },
    });
    return true;
  }

  /**
   * Ends everything the person is signed in with — every provider session, every grant (offline access included,
   * so refresh tokens stop too) and with them the account portal's sessions — except `keep`, the session of the
   * browser in use, and the grants it holds, and (`before`) sessions signed in and grants given after that moment.
   * After a password change or reset (through a queued sign-out: endPending), and "sign out all other devices";
   * `actor` when it is not the person (the bureau). `pending`: the queued sign-out this settles, with the audit entry.
   */
  async endEverywhere(
    personId: string,
    opts: { keep?: string; reason: string; actor?: string; before?: Date },
    pending?: string,
  ): Promise<{ sessions: number; grants: number }> {
    const provider = this.#provider();
    const kept = new Set<string>();
    if (opts.keep) {
      const current = await provider.Session.findByUid(opts.keep);
      if (current?.accountId === personId) {
        for (const g of sessionGrants(current)) kept.add(g.grantId);
        // Else its sign-in, older than a new password, would end it at its next authorization.
        if (opts.before) {
          await renewSessionLogin(current, opts.before);
          await requestWrites()?.send();
        }
      }
    }
    // Seconds, as a session's sign-in time is kept: one signed in within the same second is ended too.
    const cutoff = opts.before && Math.floor(opts.before.getTime() / 1000);
    let sessions = 0;
    const grants = new Set<string>();
    const told: Promise<void>[] = [];
    for (const row of await sessionsOf(this.#db, personId)) {
      if (row.session_uid === opts.keep) continue;
      const session = await provider.Session.findByUid(row.session_uid);
      if (cutoff && session?.loginTs && session.loginTs > cutoff) continue;
      if (session?.accountId === personId) {
        for (const g of sessionGrants(session)) if (!kept.has(g.grantId)) grants.add(g.grantId);
        told.push((await this.#endSession(session)).told);
        sessions++;
      }
      await forgetSession(this.#db, row.session_uid);
    }
    for (const row of await grantsOf(this.#db, personId))
      if (!kept.has(row.grant_id) && !(opts.before && row.created_at > opts.before)) grants.add(row.grant_id);
    for (const grantId of grants) await this.#revokeGrant(grantId);
    await Promise.all(told);
    await this.#db.transaction(async (trx) => {
      await recordAudit(trx, {
        actor: opts.actor ?? personId,
        action: 'session.ended_everywhere',
        subject: personId,
        detail: { reason: opts.reason, sessions, grants: grants.size, kept: kept.size },
      });
      if (pending) await settleSignOut(trx, pending);
    });
    return { sessions, grants: grants.size };
  }

  /**
   * Runs a sign-out queued with the change that called for it. A failure is logged, not thrown: the change is made,
   * the sign-out stays queued and settlePendingSignOuts finishes it (every process tries every minute).
   */
  async endPending(p: PendingSignOut): Promise<void> {
    try {
      await this.endEverywhere(p.personId, p, p.id);
    } catch (err) {
      this.#log.warn({ err, pendingSignOut: p.id }, 'sign-out everywhere failed; it stays queued and is retried');
    }
  }

  /** Finishes queued sign-outs nobody holds (their request failed, or the process stopped). Returns how many. */
  async settlePendingSignOuts(): Promise<number> {
    let done = 0;
    for (const p of await claimSignOuts(this.#db)) {
      try {
        await this.endEverywhere(p.personId, p, p.id);
        done++;
      } catch (err) {
        this.#log.warn({ err, pendingSignOut: p.id }, 'queued sign-out everywhere failed again; retried later');
      }
    }
    return done;
  }
}
