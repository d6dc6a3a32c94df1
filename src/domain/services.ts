// The domain services, built once from the opened storage (by the server and by the CLI) and handed on.
import type { Knex } from 'knex';
import { Challenges } from '../platform/challenge.ts';
import { translator } from '../platform/i18n/index.ts';
import type { Keyring } from '../platform/keyring.ts';
import { OneUseStore } from '../platform/one-use.ts';
import type { SharedStore } from '../platform/shared-store/types.ts';
import { Throttle } from '../platform/throttle.ts';
import { Audit } from './audit.ts';
import { AuditSearch } from './audit-search.ts';
import { Binding } from './binding/service.ts';
import type { ClientCache } from './clients/cache.ts';
import { ClientRegistry } from './clients/registry.ts';
import { Developers } from './developers/service.ts';
import { Enrolment } from './enrolment/service.ts';
import { Identities } from './identities/service.ts';
import { type Channel, Outbox } from './outbox/outbox.ts';
import { PeopleDirectory } from './people/directory.ts';
import { Passkeys } from './people/passkeys.ts';
import { passwordLinks } from './people/password-links.ts';
import { type PasswordHash, Passwords } from './people/passwords.ts';
import { SecondFactor } from './people/second-factor.ts';
import { People } from './people/service.ts';
import { SetupProof } from './people/setup-proof.ts';
import { SignInGuard } from './people/sign-in-guard.ts';
import { SchoolDirectory } from './schools/directory.ts';
import { SchoolOffice } from './schools/office.ts';
import { SchoolListImport } from './schools/school-list.ts';
import { Schools } from './schools/service.ts';
import { UpstreamLeg } from './upstreams/leg.ts';
import { FederatedLinks } from './upstreams/links.ts';
import { Upstreams } from './upstreams/upstreams.ts';

export type DomainServices = ReturnType<typeof buildDomainServices>;

export function buildDomainServices(deps: {
  db: Knex;
  keyring: Keyring;
  shared: SharedStore;
  clientCache?: ClientCache;
  bcryptCost: number;
  /** How new passwords are hashed (default bcrypt). */
  passwordHash?: PasswordHash;
  /** Public base of the links in mails. */
  issuer: string;
  /** The channels whose messages reach someone (see outbox/index.ts); all of them unless said. */
  channels?: readonly Channel[];
  /** Parent accounts made on a binding's approval get the seed's default password (off: a link to choose one). */
  bindingDefaultPassword?: boolean;
  /** How long the upstream leg waits for an upstream provider's answer. */
  federationTimeoutSeconds?: number;
}) {
  const { db, keyring, issuer } = deps;
  const oneUse = new OneUseStore(deps.shared, keyring);
  const throttle = new Throttle(deps.shared, keyring);
  const passwords = new Passwords(deps.bcryptCost, deps.passwordHash);
  const outbox = new Outbox(db, deps.channels);
  const links = passwordLinks(oneUse);
  const upstreams = new Upstreams({ db, keyring });
  const clients = new ClientRegistry(db, deps.clientCache);
  const secondFactor = new SecondFactor({
    db,
    keyring,
    throttle,
    oneUse,
    issuerName: new URL(issuer).host,
    offers: (c) => outbox.offers(c),
  });
  const passkeys = new Passkeys({
    db,
    throttle,
    oneUse,
    issuer,
    rpName: translator('zh-TW')('brand'),
    offers: (c) => outbox.offers(c),
  });
  return {
    oneUse,
    throttle,
    challenges: new Challenges(deps.shared, keyring),
    passwords,
    /** Links to set a password: the reset mail, a right SMS code, a new account's welcome. */
    passwordLinks: links,
    audit: new Audit(db),
    outbox,
    clients,
    /** The bureau console's schools (their list, imports and administrators), people and audit-log search. */
    bureau: {
      schools: new SchoolDirectory(db),
      schoolList: new SchoolListImport(db, oneUse),
      people: new PeopleDirectory({
        db,
        keyring,
        passwordLinks: links,
        issuer,
        secondFactor,
        passkeys,
        offers: (c) => outbox.offers(c),
      }),
      audit: new AuditSearch(db),
    },
    /** Developers' organisations, app applications and the bureau's review of them. */
    developers: new Developers({ db, clients, issuer }),
    people: new People({ db, keyring, passwords, issuer, outbox }),
    signInGuard: new SignInGuard(throttle),
    /** Administrators' second factor (TOTP), and the first factors waiting for it. */
    secondFactor,
    /** The code to the verified email or mobile that the first set-up of a second factor asks for. */
    setupProof: new SetupProof({ throttle, oneUse, outbox }),
    /** Passkeys (WebAuthn) as the second factor, for this issuer's origin. */
    passkeys,
    identities: new Identities({ db, keyring }),
    schools: new Schools(db),
    /** The school back office: who may open which school, and each school's semesters. */
    schoolOffice: new SchoolOffice({ db, keyring, issuer }),
    enrolment: new Enrolment({ db, keyring, passwords, throttle, oneUse, issuer }),
    upstreams,
    /** Signing in with another account: the upstream leg, and the links it signs in by. */
    upstreamLeg: new UpstreamLeg({ upstreams, oneUse, issuer, timeoutSeconds: deps.federationTimeoutSeconds ?? 10 }),
    federatedLinks: new FederatedLinks({ db, oneUse, issuer, offers: (c) => outbox.offers(c) }),
    binding: new Binding({
      db,
      keyring,
      passwords,
      passwordLinks: links,
      issuer,
      defaultPassword: deps.bindingDefaultPassword ?? false,
    }),
  };
}
