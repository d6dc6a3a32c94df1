// Roster registration (SPEC §4 flow 9, seed 000 §9): the school's credential API, then the person's pages in the
// order they meet them: check the credential, choose, and register a new account or add the identity.
import type Router from '@koa/router';
import { requireApiClient } from '../../web/api-client.ts';
import { requireAccount } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { syncLogged } from '../../web/sync-log.ts';
import { showAddIdentity, submitAddIdentity } from './add-identity.ts';
import { getCredentials, putCredentials, rosterSchool } from './api.ts';
import { showChoice } from './choose.ts';
import { showNewAccount, submitNewAccount } from './new-account.ts';
import { showPick, submitPick } from './pick.ts';
import { publishRosterApi, putRoster } from './roster-api.ts';
import { rosterTickets } from './ticket.ts';
import './texts.ts';

export function rosterRoutes(router: Router, s: Services) {
  const { post, upload } = s.forms;
  // Authenticated, then the school checked, before the body is read.
  const client = requireApiClient(s.clients, 'roster');
  const school = rosterSchool(s);
  const signedIn = requireAccount(s);
  const tickets = rosterTickets(s);

  router.put(
    '/api/schools/:code/roster-credentials',
    client,
    school,
    syncLogged(s, 'roster.credentials_put'),
    upload,
    putCredentials(s),
  );
  router.get(
    '/api/schools/:code/roster-credentials',
    client,
    school,
    syncLogged(s, 'roster.credentials_get'),
    getCredentials(s),
  );

  router.put('/api/schools/:code/roster/:file', client, school, syncLogged(s, 'roster.import'), upload, putRoster(s));
  router.post(
    '/api/schools/:code/roster/publish',
    client,
    school,
    syncLogged(s, 'school.publish'),
    publishRosterApi(s),
  );

  router.get('/register/roster', showPick(s));
  router.post('/register/roster', post, submitPick(s, tickets));
  router.get('/register/roster/choose', showChoice(tickets));
  router.get('/register/roster/new', showNewAccount(tickets));
  router.post('/register/roster/new', post, submitNewAccount(s, tickets));
  router.get('/account/roster-identity', signedIn, showAddIdentity(tickets));
  router.post('/account/roster-identity', signedIn, post, submitAddIdentity(s, tickets));
}
