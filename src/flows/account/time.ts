// Times on the account pages and in their mail: Taipei time to the minute, written as every other page writes them
// (web/taipei-time.ts), whatever the server's zone.
import type { Locale } from '../../platform/i18n/index.ts';
import { taipeiTime } from '../../web/taipei-time.ts';

export function formatTime(value: Date | string | number, locale: Locale): string {
  return taipeiTime(value instanceof Date ? value : new Date(value), locale, 'minutes');
}
