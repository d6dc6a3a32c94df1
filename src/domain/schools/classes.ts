// Class codes and their usual names.

/** `701` → `7年1班`, the usual name of a class code. */
export function className(code: string): string {
  const m = /^(\d{1,2})(\d{2})$/.exec(code);
  return m ? `${Number(m[1])}年${Number(m[2])}班` : code;
}

/**
 * A class's name as a page in this language shows it. A name made from the grade and the number (`7年1班`, the one
 * `className` gives a class the roster did not name) is said in English as `Grade 7, Class 1`; a name of the school's
 * own (`7年1班甲`, `忠班`) is the class's name in every language, as is any name on a zh-TW page.
 */
export function classNameIn(locale: string, cls: { code: string; name?: string | null }): string {
  const name = cls.name || className(cls.code);
  if (!locale.toLowerCase().startsWith('en')) return name;
  const m = /^(\d{1,2})年(\d{1,2})班$/.exec(name);
  return m ? `Grade ${Number(m[1])}, Class ${Number(m[2])}` : name;
}

export const CLASS_CODE = /^[0-9A-Za-z-]{1,10}$/;
