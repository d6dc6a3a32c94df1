import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../web/metrics.ts';

export type InteractionDeps = {
  provider: () => Provider;
  db: Knex;
  bcryptCost: number;
  log: Logger;
  metrics: Metrics;
};
