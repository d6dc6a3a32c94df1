import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Logger } from '../log/logger.ts';
import type { SharedStore } from '../shared-store/types.ts';

export type PasswordDeps = {
  provider: () => Provider;
  db: Knex;
  shared: SharedStore;
  bcryptCost: number;
  /** Public base of the links in mails. */
  issuer: string;
  maxBodyBytes: number;
  log: Logger;
};
