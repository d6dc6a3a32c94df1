// The reference page's view of the OpenAPI document (the very document /api/openapi.json serves): operations grouped by
// tag, each schema flattened into rows of fields (`student.national_id`, `guardians[].status`) with its type and rules.
import type { JsonSchema, OpenApiDocument, OpenApiOperation } from '../../web/openapi/document.ts';

/** A rule of a field, as a text key and its values (the page translates it). */
export type Rule = { key: string; values: Record<string, string | number> };
/** Text with `code` spans, as the descriptions write them. */
export type Span = { text: string; code: boolean };
export type Field = { name: string; type: string; required: boolean; description: Span[]; rules: Rule[] };

export type PageOperation = {
  id: string;
  method: string;
  path: string;
  summary: string;
  description: Span[][];
  permission?: string;
  parameters: (Field & { in: string })[];
  body?: { fields: Field[]; example?: string };
  responses: { status: string; description: Span[]; fields: Field[] }[];
};
export type Reference = { groups: { tag: string; operations: PageOperation[] }[]; errorFields: Field[] };

/** `a \`b\` c` → a, b (code), c. */
export const spans = (text: string): Span[] =>
  text
    .split('`')
    .map((t, i) => ({ text: t, code: i % 2 === 1 }))
    .filter((s) => s.text !== '');

const paragraphs = (text: string) => text.split(/\n\n+/).map(spans);
const described = (s: JsonSchema) => (typeof s.description === 'string' ? spans(s.description) : []);

const RULES: [string, string][] = [
  ['pattern', 'pattern'],
  ['format', 'format'],
  ['minLength', 'minLength'],
  ['maxLength', 'maxLength'],
  ['minimum', 'minimum'],
  ['maximum', 'maximum'],
  ['minItems', 'minItems'],
  ['maxItems', 'maxItems'],
];

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return alternatives.map(typeOf).join(' | ');
  if (s.type === 'array') return `array of ${typeOf((s.items as JsonSchema | undefined) ?? {})}`;
  const values = s.additionalProperties;
  if (s.type === 'object' && values && typeof values === 'object' && !s.properties)
    return `object of ${typeOf(values as JsonSchema)}`;
  return Array.isArray(s.type) ? s.type.join(' | ') : typeof s.type === 'string' ? s.type : 'any';
}

function rulesOf(s: JsonSchema): Rule[] {
  const rules: Rule[] = [];
  if (Array.isArray(s.enum)) rules.push({ key: 'oneOf', values: { values: s.enum.map(String).join(', ') } });
  for (const [property, key] of RULES) {
    // A format says what its pattern spells out (an email address, a date).
    if (property === 'pattern' && s.format) continue;
    const v = s[property];
    // zod's integers carry the safe-integer bounds: no rule a reader needs.
    if (typeof v === 'number' && Math.abs(v) === Number.MAX_SAFE_INTEGER) continue;
    if (typeof v === 'string' || typeof v === 'number') rules.push({ key, values: { value: v } });
  }
  if (s.default !== undefined) rules.push({ key: 'default', values: { value: JSON.stringify(s.default) } });
  return rules;
}

/** The fields of a schema, nested ones after their parent: `parent.child`, `list[].child`. */
export function fieldsOf(s: JsonSchema, prefix = ''): Field[] {
  if (s.type === 'array' && s.items) return fieldsOf(s.items as JsonSchema, `${prefix}[]`);
  const properties = s.properties as Record<string, JsonSchema> | undefined;
  const values = s.additionalProperties;
  if (!properties && values && typeof values === 'object') return fieldsOf(values as JsonSchema, `${prefix}.*`);
  if (!properties) return [];
  const required = (s.required as string[] | undefined) ?? [];
  return Object.entries(properties).flatMap(([key, p]) => {
    const name = prefix ? `${prefix}.${key}` : key;
    const field = {
      name,
      type: typeOf(p),
      required: required.includes(key),
      description: described(p),
      rules: rulesOf(p),
    };
    return [field, ...fieldsOf(p, name)];
  });
}

function pageOperation(method: string, path: string, op: OpenApiOperation): PageOperation {
  const body = op.requestBody?.content['application/json'];
  return {
    id: op.operationId,
    method: method.toUpperCase(),
    path,
    summary: op.summary,
    description: paragraphs(op.description),
    permission: op.security?.flatMap((s) => Object.values(s).flat())[0],
    parameters: (op.parameters ?? []).map((p) => ({
      in: p.in,
      name: p.name,
      type: typeOf(p.schema),
      required: p.required,
      description: described(p.schema),
      rules: rulesOf(p.schema),
    })),
    body: body && {
      fields: fieldsOf(body.schema),
      example: body.example === undefined ? undefined : JSON.stringify(body.example, null, 2),
    },
    responses: Object.entries(op.responses).map(([status, r]) => {
      const schema = r.content?.['application/json']?.schema;
      const own = schema && !schema.allOf;
      return { status, description: spans(r.description), fields: own ? fieldsOf(schema) : [] };
    }),
  };
}

export function referenceOf(doc: OpenApiDocument): Reference {
  const groups = doc.tags.map((t) => ({ tag: t.name, operations: [] as PageOperation[] }));
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods) as [string, OpenApiOperation][])
      groups.find((g) => g.tag === op.tags[0])?.operations.push(pageOperation(method, path, op));
  return { groups, errorFields: fieldsOf(doc.components.schemas.Error ?? {}) };
}
