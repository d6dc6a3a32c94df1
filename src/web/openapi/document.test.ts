import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Router from '@koa/router';
import { z } from 'zod';
import { openApiDocument, openApiPath } from './document.ts';
import { documented, ok, operationsOf, refused } from './registry.ts';

const Params = z.object({ code: z.string().regex(/^\d{6}$/) });
const Body = z.object({ name: z.string().trim().min(1), verified: z.boolean().default(false) }).strict();

describe('documented routes', () => {
  it('registers the route and its operation, with the path parameters its schema names', () => {
    const router = new Router();
    documented(router).put(
      '/api/schools/:code/things',
      {
        tag: 't',
        summary: 's',
        description: 'd',
        permission: 'roster',
        params: Params,
        body: Body,
        responses: { 200: ok('done', z.object({ n: z.int() })), 409: refused('taken', 'taken') },
      },
      (ctx) => {
        ctx.body = {};
      },
    );
    assert.deepEqual(
      router.stack.map((l) => [l.methods.at(-1), l.path]),
      [['PUT', '/api/schools/:code/things']],
    );
    assert.deepEqual(
      operationsOf(router).map((o) => [o.method, o.path]),
      [['put', '/api/schools/:code/things']],
    );
    const doc = openApiDocument(operationsOf(router), { version: '1.2.3', server: 'https://sso.example' });
    const op = doc.paths['/api/schools/{code}/things']!.put!;
    assert.deepEqual(op.parameters?.[0]?.name, 'code');
    assert.deepEqual(op.security, [{ clientSecretBasic: ['roster'] }]);
    // The body as the caller writes it: a field with a default is not required.
    assert.deepEqual(op.requestBody?.content['application/json']?.schema.required, ['name']);
    assert.deepEqual(Object.keys(op.responses), ['200', '400', '401', '403', '409', '413', '415', '429', '503']);
    assert.match(op.responses['409']!.description, /`taken`/);
  });

  it('refuses an operation outside /api/ or without a schema for a path parameter', () => {
    const api = documented(new Router());
    const op = { tag: 't', summary: 's', description: 'd', responses: { 200: ok('ok') } };
    assert.throws(() => api.get('/account/x', op), /under \/api\//);
    assert.throws(() => api.get('/api/schools/:code', op), /lacks code/);
  });

  it('writes paths the OpenAPI way', () => {
    assert.equal(openApiPath('/api/schools/:code/roster/:file'), '/api/schools/{code}/roster/{file}');
  });
});
