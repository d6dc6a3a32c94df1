// "Register a new account" with a verified credential: the wizard's checks and pieces, but the identity arrives
// from the roster (active; the person stays pending until the mailed link confirms the email), and the credential
// is claimed in the same transaction.
import crypto from 'node:crypto';
import { sealNationalId } from '../../domain/people/national-id-store.ts';
import { hashPassword } from '../../domain/people/passwords.ts';
import { recordAudit } from '../../domain/audit.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { enqueueMessage } from '../../domain/outbox/outbox.ts';
import { issueActivationToken } from '../registration/activation-tokens.ts';
import type { AccountDeps } from '../registration/deps.ts';
import { findDuplicates } from '../registration/duplicates.ts';
import type { FieldErrors, ValidRegistration } from '../registration/form.ts';
import { activationLink, activationMail, homeLink } from '../registration/mails.ts';
import { attachRosterIdentity } from './attach.ts';

export type RosterRegisterResult = { ok: true; personId: string } | { ok: false; errors: FieldErrors } | { ok: false; claimed: true };

class AlreadyClaimed extends Error {}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export async function registerFromRoster(
  deps: AccountDeps,
  credentialId: string,
  reg: ValidRegistration & { locale: Locale },
): Promise<RosterRegisterResult> {
  const passwordHash = await hashPassword(reg.password, deps.bcryptCost);
  const nationalId = sealNationalId(deps.keyring, reg.nationalId);
  try {
    return await deps.db.transaction(async (trx): Promise<RosterRegisterResult> => {
      const duplicates = await findDuplicates(trx, deps.keyring, reg);
      if (Object.keys(duplicates).length) return { ok: false, errors: duplicates };
      const id = crypto.randomUUID();
      await trx('persons').insert({
        id, email: reg.email.toLowerCase(), email_verified: false, name: reg.name, password_hash: passwordHash, status: 'pending',
        locale: reg.locale, gender: reg.gender ?? null, contact_phone: reg.phone ?? null,
        national_id_sealed: nationalId.sealed, national_id_index: nationalId.index,
      });
      await recordAudit(trx, { actor: id, action: 'person.registered', subject: id, detail: { source: 'roster', status: 'pending' } });
      // Claimed first by someone else: nothing of this registration stays.
      if (!(await attachRosterIdentity(trx, credentialId, id))) throw new AlreadyClaimed();
      const token = await issueActivationToken(trx, id);
      await enqueueMessage(trx, activationMail(reg.locale, { to: reg.email, link: activationLink(deps.issuer, token), home: homeLink(deps.issuer) }));
      return { ok: true, personId: id };
    });
  } catch (err) {
    if (err instanceof AlreadyClaimed) return { ok: false, claimed: true };
    if (isUniqueViolation(err)) {
      const errors = await findDuplicates(deps.db, deps.keyring, reg);
      if (Object.keys(errors).length) return { ok: false, errors };
    }
    throw err;
  }
}
