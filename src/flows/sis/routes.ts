// The school-affairs system's hand-off (SPEC §4 flows 2–3, seed 000 §2, §3, §8): its two server-to-server API
// calls, then the browser's pages.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { requireApiClient } from '../../web/api-client.ts';
import { documented } from '../../web/openapi/registry.ts';
import type { Services } from '../../web/services.ts';
import { syncLogged } from '../../web/sync-log.ts';
import { createHandle, HANDLE_OPERATION, LOOKUP_OPERATION, lookup } from './api.ts';
import { showConsent, startHandoff, submitConsent } from './consent.ts';
import { LOOKUP_GUARDIANS_OPERATION, lookupGuardians, PUSH_GUARDIAN_OPERATION, pushGuardian } from './guardians.ts';
import { handoffs as handoffsOf } from './handoff.ts';
import './texts.ts';

export function sisRoutes(router: Router, s: Services) {
  const { json, post } = s.forms;
  const client = requireApiClient(s.clients, s.throttle, 'sis');
  const handoffs = handoffsOf(s);
  const api = documented(router);
  // Each call is recorded in the school's sync log (the school named in the body), logged first: a call refused for
  // its credentials is there too (web/sync-log.ts).
  const pushMode = (ctx: Context) =>
    (ctx.request.body as { mode?: unknown } | undefined)?.mode === 'add_identity' ? 'sis.add_identity' : 'sis.register';
  const log = (action: Parameters<typeof syncLogged>[1]) => syncLogged(s, action);
  api.post('/api/sis/handles', HANDLE_OPERATION, log(pushMode), client, json, createHandle(s, handoffs));
  api.post('/api/sis/lookup', LOOKUP_OPERATION, log('sis.lookup'), client, json, lookup(s));
  api.post('/api/sis/guardians', PUSH_GUARDIAN_OPERATION, log('sis.guardians'), client, json, pushGuardian(s));
  api.post(
    '/api/sis/guardians/lookup',
    LOOKUP_GUARDIANS_OPERATION,
    log('sis.guardians_lookup'),
    client,
    json,
    lookupGuardians(s),
  );
  router.get('/register/sis', startHandoff(handoffs));
  router.get('/register/sis/consent', ...showConsent(s, handoffs));
  router.post('/register/sis/consent', post, ...submitConsent(s, handoffs));
}
