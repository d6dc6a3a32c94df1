import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Logger } from '../../platform/log.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';

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
