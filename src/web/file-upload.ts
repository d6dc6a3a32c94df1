// A form with one file (multipart/form-data): its fields become the body (so the CSRF check reads `_csrf` as on any
// form), its file is written to a temporary file of its own (busboy, streamed: memory stays small), at most
// `maxBytes` (413 beyond), and removed once the answer is made.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Context, Middleware } from 'koa';
import compose from 'koa-compose';
import { verifyCsrf } from './csrf.ts';
import { AppError } from './errors.ts';

export type UploadedFile = { path: string; filename: string; bytes: number };

class TooLarge extends Error {}

async function receive(
  ctx: Context,
  maxBytes: number,
): Promise<{ fields: Record<string, string>; file?: UploadedFile }> {
  if (!ctx.is('multipart/form-data')) throw new AppError('unsupported_media_type', 415);
  const fields: Record<string, string> = {};
  let file: UploadedFile | undefined;
  const writes: Promise<void>[] = [];
  let failure: unknown;
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: ctx.req.headers,
      // File names are UTF-8 (a school's 班級及教師.xlsx), not busboy's default Latin-1.
      defParamCharset: 'utf8',
      limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 4096 },
    });
  } catch {
    throw new AppError('invalid_request', 400);
  }
  parser.on('field', (name, value) => {
    fields[name] = value;
  });
  parser.on('file', (_name, stream, info) => {
    const target = path.join(os.tmpdir(), `campus-sso-upload-${crypto.randomBytes(12).toString('hex')}`);
    const upload: UploadedFile = { path: target, filename: (info.filename ?? '').slice(0, 200), bytes: 0 };
    file = upload;
    stream.on('data', (chunk: Buffer) => {
      upload.bytes += chunk.length;
    });
    // Past the limit busboy cuts the file short and drops the rest of it; the answer is 413 once the request is read.
    stream.on('limit', () => {
      failure ??= new TooLarge();
    });
    // Caught at once (a file over the limit fails while the request is still arriving), looked at below.
    writes.push(
      pipeline(stream, fs.createWriteStream(target, { mode: 0o600 })).catch((err: unknown) => {
        failure ??= err;
      }),
    );
  });
  try {
    await pipeline(ctx.req, parser);
    await Promise.all(writes);
    if (failure) throw failure;
  } catch (err) {
    if (file) await fs.promises.rm(file.path, { force: true });
    if (err instanceof TooLarge) throw new AppError('file_too_large', 413);
    throw new AppError('invalid_request', 400);
  }
  return { fields, file };
}

/** Reads the form and its file, checks the CSRF token, runs the route, then removes the file. */
export function fileUpload(maxBytes: number): Middleware {
  return compose<Context>([
    async (ctx, next) => {
      const { fields, file } = await receive(ctx, maxBytes);
      (ctx.request as { body?: unknown }).body = fields;
      ctx.state.upload = file;
      try {
        await next();
      } finally {
        if (file) await fs.promises.rm(file.path, { force: true });
      }
    },
    verifyCsrf as compose.Middleware<Context>,
  ]) as Middleware;
}

export const uploadedFile = (ctx: Context): UploadedFile | undefined => ctx.state.upload as UploadedFile | undefined;
