// One fuzzed request, as fast-check makes and shrinks it (plain data), and how it is turned into bytes from a state
// (the state's cookies, CSRF token, real path parameters, valid field values and API credentials).
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { type Ctx, randomIp, type World } from './contexts.ts';
import type { Wire } from './http.ts';
import type { Target } from './targets.ts';
import {
  badJsonText,
  enc,
  type HeaderAbuse,
  headerAbuse,
  type Json,
  jsonText,
  jsonValue,
  nastyKey,
  nastyText,
  nastyVal,
  rawFragment,
  urlVal,
  type Val,
} from './values.ts';

/** `null`: the state's real (valid) value. */
export type Field = [name: Val, value: Val | null];

export type CsrfMode = 'valid' | 'missing' | 'wrong' | 'twice' | 'array' | 'empty' | 'last';
export type AuthMode = 'valid' | 'none' | 'wrong-secret';

export type JsonBody = Json | { $text: string };

/**
 * A Content-Encoding header; `compress`: the body really is compressed that way (`cut`: then cut short), otherwise
 * the header lies about a plain body.
 */
export type Encoding = { header: string; compress?: 'gzip' | 'deflate' | 'br'; cut?: boolean };

export type BodyInput =
  | { kind: 'none' }
  | {
      kind: 'form';
      csrf: CsrfMode;
      captcha: 'valid' | 'as-typed';
      fields: Field[];
      /** null: no Content-Type header. */
      contentType: string | null;
      contentEncoding?: Encoding;
      chunked: boolean;
    }
  | { kind: 'json'; value: JsonBody; contentType: string | null; contentEncoding?: Encoding; chunked: boolean }
  /** A body over the limit; `gzip`: sent compressed (a few hundred bytes that inflate past the limit). */
  | { kind: 'oversize'; bytes: number; contentType: string | null; chunked: boolean; gzip: boolean }
  | { kind: 'text'; text: string; contentType: string | null };

export type Input = {
  /** Another method than the route's (rarely). */
  method?: string;
  /** Path parameters; null: the real one. */
  params: Record<string, Val | null>;
  /** The state's own query values (a token, a ticket) first. */
  keepQuery: boolean;
  query: Field[];
  auth: AuthMode;
  body: BodyInput;
  headers: HeaderAbuse[];
  /** Only for `ANY /*`: a made-up path. */
  path?: Val[];
};

const FORM = 'application/x-www-form-urlencoded';

const paramVal: fc.Arbitrary<Val | null> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: urlVal },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Val>(
      '',
      '..',
      { raw: '%2e%2e' },
      { raw: '%2F' },
      'a'.repeat(5000),
      { raw: '%00' },
      {
        raw: '..%2F..%2F',
      },
    ),
  },
);

/**
 * Form (or query) fields: the valid ones kept, up to three of them replaced by a malformed value, sent twice (a=1&a=2)
 * or left out, and up to two fields more (odd names: `a[]`, `a[b]`, `__proto__`, …).
 */
function fieldsArb(names: string[], hasGood: (n: string) => boolean, value: fc.Arbitrary<Val>): fc.Arbitrary<Field[]> {
  type Edit = [string, Val, 'replace' | 'twice' | 'omit'];
  const edits = names.length
    ? fc.oneof(
        { weight: 1, arbitrary: fc.constant<Edit[]>([]) },
        {
          weight: 3,
          arbitrary: fc.array(
            fc.tuple(
              fc.constantFrom(...names),
              value,
              fc.constantFrom('replace' as const, 'twice' as const, 'omit' as const),
            ),
            { minLength: 1, maxLength: 3 },
          ),
        },
      )
    : fc.constant<Edit[]>([]);
  const extra = fc.array(fc.tuple(nastyKey(names), value) as fc.Arbitrary<Field>, { maxLength: 2 });
  return fc.tuple(edits, extra).map(([changes, more]) => {
    const out: Field[] = [];
    for (const name of names) {
      const mine = changes.filter(([n]) => n === name);
      if (!mine.length) {
        if (hasGood(name)) out.push([name, null]);
        continue;
      }
      for (const [, v, how] of mine) {
        if (how === 'omit') continue;
        if (how === 'twice') out.push([name, null]);
        out.push([name, v]);
      }
    }
    return [...out, ...more];
  });
}

const formContentType: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 14, arbitrary: fc.constant(FORM) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      `${FORM}; charset=utf-8`,
      `${FORM}; charset=utf-16`,
      `${FORM}; charset=latin1`,
      `${FORM}; charset=bogus`,
      `${FORM}; charset="`,
      `${FORM};;;`,
      'APPLICATION/X-WWW-FORM-URLENCODED',
      `${FORM}, application/json`,
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=fuzz',
      'multipart/form-data',
      '',
      'x/y',
      '*/*',
      ';',
    ),
  },
  { weight: 1, arbitrary: fc.constant(null) },
);

const jsonContentType: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 14, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=bogus',
      'application/vnd.api+json',
      'application/json-patch+json',
      'application/csp-report',
      'text/plain',
      FORM,
      'multipart/form-data; boundary=fuzz',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.constant(null) },
);

const contentEncoding: fc.Arbitrary<Encoding | undefined> = fc.oneof(
  { weight: 16, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        'gzip',
        'deflate',
        'br',
        'identity',
        'identity, gzip',
        'gzip, gzip',
        'GZIP',
        'x-gzip',
        'bogus',
        'zstd',
      )
      .map((header) => ({ header })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('gzip' as const, 'deflate' as const, 'br' as const), fc.boolean())
      .map(([compress, cut]) => ({ header: compress, compress, cut })),
  },
);

function encode(body: Buffer, e: Encoding): Buffer {
  if (!e.compress) return body;
  const packed =
    e.compress === 'gzip'
      ? zlib.gzipSync(body)
      : e.compress === 'deflate'
        ? zlib.deflateSync(body)
        : zlib.brotliCompressSync(body);
  return e.cut ? packed.subarray(0, Math.ceil(packed.length / 2)) : packed;
}

/** A JSON body: the valid one with fields replaced, left out or added; or no object at all. */
function jsonBodyArb(t: Target): fc.Arbitrary<JsonBody> {
  const names = t.fields.length ? t.fields : ['x'];
  const mutation = fc.dictionary(fc.constantFrom(...names), fc.oneof(jsonValue, fc.constant<Json>('$omit')), {
    maxKeys: 4,
  });
  const extra = fc.dictionary(fc.oneof(nastyText, fc.constantFrom('__proto__', 'constructor')), jsonValue, {
    maxKeys: 2,
  });
  const edited = fc.tuple(mutation, extra).map(([m, e]) => ({ $edit: m, $extra: e }) as unknown as Json);
  const rows = fc.array(edited, { minLength: 1, maxLength: 3 }).map((r) => ({ $rows: r }) as unknown as Json);
  return fc.oneof(
    { weight: 7, arbitrary: t.path.includes('roster-credentials') ? rows : edited },
    { weight: 2, arbitrary: badJsonText(t.limit ?? 64 * 1024).map(($text) => ({ $text })) },
    { weight: 1, arbitrary: jsonValue },
    {
      weight: 1,
      arbitrary: fc.constantFrom(5001, 100).map((n) => ({ $many: n }) as unknown as Json),
    },
  );
}

export function inputArb(t: Target, w: World, cookieNames: string[]): fc.Arbitrary<Input> {
  const paramNames = [...t.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const params = fc.record(Object.fromEntries(paramNames.map((n) => [n, paramVal]))) as fc.Arbitrary<
    Record<string, Val | null>
  >;
  const queryNames = t.query.length ? t.query : ['q'];
  // A page's query: each known parameter real (null), fuzzed, left out or given twice, and a few more.
  // A form's: a few more after the state's own (a token, a ticket).
  const query: fc.Arbitrary<Field[]> =
    t.body === 'none'
      ? fieldsArb(queryNames, () => true, urlVal)
      : fc.array(
          fc.oneof(
            { weight: 2, arbitrary: fc.tuple(fc.constantFrom<Val>(...queryNames), urlVal) },
            { weight: 1, arbitrary: fc.tuple(nastyKey(queryNames), urlVal) },
            {
              weight: 1,
              arbitrary: fc.tuple(
                rawFragment.map((raw): Val => ({ raw })),
                fc.constant<Val>(''),
              ),
            },
          ) as fc.Arbitrary<Field>,
          { maxLength: 2 },
        );
  const blank: Ctx = { params: {}, query: {}, forms: [] } as unknown as Ctx;
  const goodNames = new Set(t.good ? Object.keys(t.good(blank, w)) : []);
  if (t.captcha) for (const n of ['question_token', 'question_answer']) goodNames.add(n);
  if (t.path === '/interaction/:uid/identity') goodNames.add('identity');
  const fieldNames = [...new Set([...t.fields, ...goodNames])];

  const limit = t.limit ?? 64 * 1024;
  const oversize = fc.record({
    kind: fc.constant('oversize' as const),
    bytes: fc.constantFrom(limit + 1, limit * 2, 1024 * 1024 + 7),
    contentType: t.body === 'json' ? fc.constant('application/json') : fc.constant(FORM),
    chunked: fc.boolean(),
    gzip: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  });
  const oddBody = fc.record({
    kind: fc.constant('text' as const),
    text: fc.oneof(
      nastyText,
      fc.constantFrom(
        '',
        '\u0000',
        '--fuzz\r\n\r\n--fuzz--',
        '\x1f\x8b\x08\x00garbage',
        'a=1&'.repeat(3000),
        'a[]=1&'.repeat(3000),
        `${'a['.repeat(200)}${']'.repeat(200)}=1`,
        '&&&&=&=&==',
      ),
    ),
    contentType: fc.oneof(formContentType, jsonContentType),
  });
  let body: fc.Arbitrary<BodyInput>;
  if (t.body === 'form') {
    const formBody = fc.record({
      kind: fc.constant('form' as const),
      csrf: t.csrf
        ? fc.oneof(
            { weight: 8, arbitrary: fc.constant<CsrfMode>('valid') },
            {
              weight: 3,
              arbitrary: fc.constantFrom<CsrfMode>('missing', 'wrong', 'twice', 'array', 'empty', 'last'),
            },
          )
        : fc.constant<CsrfMode>('missing'),
      captcha: t.captcha
        ? fc.constantFrom<'valid' | 'as-typed'>('valid', 'as-typed')
        : fc.constant('as-typed' as const),
      fields: fieldsArb(fieldNames, (n) => goodNames.has(n), nastyVal),
      contentType: formContentType,
      contentEncoding,
      chunked: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }) as fc.Arbitrary<BodyInput>;
    body = fc.oneof(
      { weight: 12, arbitrary: formBody },
      { weight: 1, arbitrary: oversize },
      { weight: 1, arbitrary: oddBody },
    );
  } else if (t.body === 'json') {
    const jsonBody = fc.record({
      kind: fc.constant('json' as const),
      value: jsonBodyArb(t),
      contentType: jsonContentType,
      contentEncoding,
      chunked: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    });
    body = fc.oneof(
      { weight: 12, arbitrary: jsonBody },
      { weight: 1, arbitrary: oversize },
      { weight: 1, arbitrary: oddBody },
    );
  } else {
    body = fc.oneof(
      { weight: 12, arbitrary: fc.constant<BodyInput>({ kind: 'none' }) },
      { weight: 1, arbitrary: oddBody },
      { weight: 1, arbitrary: oversize },
    );
  }
  const basicIds = [w.conf.id, w.sis.id, w.roster.id, w.rp.id];
  return fc.record({
    method: fc.oneof(
      { weight: t.path === '*' ? 6 : 24, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
    ),
    params,
    keepQuery: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    query,
    auth: t.auth
      ? fc.oneof(
          { weight: 8, arbitrary: fc.constant<AuthMode>('valid') },
          { weight: 1, arbitrary: fc.constantFrom<AuthMode>('none', 'wrong-secret') },
        )
      : fc.constant<AuthMode>('none'),
    body,
    headers: fc.oneof(
      { weight: 7, arbitrary: fc.constant<HeaderAbuse[]>([]) },
      {
        weight: 3,
        arbitrary: fc.array(headerAbuse({ basicIds, cookieNames }), { minLength: 1, maxLength: 3 }),
      },
    ),
    path: t.path === '*' ? fc.array(urlVal, { minLength: 1, maxLength: 4 }) : fc.constant(undefined),
  }) as fc.Arbitrary<Input>;
}

// ---------------------------------------------------------------- rendering

/** The valid value of a field in this state: the route's good values, or the value the page's form carried. */
async function goodValues(t: Target, ctx: Ctx, w: World): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (t.path !== '*') {
    const pattern = new RegExp(`^${t.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}$`);
    const page = ctx.forms.find((f) => pattern.test(f.action.split('?')[0]!));
    if (page) for (const [k, v] of page.fields) if (k !== '_csrf') out[k] = v;
  }
  Object.assign(out, t.good?.(ctx, w) ?? {});
  return out;
}

const encPair = ([k, v]: [Val, Val]) => `${enc(k)}=${enc(v)}`;

function editJson(base: Json, edit: Record<string, Json>, extra: Record<string, Json>): Json {
  const obj: Record<string, Json> =
    base !== null && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Record<string, Json>) } : {};
  for (const [k, v] of Object.entries(edit)) {
    if (v === '$omit') delete obj[k];
    else obj[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) obj[k] = v;
  return obj;
}

function jsonBodyText(t: Target, ctx: Ctx, w: World, value: JsonBody): string {
  const v = value as Record<string, unknown> | null;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if (typeof v.$text === 'string') return v.$text;
    const good = t.goodJson?.(ctx, w) ?? {};
    const row = (Array.isArray(good) ? good[0] : good) as Json;
    type Edit = { $edit: Record<string, Json>; $extra: Record<string, Json> };
    if ('$edit' in v) return jsonText(editJson(row, (v as Edit).$edit, (v as Edit).$extra));
    if ('$rows' in v) return jsonText((v.$rows as Edit[]).map((r) => editJson(row, r.$edit, r.$extra)));
    if ('$many' in v) return jsonText(Array.from({ length: Number(v.$many) }, () => row));
  }
  return jsonText(value as Json);
}

export type Rendered = {
  wire: Wire;
  /** The X-Request-Id sent (undefined when a fuzzed one replaced it). */
  requestId?: string;
  expect413: boolean;
};

let counter = 0;

export async function render(t: Target, input: Input, ctx: Ctx, w: World): Promise<Rendered> {
  const method = input.method ?? t.method;
  // Path, with real or fuzzed parameters.
  let path: string;
  if (t.path === '*') path = `/${(input.path ?? []).map(enc).join('/')}`;
  else
    path = t.path.replace(/:(\w+)/g, (_m, name: string) => {
      const v = input.params[name];
      return v === null || v === undefined
        ? encodeURIComponent(ctx.params[name] ?? w.defaultParams()[name] ?? 'none')
        : enc(v);
    });
  const good = await goodValues(t, ctx, w);
  const queryParts: string[] = [];
  if (input.keepQuery && t.body !== 'none')
    for (const name of t.query) {
      const real = ctx.query[name];
      if (real !== undefined) queryParts.push(`${encodeURIComponent(name)}=${encodeURIComponent(real)}`);
    }
  for (const [k, v] of input.query) {
    if (v !== null) queryParts.push(encPair([k, v]));
    else if (typeof k === 'string') {
      const real = ctx.query[k] ?? good[k];
      if (real !== undefined) queryParts.push(`${enc(k)}=${encodeURIComponent(real)}`);
    }
  }
  const target = queryParts.length ? `${path}?${queryParts.join('&')}` : path;

  const requestId = `fz-${process.pid}-${++counter}`;
  const headers: [string, string][] = [
    ['x-request-id', requestId],
    // An address of its own per request: the per-address limits (sign-in failures, challenges) stay out of the way.
    ['x-forwarded-for', randomIp()],
    ['accept', 'text/html,application/json;q=0.9,*/*;q=0.8'],
  ];
  const cookie = ctx.agent.cookieHeader();
  if (cookie) headers.push(['cookie', cookie]);
  if (t.auth && input.auth !== 'none') {
    const wrong = input.auth === 'wrong-secret';
    const value =
      t.auth === 'access'
        ? `Bearer ${wrong ? 'x'.repeat(43) : w.tokens.access}`
        : t.auth === 'iat'
          ? `Bearer ${wrong ? 'x'.repeat(43) : w.iat}`
          : t.auth === 'rat'
            ? `Bearer ${wrong ? 'x'.repeat(43) : (ctx.bearer ?? '')}`
            : wrong
              ? `Basic ${Buffer.from(`${w[t.auth].id}:wrong-secret`).toString('base64')}`
              : w.basic(t.auth);
    headers.push(['authorization', value]);
  }

  let body: Buffer | undefined;
  let chunked = false;
  let expect413 = false;
  const b = input.body;
  if (b.kind === 'form') {
    const values = b.captcha === 'valid' ? { ...good, ...(await w.captcha()) } : good;
    const pairs: string[] = [];
    const token = ctx.csrf;
    if (b.csrf === 'valid') pairs.push(`_csrf=${encodeURIComponent(token)}`);
    else if (b.csrf === 'wrong') pairs.push(`_csrf=${crypto.randomBytes(32).toString('base64url')}`);
    else if (b.csrf === 'twice') pairs.push(`_csrf=${encodeURIComponent(token)}`, `_csrf=${encodeURIComponent(token)}`);
    else if (b.csrf === 'array') pairs.push(`_csrf%5B%5D=${encodeURIComponent(token)}`);
    else if (b.csrf === 'empty') pairs.push('_csrf=');
    for (const [k, v] of b.fields) {
      const name = typeof k === 'string' ? k : undefined;
      const value: Val = v ?? (name !== undefined ? (values[name] ?? '') : '');
      pairs.push(encPair([k, value]));
    }
    if (b.csrf === 'last') pairs.push(`_csrf=${encodeURIComponent(token)}`);
    body = Buffer.from(pairs.join('&'), 'latin1');
    if (b.contentType !== null) headers.push(['content-type', b.contentType]);
    if (b.contentEncoding) {
      headers.push(['content-encoding', b.contentEncoding.header]);
      body = encode(body, b.contentEncoding);
    }
    chunked = b.chunked;
  } else if (b.kind === 'json') {
    body = Buffer.from(jsonBodyText(t, ctx, w, b.value), 'utf8');
    if (b.contentType !== null) headers.push(['content-type', b.contentType]);
    if (b.contentEncoding) {
      headers.push(['content-encoding', b.contentEncoding.header]);
      body = encode(body, b.contentEncoding);
    }
    chunked = b.chunked;
  } else if (b.kind === 'oversize') {
    const prefix = t.body === 'json' ? '{"x":"' : `_csrf=${encodeURIComponent(ctx.csrf)}&x=`;
    const suffix = t.body === 'json' ? '"}' : '';
    body = Buffer.from(prefix + 'a'.repeat(Math.max(0, b.bytes - prefix.length - suffix.length)) + suffix);
    if (b.contentType !== null) headers.push(['content-type', b.contentType]);
    if (b.gzip) {
      headers.push(['content-encoding', 'gzip']);
      body = zlib.gzipSync(body);
    }
    chunked = b.chunked;
    expect413 =
      t.limit !== undefined &&
      b.bytes > t.limit &&
      input.method === undefined &&
      input.headers.length === 0 &&
      Object.values(input.params).every((v) => v === null);
  } else if (b.kind === 'text') {
    body = Buffer.from(b.text, 'utf8');
    if (b.contentType !== null) headers.push(['content-type', b.contentType]);
  }

  // Abused headers replace the ones of the same name that identify the caller, and are added otherwise.
  const replaces = new Set(['authorization', 'cookie', 'x-forwarded-for', 'x-request-id', 'accept']);
  let raw = false;
  let sentId: string | undefined = requestId;
  for (const h of input.headers) {
    if (h.name === 'x-request-id') sentId = undefined;
    if (replaces.has(h.name)) {
      const i = headers.findIndex(([k]) => k === h.name);
      if (i >= 0) headers.splice(i, 1);
    }
    headers.push([h.name, h.value]);
    raw ||= h.raw === true;
  }
  return { wire: { method, target, headers, body, chunked, raw }, requestId: sentId, expect413 };
}
