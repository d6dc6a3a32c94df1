// The developer portal's and the bureau's work on apps (issue 15): organisations and their members, app applications
// and the clients they become.
import type { Knex } from 'knex';
import type { ClientRegistry } from '../clients/registry.ts';
import { Applications } from './applications.ts';
import { Organisations } from './organisations.ts';

export class Developers {
  readonly organisations: Organisations;
  readonly applications: Applications;

  constructor(deps: { db: Knex; clients: ClientRegistry; issuer: string }) {
    this.organisations = new Organisations(deps.db);
    this.applications = new Applications(deps);
  }
}
