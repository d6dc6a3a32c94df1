// Creates the registered account in one transaction: the person (pending until the email is confirmed), the
// self-declared identity (unconfirmed: a general member until the school confirms it), the activation link, its
// mail and the audit events. A duplicate email or national ID, found first or lost in a race, is an answer.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { sealNationalId } from '../../domain/people/national-id-store.ts';
import { hashPassword } from '../../domain/people/passwords.ts';
import { recordAudit } from '../../domain/audit.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { enqueueMessage } from '../../domain/outbox/outbox.ts';
import { issueActivationToken } from './activation-tokens.ts';
import { type AccountDeps, UNCONFIRMED } from './deps.ts';
import { findDuplicates } from './duplicates.ts';
import type { FieldErrors, SisPush, ValidRegistration } from './form.ts';
import { ensureClass, findSchool } from '../../domain/schools/schools.ts';
import { activationLink, activationMail, homeLink } from './mails.ts';

export type RegisterResult = { ok: true; personId: string } | { ok: false; errors: FieldErrors };

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export async function registerPerson(deps: AccountDeps, reg: ValidRegistration & { locale: Locale; sis?: SisPush }): Promise<RegisterResult> {
  const passwordHash = await hashPassword(reg.password, deps.bcryptCost);
  const nationalId = sealNationalId(deps.keyring, reg.nationalId);
  try {
    return await deps.db.transaction(async (trx): Promise<RegisterResult> => {
      // Found before writing anything: the transaction ends empty.
      const duplicates = await findDuplicates(trx, deps.keyring, reg);
      if (Object.keys(duplicates).length) return { ok: false, errors: duplicates };
      const id = crypto.randomUUID();
      await insertPending(trx, id, reg, passwordHash, nationalId);
      const identityId = crypto.randomUUID();
      // Pushed by the school-affairs system: the school verified the identity (usable once the person is active).
      const identity = reg.sis ? await sisIdentity(trx, reg.schoolCode, reg.sis) : { attributes: {}, classId: null, source: 'self', status: UNCONFIRMED };
      await trx('identities').insert({
        id: identityId, person_id: id, school_code: reg.schoolCode, role: reg.kind, attributes: JSON.stringify(identity.attributes),
        class_id: identity.classId, source: identity.source, status: identity.status,
      });
      const token = await issueActivationToken(trx, id);
      await enqueueMessage(trx, activationMail(reg.locale, { to: reg.email, link: activationLink(deps.issuer, token), home: homeLink(deps.issuer) }));
      await recordAudit(trx, { actor: id, action: 'person.registered', subject: id, detail: { source: identity.source, status: 'pending', ...(reg.sis ? { client: reg.sis.clientId } : {}) } });
      await recordAudit(trx, {
        actor: id, action: 'identity.added', subject: id,
        detail: { identity: identityId, role: reg.kind, school: reg.schoolCode, source: identity.source, status: identity.status },
      });
      return { ok: true, personId: id };
    });
  } catch (err) {
    // Lost a race to a registration that committed first: its row is visible now.
    if (isUniqueViolation(err)) {
      const errors = await findDuplicates(deps.db, deps.keyring, reg);
      if (Object.keys(errors).length) return { ok: false, errors };
    }
    throw err;
  }
}

async function sisIdentity(trx: Knex.Transaction, schoolCode: string, sis: SisPush) {
  const school = await findSchool(trx, schoolCode);
  const classId = sis.classCode && school ? await ensureClass(trx, school, sis.classCode) : null;
  const attributes = {
    ...(sis.classCode ? { class: sis.classCode } : {}), ...(sis.seat ? { seat: sis.seat } : {}), ...(sis.studentNumber ? { student_no: sis.studentNumber } : {}),
  };
  return { attributes, classId, source: 'sis', status: 'active' };
}

async function insertPending(
  trx: Knex.Transaction,
  id: string,
  reg: ValidRegistration & { locale: Locale; sis?: SisPush },
  passwordHash: string,
  nationalId: { sealed: string; index: string },
): Promise<void> {
  await trx('persons').insert({
    id,
    email: reg.email.toLowerCase(),
    email_verified: false,
    name: reg.name,
    password_hash: passwordHash,
    status: 'pending',
    locale: reg.locale,
    gender: reg.gender ?? null,
    contact_phone: reg.phone ?? null,
    national_id_sealed: nationalId.sealed,
    national_id_index: nationalId.index,
    birthdate: reg.sis?.birthdate ?? null,
  });
}
