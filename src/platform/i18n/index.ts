// Translations (zh-TW first, English second) and the choice of language for a request.
import i18next, { type TFunction } from 'i18next';
import { AREAS } from './areas.ts';
import en from './en.ts';
import zhTW from './zh-TW.ts';

export const LOCALES = ['zh-TW', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const i18n = i18next.createInstance();
await i18n.init({
  resources: {
    'zh-TW': { translation: { ...zhTW, ...Object.fromEntries(AREAS.map((a) => [a.key, a['zh-TW']])) } },
    en: { translation: { ...en, ...Object.fromEntries(AREAS.map((a) => [a.key, a.en])) } },
  },
  lng: 'zh-TW',
  fallbackLng: 'zh-TW',
  interpolation: { escapeValue: false }, // pug escapes on output
  initAsync: false,
});

export function translator(locale: Locale): TFunction {
  return i18n.getFixedT(locale);
}

type LocaleSource = {
  query: Record<string, unknown>;
  cookies: { get(name: string): string | undefined };
  acceptsLanguages(...langs: string[]): string | false;
};

const isLocale = (v: unknown): v is Locale => LOCALES.includes(v as Locale);

/** `?lang=` wins, then the `lang` cookie, then the browser's Accept-Language; zh-TW by default. */
export function chooseLocale(ctx: LocaleSource): Locale {
  if (isLocale(ctx.query.lang)) return ctx.query.lang;
  const cookie = ctx.cookies.get('lang');
  if (isLocale(cookie)) return cookie;
  const accepted = ctx.acceptsLanguages('zh-TW', 'zh', 'en');
  return accepted === 'en' ? 'en' : 'zh-TW';
}
