// oidc-provider's `Client` model, in the client registry (PostgreSQL in both storage modes, kept in memory). The
// provider writes clients only through its registration endpoints (RFC 7591/7592); the registry audits those as
// `client.registered` / `client.updated` / `client.deleted` by the actor `registration`. A disabled client is missing.
import { SelfChangeRefused } from '../../domain/clients/metadata.ts';
import type { ClientRegistry } from '../../domain/clients/registry.ts';
import { errors } from '../internals.ts';
import type { OidcAdapter, Payload } from './types.ts';

export class ClientAdapter implements OidcAdapter {
  readonly #registry: ClientRegistry;

  constructor(registry: ClientRegistry) {
    this.#registry = registry;
  }

  async upsert(id: string, payload: Payload): Promise<void> {
    try {
      await this.#registry.saveRegistration(id, payload);
    } catch (err) {
      // A change the client may not make to itself: answered as oidc-provider answers metadata it refuses (400).
      if (!(err instanceof SelfChangeRefused)) throw err;
      throw err.kind === 'sectorMoved'
        ? Object.assign(new errors.InvalidRedirectUri(), { error_description: err.message })
        : new errors.InvalidClientMetadata(err.message);
    }
  }

  find(id: string): Promise<Payload | undefined> {
    return this.#registry.find(id);
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {}

  destroy(id: string): Promise<void> {
    return this.#registry.deleteRegistration(id);
  }

  async revokeByGrantId(): Promise<void> {}
}
