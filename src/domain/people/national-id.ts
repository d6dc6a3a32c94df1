// Taiwan national ID (身分證) and resident certificate (居留證) numbers: normalising, checking and masking.

const LETTER_CODES: Record<string, number> = {
  A: 10,
  B: 11,
  C: 12,
  D: 13,
  E: 14,
  F: 15,
  G: 16,
  H: 17,
  I: 34,
  J: 18,
  K: 19,
  L: 20,
  M: 21,
  N: 22,
  O: 35,
  P: 23,
  Q: 24,
  R: 25,
  S: 26,
  T: 27,
  U: 28,
  V: 29,
  W: 32,
  X: 30,
  Y: 31,
  Z: 33,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 1, 1];

export type NationalIdKind = 'national_id' | 'resident_new' | 'resident_old';

export function normaliseNationalId(input: string): string {
  return input.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

/** Which kind of number this is, or undefined if it is malformed or fails its checksum. */
export function nationalIdKind(input: string): NationalIdKind | undefined {
  const id = normaliseNationalId(input);
  let kind: NationalIdKind;
  let second: number;
  if (/^[A-Z][12]\d{8}$/.test(id)) {
    kind = 'national_id';
    second = Number(id[1]);
  } else if (/^[A-Z][89]\d{8}$/.test(id)) {
    kind = 'resident_new';
    second = Number(id[1]);
  } else if (/^[A-Z][A-D]\d{8}$/.test(id)) {
    kind = 'resident_old';
    second = LETTER_CODES[id[1]!]! % 10;
  } else {
    return undefined;
  }
  const code = LETTER_CODES[id[0]!]!;
  const digits = [second, ...id.slice(2).split('').map(Number)];
  const sum = Math.floor(code / 10) + (code % 10) * 9 + digits.reduce((acc, d, i) => acc + d * WEIGHTS[i]!, 0);
  return sum % 10 === 0 ? kind : undefined;
}

export function isValidNationalId(input: string): boolean {
  return nationalIdKind(input) !== undefined;
}

/** `A123456789` → `A12****789`. */
export function maskNationalId(id: string): string {
  const n = normaliseNationalId(id);
  return n.length < 7 ? '*'.repeat(n.length) : `${n.slice(0, 3)}${'*'.repeat(n.length - 6)}${n.slice(-3)}`;
}
