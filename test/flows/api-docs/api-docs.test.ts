// The API reference over HTTP: every route under /api/ that the flows register has its operation in the served
// OpenAPI document (and the document names no route that is not there); the document is valid OpenAPI 3.1; and each
// documented request body is the handler's — the example is accepted by the real server, with an answer that fits the
// documented response schema, while the example without a field the document lists as required, with a field it does
// not know, or with a value outside a documented list is refused with 400. The roster's examples are the Excel
// templates' example rows, whose national IDs are no one's: sent as they are they are refused as the example
// (`exampleRow`), so the test sends them with national IDs of its own.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import Router from '@koa/router';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EXAMPLE_NATIONAL_IDS } from '../../../src/domain/schools/import/rows.ts';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { FLOWS } from '../../../src/flows/index.ts';
import '../../../src/flows/school/texts.ts';
import { translator } from '../../../src/platform/i18n/index.ts';
import { parseSettings } from '../../../src/platform/settings.ts';
import type { JsonSchema, OpenApiDocument, OpenApiOperation } from '../../../src/web/openapi/document.ts';
import { openApiPath } from '../../../src/web/openapi/document.ts';
import { operationsOf } from '../../../src/web/openapi/registry.ts';
import { personWith } from '../../helpers/account.ts';
import { randomNationalId } from '../../helpers/national-ids.ts';
import { registerClient } from '../../helpers/rp.ts';
import { setSemester } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const tag = () => crypto.randomBytes(4).toString('hex');
const SCHOOL = `4${String(crypto.randomInt(0, 100_000)).padStart(5, '0')}`;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const { version } = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));

type Op = { method: string; path: string; operation: OpenApiOperation };

describe(`the API reference (${storageMode})`, () => {
  let server: TestServer;
  let doc: OpenApiDocument;
  const sis = { id: `docs-sis-${tag()}`, secret: `docs-sis-secret-${tag()}-0123456789abcdef` };
  const roster = { id: `docs-roster-${tag()}`, secret: `docs-roster-secret-${tag()}-0123456789abcdef` };

  before(async () => {
    server = await startTestServer();
    const db = server.storage.db;
    await upsertSchool(db, { code: SCHOOL, name: `私立文件高職${SCHOOL}`, level: 'vocational', kind: 'private' });
    await registerClient(
      server,
      { client_id: sis.id, permissions: ['sis'], redirect_uris: ['https://sis.example.edu.tw/sso/callback'] },
      sis.secret,
    );
    await registerClient(
      server,
      { client_id: roster.id, permissions: ['roster'], school_codes: [SCHOOL] },
      roster.secret,
    );
    const admin = await personWith(server, [{ schoolCode: SCHOOL, role: 'school_admin' }], 'docs-admin');
    await setSemester(server, SCHOOL, admin.personId);
    const res = await fetch(`${server.issuer}/api/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = await res.json();
  });
  after(async () => {
    await server?.close();
  });

  const operations = (): Op[] =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method,
        path,
        operation: operation as OpenApiOperation,
      })),
    );

  it('documents every route under /api/ the flows register, and no other', () => {
    // The routes as the server mounts them (src/server.ts): every flow on one router.
    const router = new Router();
    for (const flow of FLOWS.filter((f) => f.when?.(parseSettings(server.env)) ?? true))
      flow.routes(router, server.services);
    const routes = new Set(
      router.stack
        .filter((layer) => String(layer.path).startsWith('/api/'))
        .flatMap((layer) =>
          layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${openApiPath(String(layer.path))}`),
        ),
    );
    const served = new Set(operations().map((o) => `${o.method.toUpperCase()} ${o.path}`));
    assert.deepEqual(
      [...routes].filter((r) => !served.has(r)),
      [],
      'routes under /api/ without an operation: register them with documented(router) (src/web/openapi/registry.ts)',
    );
    assert.deepEqual(
      [...served].filter((r) => !routes.has(r)),
      [],
      'operations without a route',
    );
    assert.equal(operationsOf(router).length, served.size, 'each operation declared once');
    assert.ok(served.has('POST /api/sis/handles') && served.has('PUT /api/schools/{code}/roster/students-parents'));
  });

  it("names every error an API call may answer in the school's sync log, in words in both languages", () => {
    // The sync log (/school/:code/sync-log) shows each logged call's result; a code without words would be shown as
    // the code (it was, for invalid_client, no_semester, already_bound …).
    const codes = new Set<string>();
    for (const { operation } of operations())
      for (const response of Object.values(operation.responses)) {
        const schema = response.content?.['application/json']?.schema as { allOf?: JsonSchema[] } | undefined;
        for (const part of schema?.allOf ?? []) {
          const error = (part.properties as { error?: { enum?: string[] } } | undefined)?.error;
          for (const code of error?.enum ?? []) codes.add(code);
        }
      }
    assert.ok(codes.has('invalid_client') && codes.has('already_bound') && codes.has('no_semester'), [...codes].join());
    for (const locale of ['zh-TW', 'en'] as const) {
      const t = translator(locale);
      const missing = [...codes].filter((c) => t(`school.syncLog.messages.${c}`) === `school.syncLog.messages.${c}`);
      assert.deepEqual(missing, [], `${locale}: no words for ${missing.join(', ')}`);
    }
  });

  it('serves a valid OpenAPI 3.1 document: the package’s version, the issuer as the server', async () => {
    await SwaggerParser.validate(structuredClone(doc) as never);
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.version, version);
    assert.deepEqual(doc.servers, [{ url: server.issuer }]);
    for (const { method, path, operation } of operations()) {
      const where = `${method} ${path}`;
      assert.ok(operation.summary && operation.description, `${where}: summary and description`);
      const statuses = Object.keys(operation.responses);
      assert.ok(
        statuses.some((s) => s.startsWith('2')),
        `${where}: a success`,
      );
      if (operation.security?.length) assert.ok(statuses.includes('401') && statuses.includes('403'), where);
    }
  });

  it('is found from the home page, where developers start', async () => {
    const home = await (await fetch(server.issuer)).text();
    assert.match(home, /<a id="api-docs-entry" href="\/api\/docs">/);
  });

  it('serves the reference page in both languages, every operation on it', async () => {
    for (const [lang, heading] of [
      ['zh-TW', 'API 參考文件'],
      ['en', 'API reference'],
    ]) {
      const res = await fetch(`${server.issuer}/api/docs?lang=${lang}`);
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, new RegExp(`<html lang="${lang}"`));
      assert.ok(html.includes(`<h1>${heading}</h1>`), lang);
      for (const { operation } of operations())
        assert.ok(html.includes(`id="${operation.operationId}"`), operation.operationId);
      assert.ok(html.includes('<code>national_id</code>') && html.includes('<code>students[].class_code</code>'));
    }
  });

  describe('each documented request body is the handler’s', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat('uri', (v: string) => URL.canParse(v));
    ajv.addFormat('email', /^[^@\s]+@[^@\s]+$/);
    ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
    ajv.addFormat('date-time', (v: string) => !Number.isNaN(Date.parse(v)));
    const compile = (schema: JsonSchema) => ajv.compile({ ...schema, components: doc.components });

    /** The templates' example national IDs, as the roster's examples have them, and the test's own for them. */
    const ownIds = new Map(Object.values(EXAMPLE_NATIONAL_IDS).map((id) => [id, randomNationalId()]));
    /**
     * Values that must differ on every run (a shared database keeps earlier runs' links), and national IDs of the
     * test's own for the roster's examples (the templates' are refused as examples).
     */
    const fresh = (id: string, example: unknown): unknown => {
      if (id.startsWith('putApiSchoolsCodeRoster'))
        return JSON.parse(JSON.stringify(example), (_key, value) => ownIds.get(value) ?? value);
      if (id !== 'postApiSisGuardians') return example;
      const push = structuredClone(example) as { parent?: Record<string, string> };
      if (push.parent)
        Object.assign(push.parent, { national_id: randomNationalId(), email: `docs-${tag()}@example.org` });
      return push;
    };

    const send = (op: Op, body: unknown) => {
      const auth = op.path.startsWith('/api/sis/') ? sis : roster;
      return fetch(`${server.issuer}${op.path.replace('{code}', SCHOOL)}`, {
        method: op.method.toUpperCase(),
        headers: {
          authorization: basic(auth.id, auth.secret),
          'content-type': 'application/json',
          'accept-language': 'en',
        },
        body: JSON.stringify(body),
      });
    };

    /** The body's object whose fields the document lists: the body, or an array body's first row. */
    const objectOf = (schema: JsonSchema, body: unknown): [JsonSchema, Record<string, unknown>] =>
      schema.type === 'array'
        ? [schema.items as JsonSchema, (body as Record<string, unknown>[])[0]!]
        : [schema, body as Record<string, unknown>];

    /** The example broken in each way the document says it may not be. */
    function broken(schema: JsonSchema, example: unknown): [string, unknown][] {
      const out: [string, unknown][] = [];
      const [object] = objectOf(schema, example);
      for (const field of (object.required as string[] | undefined) ?? []) {
        const copy = structuredClone(example);
        delete objectOf(schema, copy)[1][field];
        out.push([`without ${field}`, copy]);
      }
      if (object.additionalProperties === false) {
        const copy = structuredClone(example);
        objectOf(schema, copy)[1].shoe_size = 42;
        out.push(['with an unknown field', copy]);
      }
      for (const [field, property] of Object.entries((object.properties ?? {}) as Record<string, JsonSchema>)) {
        if (!Array.isArray(property.enum)) continue;
        const copy = structuredClone(example);
        objectOf(schema, copy)[1][field] = 'not-in-the-list';
        out.push([`with ${field} outside its list`, copy]);
      }
      return out;
    }

    it('every operation with a body has an example that fits its schema', () => {
      const withBody = operations().filter((o) => o.operation.requestBody);
      assert.ok(withBody.length >= 8, `${withBody.length} operations with a body`);
      for (const op of withBody) {
        const content = op.operation.requestBody!.content['application/json']!;
        assert.ok(content.example !== undefined, `${op.operation.operationId}: an example`);
        const validate = compile(content.schema);
        assert.ok(validate(content.example), `${op.operation.operationId}: ${ajv.errorsText(validate.errors)}`);
      }
    });

    // In the document's order: the roster's classes and teachers before its students and parents and courses.
    it('the server takes each example, answering as documented, and refuses it broken with 400', async () => {
      for (const op of operations().filter((o) => o.operation.requestBody)) {
        const id = op.operation.operationId;
        const content = op.operation.requestBody!.content['application/json']!;
        if (id.startsWith('putApiSchoolsCodeRoster') && JSON.stringify(content.example).includes('national_id')) {
          const asIs = await send(op, content.example);
          const said = await asIs.json();
          assert.equal(asIs.status, 400, `${id} as it is: ${JSON.stringify(said)}`);
          assert.ok(
            said.errors.some((e: { code: string }) => e.code === 'exampleRow'),
            `${id} as it is is refused as the example: ${JSON.stringify(said)}`,
          );
        }
        const res = await send(op, fresh(id, content.example));
        const answer = await res.json();
        assert.ok(res.status >= 200 && res.status < 300, `${id}: ${res.status} ${JSON.stringify(answer)}`);
        const documented = op.operation.responses[String(res.status)]?.content?.['application/json']?.schema;
        assert.ok(documented, `${id}: ${res.status} is documented`);
        const validate = compile(documented);
        assert.ok(validate(answer), `${id}: the answer fits: ${ajv.errorsText(validate.errors)}`);

        const cases = broken(content.schema, content.example);
        assert.ok(cases.length > 0, `${id}: something to break`);
        for (const [how, body] of cases) {
          const refused = await send(op, fresh(id, body));
          const said = await refused.json();
          assert.equal(refused.status, 400, `${id} ${how}: ${JSON.stringify(said)}`);
          assert.equal(said.error, 'invalid_request', `${id} ${how}`);
        }
      }
    });
  });
});
