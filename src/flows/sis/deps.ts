// What the school-affairs (SIS) hand-off needs from the composition root.
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Keyring } from '../../platform/keyring.ts';
import type { Logger } from '../../platform/log.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';

export type SisDeps = {
  issuer: string;
  provider: () => Provider;
  db: Knex;
  keyring: Keyring;
  shared: SharedStore;
  bcryptCost: number;
  maxBodyBytes: number;
  log: Logger;
};

/** The client permission that allows pushing people (client metadata `permissions`, set by the bureau). */
export const SIS_PERMISSION = 'sis';
