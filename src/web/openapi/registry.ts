// The JSON APIs' operations, declared where their routes are registered: `api.post(path, operation, ...middleware)`
// registers the Koa route and documents it with the very zod schemas its handler validates with. document.ts turns a
// router's operations into the OpenAPI document; a route under /api/ registered without one fails a test.
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import type { Permission } from '../../domain/clients/api-client.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A success: its description and the schema its body is checked with (none: no JSON body; `type` another media type). */
export type Success = { description: string; schema?: z.ZodType; type?: string };
/** A refusal: the one error shape (error-body.ts), with the `error` codes the route answers with this status. */
export type Refusal = { description: string; errors: readonly string[] };

export type Operation = {
  /** The group on the reference page (`sis`, `roster`, …). */
  tag: string;
  summary: string;
  description: string;
  /** HTTP Basic with a client's id and secret, and the permission the bureau granted it (none: open to anyone). */
  permission?: Permission;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** The JSON body, as the handler parses it. */
  body?: z.ZodType;
  /** A body the handler accepts (shown in the document; the tests send it). */
  example?: unknown;
  responses: Record<number, Success | Refusal>;
};

export type DocumentedOperation = Operation & { method: Method; path: string };

export const ok = (description: string, schema?: z.ZodType, type?: string): Success => ({ description, schema, type });
export const refused = (description: string, ...errors: string[]): Refusal => ({ description, errors });
export const isRefusal = (r: Success | Refusal): r is Refusal => 'errors' in r;

const declared = new WeakMap<Router, DocumentedOperation[]>();

/** The operations declared on this router, in the order of their routes. */
export const operationsOf = (router: Router): readonly DocumentedOperation[] => declared.get(router) ?? [];

/** Each `:name` of the path is a key of the params schema: a route cannot be documented with a parameter missing. */
function checkParams(path: string, op: Operation): void {
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const known = Object.keys(op.params?.shape ?? {});
  const missing = names.filter((n) => !known.includes(n));
  if (missing.length) throw new Error(`${path}: the operation's params schema lacks ${missing.join(', ')}`);
}

type Register = (path: string, operation: Operation, ...middleware: Middleware[]) => void;

/** `documented(router).post(path, operation, ...middleware)`: the route, and its operation in the API reference. */
export function documented(router: Router): Record<Method, Register> {
  const list = declared.get(router) ?? [];
  declared.set(router, list);
  const on =
    (method: Method): Register =>
    (path, operation, ...middleware) => {
      if (!path.startsWith('/api/')) throw new Error(`${path}: documented operations live under /api/`);
      checkParams(path, operation);
      list.push({ ...operation, method, path });
      (router[method] as (path: string, ...mw: Middleware[]) => Router)(path, ...middleware);
    };
  return { get: on('get'), post: on('post'), put: on('put'), patch: on('patch'), delete: on('delete') };
}
