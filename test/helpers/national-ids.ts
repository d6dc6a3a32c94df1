// National ID numbers for tests: made up, passing the checksum, different on every call (a shared scratch
// database keeps the numbers of earlier runs).
import crypto from 'node:crypto';
import { isValidNationalId } from '../../src/domain/people/national-id.ts';

const LETTERS: Record<string, number> = {
  A: 10,
  B: 11,
  C: 12,
  D: 13,
  E: 14,
  F: 15,
  G: 16,
  H: 17,
  J: 18,
  K: 19,
  L: 20,
  M: 21,
  N: 22,
  P: 23,
};

export function randomNationalId(): string {
  const letters = Object.keys(LETTERS);
  const letter = letters[crypto.randomInt(letters.length)]!;
  const code = LETTERS[letter]!;
  const digits = [crypto.randomInt(1, 3), ...Array.from({ length: 7 }, () => crypto.randomInt(10))];
  const sum = Math.floor(code / 10) + (code % 10) * 9 + digits.reduce((acc, d, i) => acc + d * (8 - i), 0);
  const id = `${letter}${digits.join('')}${(10 - (sum % 10)) % 10}`;
  if (!isValidNationalId(id)) throw new Error(`made an invalid national ID: ${id}`);
  return id;
}

/** The same number with a wrong check digit. */
export function withWrongCheckDigit(id: string): string {
  return `${id.slice(0, -1)}${(Number(id.at(-1)) + 1) % 10}`;
}
