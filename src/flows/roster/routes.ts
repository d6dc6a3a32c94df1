// Roster registration (SPEC §4 flow 9, seed 000 §9): the school's credential API, then the person's pages in the
// order they meet them: check the credential, choose, and register a new account or add the identity.
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import { requireAccount } from '../../web/require-account.ts';
import { verifyCsrf } from '../../web/csrf.ts';
import { showAddIdentity, submitAddIdentity } from './add-identity.ts';
import { getCredentials, putCredentials } from './api.ts';
import { showChoice } from './choose.ts';
import type { RosterDeps } from './deps.ts';
import { showNewAccount, submitNewAccount } from './new-account.ts';
import { showPick, submitPick } from './pick.ts';

/** A roster upload is larger than a form: a few thousand rows. */
const API_BODY_LIMIT = '4mb';

export function rosterRegistrationRoutes(router: Router, deps: RosterDeps) {
  const form = bodyParser({ enableTypes: ['form'], formLimit: String(deps.maxBodyBytes) });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: API_BODY_LIMIT });
  const signedIn = requireAccount(deps);

  router.put('/api/schools/:code/roster-credentials', json, putCredentials(deps));
  router.get('/api/schools/:code/roster-credentials', getCredentials(deps));

  router.get('/register/roster', showPick(deps));
  router.post('/register/roster', form, verifyCsrf, submitPick(deps));
  router.get('/register/roster/choose', showChoice(deps));
  router.get('/register/roster/new', showNewAccount(deps));
  router.post('/register/roster/new', form, verifyCsrf, submitNewAccount(deps));
  router.get('/account/roster-identity', signedIn, showAddIdentity(deps));
  router.post('/account/roster-identity', signedIn, form, verifyCsrf, submitAddIdentity(deps));
}
