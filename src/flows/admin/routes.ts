// The bureau console (issue 15): bureau administrators sign in through our own provider with a second factor and
// review app applications, manage the apps, schools and their administrators, people, and read the audit log.
import type Router from '@koa/router';
import type { Services } from '../../web/services.ts';
import { adminApplicationRoutes } from './applications.ts';
import { adminAuditRoutes } from './audit.ts';
import { adminClientRoutes } from './clients.ts';
import { showHome } from './home.ts';
import { adminPeopleRoutes } from './people.ts';
import { adminSchoolRoutes } from './schools.ts';
import { adminSession } from './session.ts';
import { adminSignIn } from './sign-in.ts';
import './texts.ts';

export function adminRoutes(router: Router, s: Services) {
  const session = adminSession(s);
  const admin = session.require;
  const signIn = adminSignIn(s, session);
  router.get('/admin/sign-in', signIn.start);
  router.get('/admin/callback', signIn.finish);
  router.post('/admin/sign-out', admin, s.forms.post, signIn.signOut);
  router.get('/admin', admin, showHome(s));
  adminSchoolRoutes(router, s, admin);
  adminPeopleRoutes(router, s, admin);
  adminAuditRoutes(router, s, admin);
  adminApplicationRoutes(router, s, admin);
  adminClientRoutes(router, s, admin);
}
