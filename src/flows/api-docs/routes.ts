// The API reference: the OpenAPI 3.1 document of every JSON API declared on our router (web/openapi/), and a page
// that reads the same document, in the site's layout. Built at the first request, once every flow has declared its
// operations.
import fs from 'node:fs';
import type Router from '@koa/router';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { type OpenApiDocument, openApiDocument } from '../../web/openapi/document.ts';
import { documented, ok, operationsOf } from '../../web/openapi/registry.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';
import { serveFile } from '../../web/static.ts';
import { referenceOf } from './reference.ts';
import './texts.ts';

const { version } = z
  .object({ version: z.string() })
  .parse(JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')));

/** The document itself, as JSON Schema sees it: an object. */
const Document = z.looseObject({ openapi: z.literal('3.1.0') });

export function apiDocsRoutes(router: Router, s: Services) {
  const api = documented(router);
  let document: OpenApiDocument | undefined;
  const current = () => {
    document ??= openApiDocument(operationsOf(router), { version, server: s.issuer });
    return document;
  };

  api.get(
    '/api/openapi.json',
    {
      tag: 'reference',
      summary: 'This document',
      description:
        'The OpenAPI 3.1 document of every JSON API, generated from the schemas their handlers validate with.',
      responses: { 200: ok('The OpenAPI document.', Document) },
    },
    (ctx) => {
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = current();
    },
  );
  api.get(
    '/api/docs',
    {
      tag: 'reference',
      summary: 'The API reference page',
      description: 'This document as a page to read (Chinese, or English with `?lang=en`).',
      responses: { 200: ok('The page.', z.string(), 'text/html') },
    },
    (ctx) => {
      const t = translator(chooseLocale(ctx));
      renderPage(ctx, 'api-docs/reference', {
        pageTitle: t('apiDocs.title'),
        doc: current(),
        ...referenceOf(current()),
      });
    },
  );
  serveFile(router, '/static/api-docs.css', 'views/api-docs/api-docs.css', 'text/css');
}
