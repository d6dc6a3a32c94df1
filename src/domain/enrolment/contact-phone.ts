// The contact phone of the wizard (聯絡電話, seed 000 §1.1): a Taiwan mobile or landline, in one stored form.
import { normaliseMobile } from '../people/persons.ts';

/** Landline area codes, longest first (02 Taipei … 0836 Matsu). */
const AREA_CODES = ['0836', '0826', '089', '082', '049', '037', '02', '03', '04', '05', '06', '07', '08'];

/**
 * `0912-345-678` / `+886 912 345 678` → `0912345678`; `(02)2123-5678` / `02 2123 5678` → `02-21235678`;
 * an extension (`#123`, `ext 123`, `轉123`, `分機123`) is kept as `#123`. Undefined when it is neither.
 */
export function normaliseContactPhone(input: string): string | undefined {
  const text = input.normalize('NFKC').trim();
  if (text.length > 40) return undefined;
  const mobile = normaliseMobile(text);
  if (mobile) return mobile;
  const m = /^([+\d\s()-]+?)\s*(?:(?:#|ext\.?|轉|分機)\s*(\d{1,6}))?$/i.exec(text);
  if (!m) return undefined;
  const digits = m[1]!.replace(/[\s()-]/g, '').replace(/^\+886/, '0');
  if (!/^0\d{8,9}$/.test(digits)) return undefined;
  const area = AREA_CODES.find((code) => digits.startsWith(code));
  const local = area && digits.slice(area.length);
  if (!area || !local || !/^[2-9]/.test(local)) return undefined;
  return `${area}-${local}${m[2] ? `#${m[2]}` : ''}`;
}
