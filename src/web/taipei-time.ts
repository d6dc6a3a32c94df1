// Dates and times on our pages in Taipei time, whatever the server's zone: `date` (2026年12月3日), `minutes`
// (with the time to the minute) or `seconds` (short date, time to the second, as in logs).
import type { Locale } from '../platform/i18n/index.ts';

const STYLES = {
  date: { dateStyle: 'medium' },
  minutes: { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' },
  seconds: { dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

export type TimeStyle = keyof typeof STYLES;

const formats = new Map<string, Intl.DateTimeFormat>();

/** The time as `style` shows it; '' for none. */
export function taipeiTime(at: Date | string | null | undefined, locale: Locale, style: TimeStyle): string {
  if (!at) return '';
  const key = `${locale}:${style}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-TW', {
      timeZone: 'Asia/Taipei',
      ...STYLES[style],
    });
    formats.set(key, format);
  }
  return format.format(at instanceof Date ? at : new Date(at));
}
