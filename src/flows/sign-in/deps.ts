import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Logger } from '../../platform/log.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import type { Metrics } from '../../platform/metrics.ts';

export type InteractionDeps = {
  provider: () => Provider;
  db: Knex;
  bcryptCost: number;
  shared: SharedStore;
  log: Logger;
  metrics: Metrics;
};
