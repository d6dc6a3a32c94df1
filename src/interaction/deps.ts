import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Logger } from '../log/logger.ts';
import type { SharedStore } from '../shared-store/types.ts';
import type { Metrics } from '../web/metrics.ts';

export type InteractionDeps = {
  provider: () => Provider;
  db: Knex;
  bcryptCost: number;
  shared: SharedStore;
  log: Logger;
  metrics: Metrics;
};
