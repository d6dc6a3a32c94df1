// The malformed values the fuzz suite sends: strings with NUL, lone surrogates, direction marks and other unicode
// oddities, invalid UTF-8 percent-encodings, huge numbers, 100 kB strings, deeply nested and wrongly typed JSON,
// and abused headers. Values are plain data (strings, arrays, records), so fast-check prints and shrinks them.
import fc from 'fast-check';

/** A value as typed (percent-encoded as UTF-8 when sent), or `{ raw }`: bytes put into the URL or body as they are. */
export type Val = string | { raw: string };

export const LONG = 100_000;

/** Strings people and programs should never send, but someone will. */
export const NASTY_TEXT: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0000'.repeat(8),
  '\t\r\n',
  '\r\nX-Injected: 1',
  '\u202E',
  'abc\u202Edef',
  '\u200F\u200E',
  '\u200B',
  '\uFEFF',
  '\u2028\u2029',
  '\uD800',
  '\uDFFF',
  'a\uDC00b',
  '\uD83D\uDE00',
  '👨‍👩‍👧‍👦',
  'e\u0301\u0301\u0301',
  'Ａ１２３',
  '０９１２３４５６７８',
  '𝕏𝕐',
  '\u0085',
  '\u007F',
  '\u00FF\u00FE',
  'İı',
  'ß',
  'ﬃ',
  '王小明',
  '9'.repeat(400),
  '1e309',
  '-1',
  '-0',
  '0x10',
  'NaN',
  'Infinity',
  '1.7976931348623157e308',
  '99999999999999999999',
  '9007199254740993',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '[object Object]',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'",
  '"',
  '\\',
  '`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as it is
  '${7*7}',
  '#{7*7}',
  '{{7*7}}',
  '%s%n%x',
  '../../../../etc/passwd',
  '/',
  '//evil.example',
  'javascript:alert(1)',
  'http://127.0.0.1:9/cb',
  'https://evil.example/',
  'data:,x',
  "' OR 1=1 --",
  '; DROP TABLE persons; --',
  '$1',
  '\\x00',
  '\\u0000',
  '%00',
  '%',
  'a@b',
  'a@b.c',
  '@',
  '+886912345678',
  '0912-345-678',
  '0912345678',
  'A123456789',
  'a123456789',
  'Z999999999',
  '353604',
  '000000',
  '2026-02-30',
  '1900-01-01',
  'zh-TW',
  'en',
  'xx',
  'yes',
  'agree',
  'decline',
  'student',
  'teacher',
  'parent',
  'bureau_admin',
  ' '.repeat(300),
  'a'.repeat(254),
  'a'.repeat(255),
  'a'.repeat(1025),
  'あ'.repeat(30),
  '密'.repeat(100),
  'x'.repeat(LONG),
];

/** Percent-encodings that decode to no valid UTF-8 (or are no encoding at all), and bytes with meaning in a form. */
export const RAW_FRAGMENTS: readonly string[] = [
  '%',
  '%%',
  '%C3%28',
  '%FF',
  '%FE%FF',
  '%E0%A4%A',
  '%ED%A0%80',
  '%ED%BF%BF',
  '%C0%AF',
  '%C0%80',
  '%F4%90%80%80',
  '%F8%88%80%80%80',
  '%00',
  '%0',
  '%G1',
  '%u0041',
  '+',
  '%2B',
  '&',
  '=',
  '==',
  '&&&',
  ';',
  '%26%3D',
  '%5B%5D',
  '[',
  ']',
  '%0D%0A',
  '%E2%80%AE',
  '%EF%BB%BF',
];

const SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];
const ODD_UNITS = [
  '\u0000',
  ...SURROGATES,
  '\u202E',
  '\u200F',
  '\uFEFF',
  '%',
  '&',
  '=',
  '+',
  'a',
  '0',
  ' ',
  '\n',
  '王',
];

const LONE_SURROGATE = /([\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/;

/** Text as UTF-8 bytes; a lone surrogate becomes the three bytes of its code unit (WTF-8), invalid UTF-8 on the wire. */
export function wtf8(text: string): Buffer {
  if (!LONE_SURROGATE.test(text)) return Buffer.from(text, 'utf8');
  // split() with a capturing group: the lone surrogates at the odd places.
  return Buffer.concat(
    text.split(LONE_SURROGATE).map((part, i) => {
      if (i % 2 === 0) return Buffer.from(part, 'utf8');
      const c = part.charCodeAt(0);
      return Buffer.from([0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]);
    }),
  );
}

const PERCENT = Array.from({ length: 256 }, (_, b) => {
  const ch = String.fromCharCode(b);
  return /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
});

/** Percent-encodes every byte but the unreserved ones. */
export function encodeBytes(bytes: Buffer): string {
  const out: string[] = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = PERCENT[bytes[i]!]!;
  return out.join('');
}

export const enc = (v: Val): string => (typeof v === 'string' ? encodeBytes(wtf8(v)) : v.raw);

const longText = fc
  .tuple(fc.constantFrom('a', '0', '%', '\u0000', 'é', '😀', '&', ' '), fc.constantFrom(1_000, 20_000, LONG))
  .map(([c, n]) => c.repeat(Math.ceil(n / c.length)));

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 80n), max: 10n ** 80n }).map(String),
  fc.constantFrom('1e400', '-1e400', '4.9e-325', '0.1e-9999', '1'.padEnd(500, '0')),
);

function textArb(long: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...NASTY_TEXT.filter((t) => long || t.length <= 2000)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...ODD_UNITS), maxLength: 24 }) },
    { weight: 1, arbitrary: numberText },
    ...(long ? [{ weight: 1, arbitrary: longText }] : []),
  );
}

/** A string that should not upset any handler (now and then 1 kB to 100 kB long). */
export const nastyText: fc.Arbitrary<string> = textArb(true);
/** The same, at most 2 kB: for URLs and headers (16 kB of them is all Node reads: 431). */
export const shortText: fc.Arbitrary<string> = textArb(false);

/** Raw, malformed percent-encoding (or random bytes, each percent-encoded: rarely valid UTF-8). */
export const rawFragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RAW_FRAGMENTS) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => encodeBytes(Buffer.from(b))),
  },
);

function valArb(text: fc.Arbitrary<string>): fc.Arbitrary<Val> {
  return fc.oneof(
    { weight: 8, arbitrary: text },
    { weight: 2, arbitrary: rawFragment.map((raw) => ({ raw })) },
    { weight: 1, arbitrary: fc.tuple(text, rawFragment).map(([t, r]) => ({ raw: enc(t) + r })) },
  );
}

export const nastyVal: fc.Arbitrary<Val> = valArb(nastyText);
/** For query strings and path segments: short, and once in a while a URL too long for Node (414/431). */
export const urlVal: fc.Arbitrary<Val> = fc.oneof(
  { weight: 30, arbitrary: valArb(shortText) },
  { weight: 1, arbitrary: nastyVal },
);

/** Ways a form field's name can be bent (the body parser reads `a[]`, `a[b]`, `a[0]` as arrays and objects). */
export function nastyKey(fields: readonly string[]): fc.Arbitrary<Val> {
  const names = fields.length ? fields : ['q'];
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...names),
          fc.constantFrom(
            '[]',
            '[0]',
            '[1]',
            '[a]',
            '[__proto__]',
            '[constructor][prototype]',
            '[a][b][c][d][e][f][g][h]',
            '[999999]',
            '.x',
            '[',
            ']',
            '[][]',
          ),
        )
        .map(([f, d]) => ({ raw: encodeBytes(Buffer.from(f)) + d })),
    },
    { weight: 1, arbitrary: fc.constantFrom<Val>('__proto__', 'constructor', '', '_csrf', 'x'.repeat(2000)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Val>({ raw: '__proto__[polluted]' }, { raw: 'constructor[prototype][x]' }),
    },
    { weight: 2, arbitrary: nastyVal },
  );
}

// ---------------------------------------------------------------- JSON

/** A JSON value; `{ $raw }` is written into the text as it is (number literals JSON.stringify cannot make). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json } | { $raw: string };

const rawNumber = fc
  .constantFrom('1e400', '-1e400', '1'.padEnd(400, '0'), '-0', '0.0000000000000000000000001', '9007199254740993', '1E2')
  .map((r) => ({ $raw: r }));

export const jsonLeaf: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: nastyText },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })) },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 2 ** 53 + 2) },
  { weight: 1, arbitrary: rawNumber },
);

export const jsonValue: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: jsonLeaf },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), nastyText), tie('value'), { maxKeys: 3 }),
    },
  ),
})).value;

export function jsonText(v: Json): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { $raw?: unknown }).$raw === 'string')
    return (v as { $raw: string }).$raw;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x as Json)}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** JSON texts a JSON endpoint should refuse calmly. `depthFor` gives nestings just under a body limit. */
export function badJsonText(maxBytes: number): fc.Arbitrary<string> {
  const deepest = Math.floor((maxBytes - 16) / 2);
  return fc.oneof(
    fc.constantFrom(5000, 20_000, deepest).map((d) => '['.repeat(d) + ']'.repeat(d)),
    fc.constantFrom(5000, Math.floor((maxBytes - 16) / 6)).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
    fc.constantFrom(
      '',
      ' ',
      '{',
      '}',
      '[',
      '{"a":}',
      "{'a':1}",
      'nul',
      'undefined',
      'NaN',
      '\uFEFF{}',
      '[1,]',
      '{"a":1,}',
      '"\\uD800"',
      '"\\u0000"',
      '{"\\u0000":1}',
      '{"a":"\\u0000"}',
      '1'.padEnd(1000, '0'),
      '1e999999',
      '-',
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"a":1,"a":[1],"a":{"b":null}}',
      'null',
      'true',
      '0',
      '"string"',
      '[]',
      '{}',
      '[[],[],{}]',
      `"${'x'.repeat(60_000)}"`,
    ),
  );
}

// ---------------------------------------------------------------- headers

/** A header value Node's client will send: the UTF-8 bytes of the text, as latin1, with control characters dropped. */
export function headerSafe(text: string): string {
  let out = '';
  for (const ch of wtf8(text).toString('latin1')) {
    const c = ch.charCodeAt(0);
    if (c === 9 || (c >= 0x20 && c !== 0x7f)) out += ch;
  }
  return out;
}

const b64 = (s: string) => wtf8(s).toString('base64');

/** One abused header; `raw: true` when it needs bytes only a hand-written request carries (NUL, line breaks). */
export type HeaderAbuse = { name: string; value: string; raw?: boolean };

export function headerAbuse(opts: { basicIds: string[]; cookieNames: string[] }): fc.Arbitrary<HeaderAbuse> {
  const ids = opts.basicIds.length ? opts.basicIds : ['client'];
  const cookieNames = opts.cookieNames.length ? opts.cookieNames : ['csrf'];
  const authorization = fc.oneof(
    fc.tuple(shortText, shortText).map(([a, b]) => `Basic ${b64(`${a}:${b}`)}`),
    fc
      .tuple(fc.constantFrom(...ids), fc.constantFrom('%', '%ZZ', '%C3%28', 'a\u0000b', '', ':', '%00'))
      .map(([id, s]) => `Basic ${b64(`${id}:${s}`)}`),
    fc.constantFrom(...ids).map((id) => `Basic ${b64(`${id}%:x`)}`),
    fc.constantFrom(
      'Basic',
      'Basic ',
      'Basic  ',
      'Basic %%%',
      'Basic ====',
      'Basic Og==',
      'Basic AA==',
      `Basic ${b64('\u0000:\u0000')}`,
      `Basic ${b64('a')}`,
      `Basic ${b64('\uD800:\uDFFF')}`,
      `Basic ${'A'.repeat(12_000)}`,
      'Bearer',
      'Bearer ',
      'Bearer a.b.c',
      'Bearer \u00ff\u00fe',
      'DPoP x',
      'Digest username="x"',
      'basic Zm9vOmJhcg==',
      'Basic Zm9vOmJhcg==, Bearer x',
    ),
    shortText.map((t) => `Basic ${headerSafe(t)}`),
    shortText.map((t) => `Bearer ${headerSafe(t)}`),
  );
  const cookieValue = fc.oneof(
    shortText.map((t) => headerSafe(t).replace(/;/g, '').slice(0, 8000)),
    fc.constantFrom('%', '%E0%A4%A', '"', '""', '=', 'a=b=c', 'e30', 'eyJ9', 'x'.repeat(8000), '', ' '),
  );
  const cookie = fc.oneof(
    fc
      .array(fc.tuple(fc.constantFrom(...cookieNames, 'csrf', 'csrf.sig', '_interaction', '_session'), cookieValue), {
        minLength: 1,
        maxLength: 4,
      })
      .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('; ')),
    fc.constantFrom(';;;', '=', '=;=', 'a', '__proto__=1', 'constructor=1', `${'k'.repeat(4000)}=v`),
  );
  const ip = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.constantFrom(
      '',
      ',',
      ',,,',
      'unknown',
      'junk',
      '1.2.3.4, junk',
      'junk, 1.2.3.4',
      '999.999.999.999',
      '[::1]:80',
      '::ffff:127.0.0.1',
      '127.0.0.1:1234',
      '1.1.1.1,'.repeat(2000),
      '%00',
      'fe80::1%eth0',
    ),
    shortText.map(headerSafe),
  );
  const accepts = fc.constantFrom(
    '*',
    '*/*;q=abc',
    'zh-TW;q=2',
    'en;q=-1',
    ',,,',
    ';q=1',
    'xx-YY',
    'en-US,en;q=0.9,'.repeat(200),
    'application/json',
    'text/html;level=',
    'application/json, text/html;q=0',
  );
  return fc.oneof(
    { weight: 4, arbitrary: authorization.map((value) => ({ name: 'authorization', value })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('a\u0000b', 'x\u0000', `${b64('x')}\u0000`).map((v) => ({
        name: 'authorization',
        value: `Basic ${v}`,
        raw: true,
      })),
    },
    { weight: 4, arbitrary: cookie.map((value) => ({ name: 'cookie', value })) },
    { weight: 1, arbitrary: fc.constant({ name: 'cookie', value: 'csrf=a\u0000b', raw: true }) },
    { weight: 3, arbitrary: ip.map((value) => ({ name: 'x-forwarded-for', value })) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            'https',
            'http',
            'gopher',
            'https, http',
            '',
            'HTTPS',
            'ws',
            ',',
            ', https',
            'ht tp',
            '-',
            'https:',
          ),
          shortText.map(headerSafe),
        )
        .map((value) => ({ name: 'x-forwarded-proto', value })),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(accepts, shortText.map(headerSafe))
        .map((value) => ({ name: 'accept-language', value: value.slice(0, 12_000) })),
    },
    { weight: 1, arbitrary: accepts.map((value) => ({ name: 'accept', value })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(shortText.map(headerSafe), fc.constant('x'.repeat(100)))
        .map((value) => ({ name: 'x-request-id', value: value.slice(0, 4000) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('origin', 'referer', 'if-none-match', 'if-modified-since', 'range', 'dpop', 'user-agent'),
          fc.oneof(
            shortText.map(headerSafe),
            fc.constantFrom('bytes=abc', 'bytes=-1', 'W/"x"', 'Thu, 99 Foo 9999', 'null', 'a.b.c', '*'),
          ),
        )
        .map(([name, value]) => ({ name, value: value.slice(0, 12_000) })),
    },
  );
}

/** Long values in a message are shown as `<'x' × 100000>`; control characters escaped. */
export function show(value: unknown, max = 600): string {
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : (JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value));
  const squeezed = text.replace(
    /(\\u[0-9a-fA-F]{4}|\\.|.)\1{19,}/gsu,
    (run, unit: string) => `<${unit} × ${run.length / unit.length}>`,
  );
  return squeezed.length > max ? `${squeezed.slice(0, max)}… (${squeezed.length} chars)` : squeezed;
}
