// Identities as the rest of the service uses them: the account oidc-provider loads, its claims, the identity menu's
// data, the choice, and adding identities.
import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import {
  chosenIdentityFor,
  findSignInPerson,
  type LoadedAccount,
  loadAccount,
  loadMenuAccount,
  type SignInPerson,
} from './account.ts';
import { addIdentity, type NewIdentity } from './add-identity.ts';
import { chooseIdentity, chosenIdentityId, needsIdentityChoice, preselected, recordChoice } from './choice.ts';
import { type ClaimContext, type IdsForClient, personClaims } from './claims.ts';
import { acceptedBy, activeIdentities, type Child, childrenOf, type IdentityClaim } from './identities.ts';

export type IdentityMenu = { accepted: IdentityClaim[]; selected?: IdentityClaim; children: Child[] };

export class Identities {
  readonly #db: Knex;
  readonly #keyring: Keyring;

  constructor(deps: { db: Knex; keyring: Keyring }) {
    this.#db = deps.db;
    this.#keyring = deps.keyring;
  }

  active(personId: string): Promise<IdentityClaim[]> {
    return activeIdentities(this.#db, personId);
  }

  children(personId: string): Promise<Child[]> {
    return childrenOf(this.#db, personId);
  }

  /** The person's identities and, for parents, their children (the account page). */
  async withChildren(personId: string): Promise<{
    identities: IdentityClaim[];
    children: Child[];
    /** Identities the person declared (registering), waiting for their school to confirm them. */
    waiting: { role: string; schoolName: string | null }[];
  }> {
    const [identities, waiting] = await Promise.all([
      this.active(personId),
      this.#db('identities as i')
        .leftJoin('schools as s', 's.code', 'i.school_code')
        .where({ 'i.person_id': personId, 'i.status': 'unconfirmed' })
        .orderBy('i.created_at')
        .select('i.role as role', 's.name as schoolName') as Promise<{ role: string; schoolName: string | null }[]>,
    ]);
    const children = identities.some((i) => i.role === 'parent') ? await this.children(personId) : [];
    return { identities, children, waiting };
  }

  /** The person a login names, with the roles of their identities (whether the identity menu follows: choice.ts). */
  findSignInPerson(login: string): Promise<SignInPerson | undefined> {
    return findSignInPerson(this.#db, login);
  }

  loadAccount(personId: string, grantId?: string): Promise<LoadedAccount | undefined> {
    return loadAccount(this.#db, personId, grantId);
  }

  claims(account: LoadedAccount, c: ClaimContext): Promise<Record<string, unknown>> {
    return personClaims(this.#db, this.#keyring, account, c);
  }

  /** Whether the identity menu must be shown (see choice.ts); `loaded` is the account read for this request. */
  choiceNeeded(q: {
    personId: string;
    loaded?: LoadedAccount;
    allowedRoles: unknown;
    scope: string;
    picked?: string;
    grantId?: string;
    /** The grant was made by this very request (nothing recorded for it yet). */
    grantIsNew?: boolean;
  }) {
    const loaded = q.loaded?.person.id === q.personId ? q.loaded : undefined;
    return (loaded ? Promise.resolve(loaded.identities) : this.active(q.personId)).then((identities) =>
      needsIdentityChoice({
        identities,
        allowedRoles: q.allowedRoles,
        scope: q.scope,
        picked: q.picked,
        chosenId: () => {
          if (q.grantIsNew) return Promise.resolve(undefined);
          return loaded
            ? chosenIdentityFor(this.#db, loaded, q.grantId)
            : chosenIdentityId(this.#db, q.personId, q.grantId);
        },
      }),
    );
  }

  /** The person's identities the client accepts. */
  async accepted(personId: string, allowedRoles: unknown): Promise<IdentityClaim[]> {
    return acceptedBy(await this.active(personId), allowedRoles);
  }

  /**
   * What the identity menu shows, read in one query: the accepted identities, the preselected one, a parent's children
   * and the person's name. Undefined for a person who is gone.
   */
  async menu(
    personId: string,
    client: { clientId: string; allowedRoles: unknown; ids?: IdsForClient },
    hint: unknown,
  ): Promise<(IdentityMenu & { personName: string }) | undefined> {
    const account = await loadMenuAccount(this.#db, personId, client.clientId);
    if (!account) return undefined;
    const accepted = acceptedBy(account.identities, client.allowedRoles);
    const personName = account.person.name;
    if (!accepted.length) return { accepted, children: [], personName };
    const selected = preselected(accepted, hint, account.rememberedIdentityId, client.ids?.identity);
    const children = accepted.some((i) => i.role === 'parent') ? account.children : [];
    return { accepted, selected, children, personName };
  }

  /**
   * Records the person's choice on the identity menu for the client and the grant (or, before a grant exists, for the
   * client), audited, if the identity is theirs and the client accepts it: see chooseIdentity.
   */
  choose(c: { personId: string; clientId: string; identityId: string; grantId?: string; allowedRoles: unknown }) {
    return chooseIdentity(this.#db, c);
  }

  /** An identity chosen earlier in a sign-in, before its grant existed, now belongs to the grant (no audit again). */
  attachChoice(c: { personId: string; clientId: string; identityId: string; grantId: string }): Promise<void> {
    return recordChoice(this.#db, c);
  }

  add(input: NewIdentity): Promise<string> {
    return addIdentity(this.#db, input);
  }
}
