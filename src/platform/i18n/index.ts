// Translations (zh-TW first, English second) and the choice of language for a request. The texts every page uses
// (brand, roles, errors, the password rules) are here; each flow and domain area defines its own with defineTexts.
import i18next, { type TFunction } from 'i18next';
import en from './en.ts';
import zhTW from './zh-TW.ts';

export const LOCALES = ['zh-TW', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

type Tree = { [key: string]: string | Tree };
export type Texts = { 'zh-TW': Tree; en: Tree };

const i18n = i18next.createInstance();
await i18n.init({
  resources: { 'zh-TW': { translation: {} }, en: { translation: {} } },
  lng: 'zh-TW',
  fallbackLng: 'zh-TW',
  interpolation: { escapeValue: false }, // pug escapes on output
  initAsync: false,
});

const defined = new Set<string>();

/** Every text key defined so far (for checks of the texts themselves). */
export const definedTextKeys = (): string[] => [...defined];

function leaves(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : leaves(v, `${prefix}${k}.`),
  );
}

/**
 * Adds texts in both languages. Keys may share a parent with other areas' (deep merge), but a text is defined once:
 * a key defined twice, or in one language only, stops the process at start-up.
 */
export function defineTexts(texts: Texts): void {
  const zh = leaves(texts['zh-TW']);
  const english = new Set(leaves(texts.en));
  const oneSided = [...zh.filter((k) => !english.has(k)), ...[...english].filter((k) => !zh.includes(k))];
  if (oneSided.length) throw new Error(`texts missing in one language: ${oneSided.slice(0, 5).join(', ')}`);
  const twice = zh.filter((k) => defined.has(k));
  if (twice.length) throw new Error(`texts defined twice: ${twice.slice(0, 5).join(', ')}`);
  for (const k of zh) defined.add(k);
  i18n.addResourceBundle('zh-TW', 'translation', texts['zh-TW'], true, false);
  i18n.addResourceBundle('en', 'translation', texts.en, true, false);
  looked.clear();
}

/**
 * Texts asked for by key alone, per language, as i18next gave them: a page asks for twenty or more, each looked up anew
 * (the sign-in page's rendering 106 → 77 µs with them kept). Only defined keys, so what a request names cannot grow it;
 * forgotten whenever the texts change (defineTexts, applyBranding).
 */
const looked = new Map<Locale, Map<string, string>>();

defineTexts({ 'zh-TW': zhTW, en });

/** The deployment's own names (settings): the product, the organisation running it, where people get help. */
export type Branding = Partial<Record<'brand' | 'organization' | 'support', Partial<Record<Locale, string>>>>;

/**
 * Puts the deployment's names in place of the defaults. Texts name the product as `$t(brand)` (i18next nesting), so
 * every page, mail and SMS follows.
 */
export function applyBranding(branding: Branding): void {
  for (const [key, byLocale] of Object.entries(branding)) {
    for (const locale of LOCALES) {
      const value = byLocale?.[locale];
      if (value) i18n.addResource(locale, 'translation', key, value);
    }
  }
  looked.clear();
}

export function translator(locale: Locale): TFunction {
  const fixed = i18n.getFixedT(locale);
  const any = fixed as unknown as (...args: unknown[]) => unknown;
  const t = (key: unknown, ...rest: unknown[]) => {
    if (rest.length > 0 || typeof key !== 'string' || !defined.has(key)) return any(key, ...rest);
    let texts = looked.get(locale);
    if (!texts) {
      texts = new Map();
      looked.set(locale, texts);
    }
    let text = texts.get(key);
    if (text === undefined) {
      text = fixed(key);
      texts.set(key, text);
    }
    return text;
  };
  return t as unknown as TFunction;
}

type LocaleSource = {
  query: Record<string, unknown>;
  cookies: { get(name: string): string | undefined };
  acceptsLanguages(...langs: string[]): string | false;
  /** `uiLocales`: the `ui_locales` of the sign-in this request belongs to, once loaded (sign-in/interaction.ts). */
  state?: { uiLocales?: unknown };
};

const isLocale = (v: unknown): v is Locale => LOCALES.includes(v as Locale);

/** The first language of an OpenID `ui_locales` list (space-separated BCP 47 tags) that we speak. */
export function fromUiLocales(value: unknown): Locale | undefined {
  if (typeof value !== 'string') return undefined;
  for (const tag of value.split(' ').slice(0, 10)) {
    const lower = tag.toLowerCase();
    if (lower === 'zh' || lower === 'zh-tw' || lower.startsWith('zh-hant')) return 'zh-TW';
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
  }
  return undefined;
}

/**
 * `?lang=` (a language link just clicked) wins, then the `lang` cookie (the person's own choice, made with that link,
 * which holds for the rest of a sign-in), then the app's `ui_locales` on its sign-in pages, then the browser's
 * Accept-Language; zh-TW by default.
 */
export function chooseLocale(ctx: LocaleSource): Locale {
  if (isLocale(ctx.query.lang)) return ctx.query.lang;
  const cookie = ctx.cookies.get('lang');
  if (isLocale(cookie)) return cookie;
  const requested = fromUiLocales(ctx.state?.uiLocales);
  if (requested) return requested;
  const accepted = ctx.acceptsLanguages('zh-TW', 'zh', 'en');
  return accepted === 'en' ? 'en' : 'zh-TW';
}

const MAIL_SEPARATOR = '\n\n――――――――――\n\n';

/**
 * One text in both languages, Traditional Chinese first (mail and SMS to someone whose language we do not know):
 * `separator` between them (a rule for mail, a space for SMS); `vars` may differ per language (dates).
 */
export function bilingual(
  key: string,
  vars: (locale: Locale) => Record<string, string>,
  separator = MAIL_SEPARATOR,
): string {
  const [zh, english] = [translator('zh-TW'), translator('en')];
  return `${zh(key, { brand: zh('brand'), ...vars('zh-TW') })}${separator}${english(key, { brand: english('brand'), ...vars('en') })}`;
}

/** A mail subject in both languages. */
export const bilingualSubject = (key: string) => `${translator('zh-TW')(key)} / ${translator('en')(key)}`;
