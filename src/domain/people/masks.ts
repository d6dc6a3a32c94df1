// How names and contacts are shown where they must not be revealed (a binding, a linked account): 吳三寶 → 吳○寶, par***@example.com, 0912***678.

/** Keeps the first and the last character: 吳三寶 → 吳○寶, 王明 → 王○, Lin Hua → L○○○○○a. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '○';
  if (chars.length === 2) return `${chars[0]}○`;
  return `${chars[0]}${'○'.repeat(chars.length - 2)}${chars.at(-1)}`;
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const local = email.slice(0, at);
  return `${local.slice(0, Math.min(3, Math.max(1, local.length - 2)))}***${email.slice(at)}`;
}

export function maskMobile(mobile: string): string {
  return mobile.length < 7 ? '***' : `${mobile.slice(0, 4)}***${mobile.slice(-3)}`;
}
