// Class codes and their usual names.

/** `701` → `7年1班`, the usual name of a class code. */
export function className(code: string): string {
  const m = /^(\d{1,2})(\d{2})$/.exec(code);
  return m ? `${Number(m[1])}年${Number(m[2])}班` : code;
}

export const CLASS_CODE = /^[0-9A-Za-z-]{1,10}$/;
