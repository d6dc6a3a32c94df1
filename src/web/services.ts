// What every flow receives from the composition root (src/server.ts): the domain services, the provider's, and the
// web pieces built once. Flows are modules of the form `(router, services) => void`.
import type Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { DemoData } from '../domain/demo/seed.ts';
import type { DomainServices } from '../domain/services.ts';
import type { PairwiseIds } from '../oidc/pairwise.ts';
import type { PersonAccess } from '../oidc/person-access.ts';
import type { Background } from '../platform/background.ts';
import type { Logger } from '../platform/log.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Forms } from './forms.ts';

export type Services = DomainServices & {
  /** Public base URL of this service (links in mails, the account portal's own sign-in). */
  issuer: string;
  /** Not production: plain-http loopback addresses are accepted where apps give URIs (the developer portal). */
  development: boolean;
  /** A new initial access token for dynamic registration (RFC 7591) with these registration policies. */
  initialAccessToken(ttlSeconds: number, policies?: string[]): Promise<string>;
  /** Where this process listens, for its calls to itself (e.g. http://127.0.0.1:3000): see own-rp.ts. */
  internalBase: string;
  log: Logger;
  metrics: Metrics;
  /** Who may read /metrics (flows/ops): with the token, or (none set) a request the trusted proxy did not forward. */
  metricsGate: { token: string | undefined; trustProxy: boolean };
  forms: Forms;
  /** Work that runs after the answer (see platform/background.ts). */
  background: Background;
  /** The current provider (it is rebuilt when the keys change). */
  provider: () => Provider;
  personAccess: PersonAccess;
  /** The ids a pairwise client sees (the same as in its tokens). */
  pairwise: PairwiseIds;
  /** Whether the storage answers (readiness). */
  health(): Promise<Record<string, 'ok' | 'unavailable'>>;
  /** The demo data, when the demo is seeded. */
  demo?: DemoData;
};

export type Flow = (router: Router, services: Services) => void;
