import type { Knex } from 'knex';
import type { Keyring } from '../../platform/keyring.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';

export type RegistrationDeps = {
  db: Knex;
  keyring: Keyring;
  shared: SharedStore;
  bcryptCost: number;
  /** Public base of the links in mails. */
  issuer: string;
  maxBodyBytes: number;
};

/** What registering and activating need (the domain side: no request, no body size). */
export type AccountDeps = Pick<RegistrationDeps, 'db' | 'keyring' | 'shared' | 'bcryptCost' | 'issuer'>;

/** The identity kinds a person may choose when registering (seed 000 §1.1 身分別); the school confirms them. */
export const SELF_KINDS = ['teacher', 'student', 'parent', 'staff'] as const;
export type SelfKind = (typeof SELF_KINDS)[number];

export const GENDERS = ['male', 'female', 'other'] as const;
export type Gender = (typeof GENDERS)[number];

/** A self-registered identity before the school confirms it: the person is a general member (一般會員). */
export const UNCONFIRMED = 'unconfirmed';
