// Who a parent is to the student (seed 002 step 2): a legal representative (父親 / 母親) or a guardian.

export const LEGAL_REPRESENTATIVES = ['father', 'mother'] as const;
export const GUARDIANS = [
  'grandfather',
  'grandmother',
  'maternal_grandfather',
  'maternal_grandmother',
  'other',
] as const;
export const RELATIONSHIPS = [...LEGAL_REPRESENTATIVES, ...GUARDIANS] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export const isRelationship = (v: unknown): v is Relationship => RELATIONSHIPS.includes(v as Relationship);
