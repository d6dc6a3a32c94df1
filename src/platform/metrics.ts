// Prometheus metrics: process defaults, HTTP requests by route, and oidc-provider events.
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    oidcEvents: new Counter({
      name: 'oidc_events_total',
      help: 'oidc-provider events (grants, errors, sessions)',
      labelNames: ['event'],
      registers: [registry],
    }),
    signIns: new Counter({
      name: 'sign_ins_total',
      help: 'Password sign-in attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}
