// An audit entry's detail as the console shows it: each value labelled in the page's language (the keys the code
// records have words; any other key is shown as it is), values in words where they are codes (a role, a sign-in
// method, an application's fields), an app or a school by its name beside its id or code, times in Taipei time, lists
// and counts spelled out — never JSON. Whatever looks like a secret or a national ID is not shown: keys that name one
// are hidden, and a national ID inside a text is masked.
import { SCHOOL_KEYS } from '../../domain/audit-search.ts';
import { isValidNationalId, maskNationalId } from '../../domain/people/national-id.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import { taipeiTime } from '../../web/taipei-time.ts';

type T = (key: string, options?: Record<string, unknown>) => string;

export type DetailItem = { label: string; value: string };

/** Keys whose values are never shown, whatever wrote them. */
const SENSITIVE = /secret|password|passwd|token|national|idno|otp|hash|sealed|cookie|private/i;
/** Keys (of our own) whose numbers are durations in seconds. */
const SECONDS = new Set(['grace', 'lead', 'ttl']);
/** Where the words of a key's coded values are, first found wins (else admin.audit.detail.values.<key>). */
const VALUE_WORDS: Record<string, string[]> = {
  role: ['role'],
  relationship: ['binding.relationship'],
  level: ['admin.schools.levels'],
  kind: ['admin.schools.kinds', 'admin.audit.detail.values.kind'],
  reason: ['admin.people.signIns.reasons', 'admin.audit.detail.values.reason'],
};
/** A key or code that may be looked up as a text key (no separators of i18next's). */
const CODE = /^[A-Za-z][\w-]{0,63}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Something shaped like a national ID (or resident certificate) number. */
const NATIONAL_ID = /[A-Z][A-D0-9]\d{8}/g;
const MAX_TEXT = 500;
const MAX_DEPTH = 3;

const looksUp = (t: T, key: string) => t(key, { defaultValue: '' });

/** The label of a detail key: its words, or the key itself. */
function labelOf(t: T, key: string): string {
  return (CODE.test(key) && looksUp(t, `admin.audit.detail.keys.${key}`)) || key;
}

/** What the page knows beyond the detail itself: the names of the apps and schools it names. */
export type Names = {
  clientName?: (clientId: string) => string | undefined;
  schoolName?: (code: string) => string | undefined;
};

/** Keys whose values are a client's id: shown with the app's name. */
const CLIENT_KEYS = new Set(['client', 'client_id']);

function textOf(t: T, locale: Locale, key: string, value: string, names: Names): string {
  // An app or a school by its name, its id or code beside (臺北市立大安國中（353505）); one without a name as it is.
  const named = CLIENT_KEYS.has(key)
    ? names.clientName?.(value)
    : SCHOOL_KEYS.has(key)
      ? names.schoolName?.(value)
      : undefined;
  if (named) return t('admin.audit.detail.named', { name: named, code: value });
  if (CODE.test(value) && CODE.test(key)) {
    for (const prefix of VALUE_WORDS[key] ?? [`admin.audit.detail.values.${key}`]) {
      const words = looksUp(t, `${prefix}.${value}`);
      if (words) return words;
    }
  }
  if (ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))) return taipeiTime(value, locale, 'minutes');
  const masked = value.replace(NATIONAL_ID, (id) => (isValidNationalId(id) ? maskNationalId(id) : id));
  return [...masked].length > MAX_TEXT ? `${[...masked].slice(0, MAX_TEXT).join('')}…` : masked;
}

function duration(t: T, seconds: number): string {
  if (seconds > 0 && seconds % 86_400 === 0) return t('admin.audit.detail.days', { n: seconds / 86_400 });
  if (seconds > 0 && seconds % 3600 === 0) return t('admin.audit.detail.hours', { n: seconds / 3600 });
  return t('admin.audit.detail.seconds', { n: seconds });
}

function shownValue(t: T, locale: Locale, key: string, value: unknown, depth: number, names: Names = {}): string {
  if (SENSITIVE.test(key)) return t('admin.audit.detail.hidden');
  if (value === null || value === undefined || value === '') return t('admin.audit.detail.empty');
  if (typeof value === 'boolean') return t(value ? 'admin.audit.detail.yes' : 'admin.audit.detail.no');
  if (typeof value === 'number') return SECONDS.has(key) ? duration(t, value) : String(value);
  if (typeof value === 'string') return textOf(t, locale, key, value, names);
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    if (!value.length) return t('admin.audit.detail.empty');
    return value.map((v) => shownValue(t, locale, key, v, depth + 1, names)).join(t('listSeparator'));
  }
  if (typeof value === 'object') {
    const pairs = Object.entries(value as Record<string, unknown>).map(([k, v]) =>
      t('admin.audit.detail.pair', { label: labelOf(t, k), text: shownValue(t, locale, k, v, depth + 1, names) }),
    );
    return pairs.length ? pairs.join(t('listSeparator')) : t('admin.audit.detail.empty');
  }
  return t('admin.audit.detail.empty');
}

/** What a reader looks for first (PostgreSQL keeps a detail's keys in an order of its own): then by key. */
const FIRST = ['reason', 'client', 'school', 'role', 'method', 'upstream', 'via', 'source', 'status', 'fields'];
const rank = (key: string) => (FIRST.includes(key) ? FIRST.indexOf(key) : FIRST.length);

/** The detail's values, labelled: the usual ones first, then the rest by key (an app named with its name). */
export function detailItems(t: T, locale: Locale, detail: Record<string, unknown>, names: Names = {}): DetailItem[] {
  return Object.keys(detail)
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => ({ label: labelOf(t, key), value: shownValue(t, locale, key, detail[key], 0, names) }));
}
