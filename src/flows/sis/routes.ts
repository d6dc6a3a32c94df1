// The school-affairs system's hand-off (SPEC §4 flows 2–3, seed 000 §2, §3, §8): its two server-to-server API
// calls, then the browser's pages.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import { verifyCsrf } from '../../web/csrf.ts';
import { createHandle, lookup } from './api-routes.ts';
import { startHandoff, showConsent, submitConsent } from './browser.ts';
import { requireSisClient } from './client-auth.ts';
import type { SisDeps } from './deps.ts';

export function sisRoutes(router: Router, deps: SisDeps) {
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: String(deps.maxBodyBytes) });
  const form = bodyParser({ enableTypes: ['form'], formLimit: String(deps.maxBodyBytes) });
  const client = requireSisClient(deps.provider);
  router.post('/api/sis/handles', client, json, createHandle(deps));
  router.post('/api/sis/lookup', client, json, lookup(deps));
  router.get('/register/sis', startHandoff(deps));
  router.get('/register/sis/consent', ...showConsent(deps));
  router.post('/register/sis/consent', form, verifyCsrf, ...submitConsent(deps));
}
