// Every attempt limit of the service in one place: what is counted, per what, for how long, and how many.
import type { Limit } from './throttle.ts';

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/** Password sign-ins: failures per account and per network address (schools share addresses: generous). */
export const SIGN_IN = {
  account: { name: 'signin-fail-account', windowSeconds: 15 * MINUTE, max: 10 },
  address: { name: 'signin-fail-address', windowSeconds: 15 * MINUTE, max: 300 },
  /** A challenge is asked for from this many account failures, or address failures. */
  accountChallengeAfter: 3,
  addressChallengeAfter: 30,
  /** From `account.max` failures on, each failure locks the account for 1 minute, doubling, up to an hour. */
  firstLockSeconds: MINUTE,
  maxLockSeconds: HOUR,
} as const satisfies Record<string, Limit | number>;

/** Wrong current passwords on the account pages' password form, per person. */
export const PASSWORD_CHANGE: Limit = { name: 'password-change-fail', windowSeconds: 15 * MINUTE, max: 5 };

/**
 * Verification codes sent for a new email address or mobile number: per person, per address or number they go to,
 * counted for each person asking (3: one person cannot use up another's tries at their own address) and for all of
 * them together (10: several accounts cannot flood one phone or mailbox), and per network address.
 */
export const CONTACT_CODES = {
  person: { name: 'contact-code-sent', windowSeconds: HOUR, max: 5 },
  recipient: { name: 'contact-code-recipient-person', windowSeconds: HOUR, max: 3 },
  recipientAll: { name: 'contact-code-recipient', windowSeconds: HOUR, max: 10 },
  address: { name: 'contact-code-address', windowSeconds: HOUR, max: 60 },
} as const satisfies Record<string, Limit>;

/**
 * Password-reset requests per target (email or mobile number) and per network address; wrong SMS reset codes per
 * mobile number, across its codes (each allows 5 tries): from the 10th in a day, reset by SMS for that number waits a
 * day (`wrongCodesWaitSeconds`), whether an account uses the number or not.
 */
export const PASSWORD_RESET = {
  target: { name: 'reset-request-target', windowSeconds: HOUR, max: 3 },
  address: { name: 'reset-request-address', windowSeconds: HOUR, max: 50 },
  wrongCodes: { name: 'reset-code-wrong-number', windowSeconds: 24 * HOUR, max: 10 },
  wrongCodesWaitSeconds: 24 * HOUR,
} as const satisfies Record<string, Limit | number>;

/** School-issued verification credentials: failures per network address and per school account. */
export const ROSTER_CHECK = {
  address: { name: 'roster-fail-address', windowSeconds: 15 * MINUTE, max: 20 },
  account: { name: 'roster-fail-account', windowSeconds: 15 * MINUTE, max: 10 },
  /** A challenge is asked for from this many failures from the address. */
  addressChallengeAfter: 3,
  /**
   * "Register a new account" with a verified slip says whether a national ID or email already has an account: so many
   * such checks per slip, whatever tickets it earned (also counted per address: REGISTRATION.lookupsPerAddress).
   */
  lookupsPerSlip: { name: 'roster-lookup-slip', windowSeconds: 24 * HOUR, max: 10 },
} as const satisfies Record<string, Limit | number>;

/**
 * Self-registration, per network address: step 1's checks (and a roster slip's "register a new account") that say
 * whether a national ID or email is already registered (so that the form cannot be used to look people up), and the accounts made, each mailing an activation
 * link. Generous: a school's families may register from the school's one address on a parents' evening.
 */
export const REGISTRATION = {
  lookupsPerAddress: { name: 'register-lookup-address', windowSeconds: HOUR, max: 100 },
  accountsPerAddress: { name: 'register-account-address', windowSeconds: HOUR, max: 30 },
  /**
   * Activation mails per email address they go to (the wizard's, a roster slip's, a repeat of a waiting registration's
   * link, "send it again"), whoever asks and from wherever: past it nothing more is sent there within the hour, so
   * that strangers cannot fill one mailbox from many network addresses. Counted whether the address has an account or
   * not (activation goes by email only; no SMS).
   */
  mailsPerRecipient: { name: 'register-mail-recipient', windowSeconds: HOUR, max: 5 },
} as const satisfies Record<string, Limit>;

/**
 * Server-to-server API callers (school-affairs and roster APIs): failed client authentications per client id and per
 * network address. Secrets are long and random; this keeps a misconfigured or hostile caller from hammering anyway.
 */
export const API_CLIENT_AUTH = {
  client: { name: 'api-auth-fail-client', windowSeconds: 15 * MINUTE, max: 20 },
  address: { name: 'api-auth-fail-address', windowSeconds: 15 * MINUTE, max: 100 },
} as const satisfies Record<string, Limit>;

/**
 * The school sync log's record of calls refused before their client was known (web/sync-log.ts): anyone can send
 * them, so at most one per school and client id as given a minute, and ids that are no registered client so many an
 * hour a school.
 */
export const SYNC_LOG_REFUSALS = {
  perClient: { name: 'sync-log-refused', windowSeconds: MINUTE, max: 1 },
  unknownPerSchool: { name: 'sync-log-refused-unknown', windowSeconds: HOUR, max: 30 },
} as const satisfies Record<string, Limit>;

/** "Send the activation mail again", per person. */
export const ACTIVATION_RESEND: Limit = { name: 'activation-resend', windowSeconds: HOUR, max: 3 };

/**
 * Sign-out pages (/session/end) of visitors, per network address: each may store a short-lived session for its
 * confirmation (the only thing stored for a visitor who has not signed in; the person check stores nothing until solved).
 */
export const SIGN_OUT_PAGES: Limit = { name: 'sign-out-address', windowSeconds: 10 * MINUTE, max: 1200 };

/**
 * Parent-child binding (seed 002): codes sent per mobile number (its FAQ: two SMS an hour, then use email), per email
 * address and per network address; lookups by national ID (students in step 1, parents in step 3) per binding
 * session and per network address, so that the pages cannot be used to look people up.
 */
export const BINDING = {
  smsPerNumber: { name: 'binding-sms-number', windowSeconds: HOUR, max: 2 },
  mailPerAddress: { name: 'binding-mail-address', windowSeconds: HOUR, max: 5 },
  codesPerAddress: { name: 'binding-code-address', windowSeconds: HOUR, max: 60 },
  /** Counted atomically per binding session (its token), so that lookups sent at once cannot all pass. */
  lookupsPerSession: { name: 'binding-lookup-session', windowSeconds: 24 * HOUR, max: 20 },
  /** Generous: a parents' evening at a school sends many parents from one address. */
  lookupsPerAddress: { name: 'binding-lookup-address', windowSeconds: HOUR, max: 300 },
  /**
   * Step 1's lookups of a national ID whose birth date or student number did not match, per national ID, in any
   * session: past it the student is answered "not found" for a day, without looking (so that nobody can guess a
   * child's birth date, and the answer says nothing about whether the ID exists).
   */
  failedLookupsPerStudent: { name: 'binding-lookup-fail-student', windowSeconds: 24 * HOUR, max: 5 },
  /** Wrong passwords when a parent confirms their account in step 3, per account (apart from the account pages'). */
  passwordPerPerson: { name: 'binding-password-person', windowSeconds: 15 * MINUTE, max: 5 },
  /** Passwords tried in step 3 from one address, right or wrong, whatever the account (a stranger trying many IDs). */
  passwordPerAddress: { name: 'binding-password-address', windowSeconds: HOUR, max: 60 },
} as const satisfies Record<string, Limit | number>;

/**
 * The second factor's 6-digit codes and passkeys (administrators' sign-in): failures per person and per network
 * address. Past the person's limit the step says to wait; the window lets a person who mistyped try again soon, and a
 * guesser no further than 5 in a million. The address limit stops one machine trying many people's stolen passwords
 * and codes in turn; generous, since a bureau's or school's staff share an address.
 */
export const SECOND_FACTOR = {
  person: { name: 'totp-fail-person', windowSeconds: 15 * MINUTE, max: 5 },
  address: { name: 'second-factor-fail-address', windowSeconds: 15 * MINUTE, max: 50 },
  /**
   * The limit that grows: besides 5 per 15 minutes, at most 20 failures per person in 24 hours; from the 20th the step
   * waits `personDayWaitSeconds` (the page says until when). A right code does not wipe this count.
   */
  personDay: { name: 'second-factor-fail-person-day', windowSeconds: 24 * HOUR, max: 20 },
  personDayWaitSeconds: 24 * HOUR,
} as const satisfies Record<string, Limit | number>;

/**
 * The first set-up of a second factor is proven by a 6-digit code sent to the account's verified email (else mobile):
 * 10 minutes, 5 tries a code (wrong ones also count against SECOND_FACTOR). Codes sent per person an hour, whatever
 * asked for them (each sign-in's first, and "send again"), so a password alone cannot flood the owner's inbox or
 * phone, nor one address many owners'; "send again" itself at most `again` an hour.
 */
export const SETUP_PROOF = {
  sent: { name: 'setup-proof-sent', windowSeconds: HOUR, max: 10 },
  again: { name: 'setup-proof-again', windowSeconds: HOUR, max: 3 },
  /** Codes sent per network address an hour (generous: a school's staff share one). */
  address: { name: 'setup-proof-address', windowSeconds: HOUR, max: 60 },
  codeSeconds: 10 * MINUTE,
  triesPerCode: 5,
} as const satisfies Record<string, Limit | number>;
