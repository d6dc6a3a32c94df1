// The OpenAPI 3.1 document of a router's declared operations (registry.ts): each schema turned into JSON Schema
// 2020-12 by zod itself (z.toJSONSchema) — bodies, parameters and queries as the handler takes them (input), answers as
// it sends them (output) — and every refusal in the one error shape, with the codes each status carries.
import { z } from 'zod';
import { ErrorBody } from './error-body.ts';
import { type DocumentedOperation, isRefusal, type Method, type Refusal } from './registry.ts';

export type JsonSchema = { [key: string]: unknown };

export type OpenApiOperation = {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: 'path' | 'query'; required: boolean; description?: string; schema: JsonSchema }[];
  requestBody?: { required: true; content: Record<string, { schema: JsonSchema; example?: unknown }> };
  responses: Record<
    string,
    { description: string; headers?: JsonSchema; content?: Record<string, { schema: JsonSchema }> }
  >;
};

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Partial<Record<Method, OpenApiOperation>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
};

export const BASIC_SCHEME = 'clientSecretBasic';

/** JSON Schema 2020-12 of a zod schema, as the request gives it (`input`) or the answer carries it (`output`). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  return rest;
}

/** `/api/schools/:code/roster` → `/api/schools/{code}/roster`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

const operationId = (method: Method, path: string) =>
  method +
  path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

function parameters(op: DocumentedOperation): OpenApiOperation['parameters'] {
  const out: NonNullable<OpenApiOperation['parameters']> = [];
  for (const [where, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!schema) continue;
    const json = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const description = typeof property.description === 'string' ? property.description : undefined;
      out.push({
        name,
        in: where,
        required: where === 'path' || !!json.required?.includes(name),
        description,
        schema: property,
      });
    }
  }
  return out.length ? out : undefined;
}

/** What every call may meet besides the route's own refusals: authentication, the body parser, a store down. */
function commonRefusals(op: DocumentedOperation): [number, Refusal][] {
  const out: [number, Refusal][] = [];
  if (op.permission) {
    out.push([401, { description: 'Client authentication failed.', errors: ['invalid_client'] }]);
    out.push([403, { description: 'The client lacks the permission.', errors: ['insufficient_permission'] }]);
    out.push([
      429,
      {
        description:
          'Too many failed client authentications from this client or address: try again after `Retry-After` seconds.',
        errors: ['too_many'],
      },
    ]);
  }
  if (op.body) {
    out.push([
      400,
      { description: 'The body is not JSON, or holds a NUL character.', errors: ['invalid_request', 'bad_characters'] },
    ]);
    out.push([413, { description: 'The body is too large.', errors: ['too_large'] }]);
    out.push([
      415,
      {
        description: 'The body is not `application/json`, or is compressed.',
        errors: ['unsupported_media_type', 'unsupported_encoding'],
      },
    ]);
  }
  out.push([
    503,
    { description: 'A store does not answer: try again after `Retry-After` seconds.', errors: ['unavailable'] },
  ]);
  return out;
}

/** The refusals of each status: the common ones' and the route's own, their descriptions and codes together. */
function refusals(op: DocumentedOperation): Map<number, Refusal> {
  const out = new Map<number, Refusal>();
  const own = Object.entries(op.responses).flatMap(([s, r]) => (isRefusal(r) ? [[Number(s), r] as const] : []));
  for (const [status, r] of [...commonRefusals(op), ...own]) {
    const before = out.get(status);
    out.set(status, {
      description: before ? `${before.description} ${r.description}` : r.description,
      errors: [...new Set([...(before?.errors ?? []), ...r.errors])],
    });
  }
  return out;
}

const errorSchema = (codes: readonly string[]): JsonSchema => ({
  allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error: { enum: [...codes] } } }],
});

function responses(op: DocumentedOperation): OpenApiOperation['responses'] {
  const out: OpenApiOperation['responses'] = {};
  for (const [status, r] of Object.entries(op.responses)) {
    if (isRefusal(r)) continue;
    out[status] = { description: r.description };
    if (r.schema) out[status].content = { [r.type ?? 'application/json']: { schema: jsonSchema(r.schema, 'output') } };
  }
  for (const [status, r] of [...refusals(op)].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `${r.description} (${r.errors.map((e) => `\`${e}\``).join(', ')})`,
      ...(status === 401 ? { headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } } : {}),
      content: { 'application/json': { schema: errorSchema(r.errors) } },
    };
  }
  return out;
}

function operation(op: DocumentedOperation): OpenApiOperation {
  const out: OpenApiOperation = {
    operationId: operationId(op.method, op.path),
    tags: [op.tag],
    summary: op.summary,
    description: op.description,
    security: op.permission ? [{ [BASIC_SCHEME]: [op.permission] }] : [],
    parameters: parameters(op),
    responses: responses(op),
  };
  if (op.body) {
    const content = {
      schema: jsonSchema(op.body, 'input'),
      ...(op.example === undefined ? {} : { example: op.example }),
    };
    out.requestBody = { required: true, content: { 'application/json': content } };
  }
  if (!out.parameters) delete out.parameters;
  return out;
}

export function openApiDocument(
  operations: readonly DocumentedOperation[],
  info: { version: string; server: string },
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    paths[path] ??= {};
    paths[path][op.method] = operation(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'campus-sso API',
      version: info.version,
      description:
        'The JSON APIs of campus-sso for school-affairs systems and the bureau. Server-to-server calls authenticate with HTTP Basic (the client id and secret); national IDs go in bodies, never in URLs. Every refusal has the same shape (`Error`).',
    },
    servers: [{ url: info.server }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
      securitySchemes: {
        [BASIC_SCHEME]: {
          type: 'http',
          scheme: 'basic',
          description:
            'The client id and secret the bureau issued (form-encoded inside, as RFC 6749 §2.3.1 says), and a permission the bureau granted the client (client metadata `permissions`).',
        },
      },
    },
  };
}
