// Every flow a person (or a system) meets, in the order of the README's route list. The composition root mounts them;
// flows never import each other.

import type { Settings } from '../platform/settings.ts';
import type { Flow } from '../web/services.ts';
import { accountRoutes } from './account/routes.ts';
import { adminRoutes } from './admin/routes.ts';
import { apiDocsRoutes } from './api-docs/routes.ts';
import { bindingRoutes } from './binding/routes.ts';
import { demoRoutes } from './demo/routes.ts';
import { mailboxRoutes } from './dev-mailbox/routes.ts';
import { developerRoutes } from './developers/routes.ts';
import { federationRoutes } from './federation/routes.ts';
import { homeRoutes } from './home/routes.ts';
import { opsRoutes } from './ops/routes.ts';
import { passwordResetRoutes } from './password-reset/routes.ts';
import { registrationRoutes } from './registration/routes.ts';
import { rosterRoutes } from './roster/routes.ts';
import { schoolRoutes } from './school/routes.ts';
import { signInRoutes } from './sign-in/routes.ts';
import { sisRoutes } from './sis/routes.ts';

export const FLOWS: { name: string; routes: Flow; when?: (settings: Settings) => boolean }[] = [
  { name: 'home', routes: homeRoutes },
  { name: 'sign-in', routes: signInRoutes },
  { name: 'federation', routes: federationRoutes },
  { name: 'registration', routes: registrationRoutes },
  { name: 'sis', routes: sisRoutes },
  { name: 'roster', routes: rosterRoutes },
  { name: 'password-reset', routes: passwordResetRoutes },
  { name: 'binding', routes: bindingRoutes },
  { name: 'account', routes: accountRoutes },
  { name: 'school', routes: schoolRoutes },
  { name: 'admin', routes: adminRoutes },
  { name: 'developers', routes: developerRoutes },
  { name: 'demo', routes: demoRoutes, when: (s) => s.seedDemo },
  { name: 'dev-mailbox', routes: mailboxRoutes, when: (s) => s.mailboxPage },
  { name: 'ops', routes: opsRoutes },
  // The API reference: the operations every flow declared (read at its first request).
  { name: 'api-docs', routes: apiDocsRoutes },
];
