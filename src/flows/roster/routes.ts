// Roster registration (SPEC §4 flow 9, seed 000 §9): the school's credential API, then the person's pages in the
// order they meet them: check the credential, choose, and register a new account or add the identity.
import type Router from '@koa/router';
import { IMPORT_FILES, type ImportFile } from '../../domain/schools/import/staging.ts';
import { requireApiClient } from '../../web/api-client.ts';
import { documented } from '../../web/openapi/registry.ts';
import { registrationsSent } from '../../web/registration-sent.ts';
import { requireAccount } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { syncLogged } from '../../web/sync-log.ts';
import { showAddIdentity, submitAddIdentity } from './add-identity.ts';
import {
  GET_CREDENTIALS_OPERATION,
  getCredentials,
  PUT_CREDENTIALS_OPERATION,
  putCredentials,
  rosterSchool,
} from './api.ts';
import { showChoice } from './choose.ts';
import { showNewAccount, submitNewAccount } from './new-account.ts';
import { showPick, submitPick } from './pick.ts';
import { PUBLISH_OPERATION, publishRosterApi, putRoster, rosterFileOperation } from './roster-api.ts';
import { rosterTickets } from './ticket.ts';
import './texts.ts';

export function rosterRoutes(router: Router, s: Services) {
  const { post, upload } = s.forms;
  // Authenticated, then the school checked, before the body is read.
  const client = requireApiClient(s.clients, s.throttle, 'roster');
  const school = rosterSchool(s);
  const signedIn = requireAccount(s);
  const tickets = rosterTickets(s);
  const api = documented(router);
  const log = (action: Parameters<typeof syncLogged>[1]) => syncLogged(s, action);

  const credentials = '/api/schools/:code/roster-credentials';
  // Logged first: a call refused for its credentials is in the school's sync log too (web/sync-log.ts).
  api.put(
    credentials,
    PUT_CREDENTIALS_OPERATION,
    log('roster.credentials_put'),
    client,
    school,
    upload,
    putCredentials(s),
  );
  api.get(credentials, GET_CREDENTIALS_OPERATION, log('roster.credentials_get'), client, school, getCredentials(s));

  // One route per file of the back office's import (classes-teachers, students-parents, courses).
  for (const file of Object.keys(IMPORT_FILES) as ImportFile[])
    api.put(
      `/api/schools/:code/roster/${file}`,
      rosterFileOperation(file),
      log('roster.import'),
      client,
      school,
      upload,
      putRoster(s, file),
    );
  api.post(
    '/api/schools/:code/roster/publish',
    PUBLISH_OPERATION,
    log('school.publish'),
    client,
    school,
    publishRosterApi(s),
  );

  router.get('/register/roster', showPick(s));
  router.post('/register/roster', post, submitPick(s, tickets));
  router.get('/register/roster/choose', showChoice(tickets));
  router.get('/register/roster/new', showNewAccount(tickets));
  router.post('/register/roster/new', post, submitNewAccount(s, tickets, registrationsSent(s)));
  router.get('/account/roster-identity', signedIn, showAddIdentity(tickets));
  router.post('/account/roster-identity', signedIn, post, submitAddIdentity(s, tickets));
}
