// The developer portal (issue 15): teachers, staff, school administrators and the bureau's developer accounts sign in
// through our own provider, form organisations, apply for apps and, once approved, get and manage their credentials.
import type Router from '@koa/router';
import type { Services } from '../../web/services.ts';
import { disableApp, revealSecret, rotateSecret, showApp } from './app.ts';
import {
  keptForms,
  showEditApplication,
  showNewApplication,
  submitEditApplication,
  submitNewApplication,
} from './application-form.ts';
import { createOrganisation, showHome } from './home.ts';
import { keptInputs } from './kept.ts';
import {
  addMember,
  endRegistrationTokens,
  newRegistrationToken,
  removeMember,
  showOrganisation,
} from './organisation.ts';
import { showQuickStart } from './quick-start.ts';
import { developerReveals } from './reveal.ts';
import { developerSession } from './session.ts';
import { developerSignIn } from './sign-in.ts';
import './texts.ts';

export function developerRoutes(router: Router, s: Services) {
  const session = developerSession(s);
  const dev = session.require;
  const { post } = s.forms;
  const signIn = developerSignIn(s, session);
  const reveals = developerReveals(s);
  const kept = keptForms(s);
  const inputs = keptInputs(s);
  router.get('/developers/sign-in', signIn.start);
  router.get('/developers/callback', signIn.finish);
  router.post('/developers/sign-out', dev, post, signIn.signOut);
  router.get('/developers', dev, showHome(s, inputs));
  router.post('/developers/organisations', dev, post, createOrganisation(s, inputs));
  router.get('/developers/organisations/:org', dev, showOrganisation(s, reveals, inputs));
  router.post('/developers/organisations/:org/members', dev, post, addMember(s, inputs));
  router.post('/developers/organisations/:org/members/:person/remove', dev, post, removeMember(s, inputs));
  router.post('/developers/organisations/:org/token', dev, post, newRegistrationToken(s, reveals, inputs));
  router.post('/developers/organisations/:org/tokens/end', dev, post, endRegistrationTokens(s, inputs));
  router.get('/developers/apps/new', dev, showNewApplication(s, kept));
  router.post('/developers/apps/new', dev, post, submitNewApplication(s, kept));
  router.get('/developers/apps/:id', dev, showApp(s, reveals));
  router.get('/developers/apps/:id/edit', dev, showEditApplication(s, kept));
  router.post('/developers/apps/:id/edit', dev, post, submitEditApplication(s, kept));
  router.get('/developers/apps/:id/quick-start', dev, showQuickStart(s));
  router.post('/developers/apps/:id/secret', dev, post, revealSecret(s, reveals));
  router.post('/developers/apps/:id/rotate', dev, post, rotateSecret(s, reveals));
  router.post('/developers/apps/:id/disable', dev, post, disableApp(s));
}
