// Times on the account pages, in Taipei time whatever the server's zone.
import type { Locale } from '../../platform/i18n/index.ts';

const formats = new Map<Locale, Intl.DateTimeFormat>();

export function formatTime(value: Date | string | number, locale: Locale): string {
  let format = formats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-TW', {
      timeZone: 'Asia/Taipei',
      year: 'numeric',
      month: locale === 'en' ? 'short' : '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    });
    formats.set(locale, format);
  }
  return format.format(value instanceof Date ? value : new Date(value));
}
