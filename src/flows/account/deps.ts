// What the account pages need from the composition root.
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Keyring } from '../../platform/keyring.ts';
import type { Logger } from '../../platform/log.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';

export type AccountDeps = {
  issuer: string;
  /** The current provider (it is rebuilt when the keys change). */
  provider: () => Provider;
  db: Knex;
  keyring: Keyring;
  shared: SharedStore;
  bcryptCost: number;
  maxBodyBytes: number;
  log: Logger;
};
