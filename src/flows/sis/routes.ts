// The school-affairs system's hand-off (SPEC §4 flows 2–3, seed 000 §2, §3, §8): its two server-to-server API
// calls, then the browser's pages.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { requireApiClient } from '../../web/api-client.ts';
import type { Services } from '../../web/services.ts';
import { syncLogged } from '../../web/sync-log.ts';
import { createHandle, lookup } from './api.ts';
import { showConsent, startHandoff, submitConsent } from './consent.ts';
import { lookupGuardians, pushGuardian } from './guardians.ts';
import { handoffs as handoffsOf } from './handoff.ts';
import './texts.ts';

export function sisRoutes(router: Router, s: Services) {
  const { json, post } = s.forms;
  const client = requireApiClient(s.clients, 'sis');
  const handoffs = handoffsOf(s);
  // Each call is recorded in the school's sync log (the school named in the body).
  const pushMode = (ctx: Context) =>
    (ctx.request.body as { mode?: unknown } | undefined)?.mode === 'add_identity' ? 'sis.add_identity' : 'sis.register';
  router.post('/api/sis/handles', client, json, syncLogged(s, pushMode), createHandle(s, handoffs));
  router.post('/api/sis/lookup', client, json, syncLogged(s, 'sis.lookup'), lookup(s));
  router.post('/api/sis/guardians', client, json, syncLogged(s, 'sis.guardians'), pushGuardian(s));
  router.post('/api/sis/guardians/lookup', client, json, syncLogged(s, 'sis.guardians_lookup'), lookupGuardians(s));
  router.get('/register/sis', startHandoff(handoffs));
  router.get('/register/sis/consent', ...showConsent(s, handoffs));
  router.post('/register/sis/consent', post, ...submitConsent(s, handoffs));
}
