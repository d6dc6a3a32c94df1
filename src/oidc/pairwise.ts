// Pairwise identifiers (OpenID Connect Core §8.1): a client that asks for them sees, for every person and identity,
// an identifier of its sector only — the `sub`, and every other id in its claims (the chosen identity's, every
// identity's, each child's, which equals the `sub` that client gets when the child signs in).
import crypto from 'node:crypto';
import { PAIRWISE_SECTOR } from '../domain/clients/metadata.ts';
import type { Keyring } from '../platform/keyring.ts';

export type ClientIds = {
  person(personId: string): string;
  identity(identityId: string): string;
};

/** What a client knows of itself for this: its subject type and sector (oidc-provider's Client). */
type SectorOf = { subjectType?: string; sectorIdentifier?: string; metadata?: () => Record<string, unknown> };

/** The client's sector: the one pinned when it was first stored as pairwise (PAIRWISE_SECTOR), else oidc-provider's. */
export function pairwiseSector(client: SectorOf): string {
  const pinned = client.metadata?.()[PAIRWISE_SECTOR];
  return typeof pinned === 'string' ? pinned : String(client.sectorIdentifier);
}

export class PairwiseIds {
  readonly #key: Buffer;

  constructor(keyring: Keyring) {
    this.#key = keyring.key('pairwise');
  }

  #id(sector: string, value: string): string {
    return crypto.createHmac('sha256', this.#key).update(`${sector}\0${value}`).digest('base64url');
  }

  /** A person's `sub` for a sector. */
  subject(sector: string, personId: string): string {
    return this.#id(sector, personId);
  }

  /** The ids a client sees: pairwise for a pairwise client, the real ones otherwise. */
  forClient(client: SectorOf | undefined): ClientIds | undefined {
    if (client?.subjectType !== 'pairwise' || !client.sectorIdentifier) return undefined;
    const sector = pairwiseSector(client);
    return { person: (id) => this.subject(sector, id), identity: (id) => this.#id(sector, `identity:${id}`) };
  }
}
