// PDF documents with Chinese text that stays text: Noto Sans CJK TC's Big5 subset (OFL-1.1, shipped by
// @embedpdf/fonts-tc) embedded as a subset with a ToUnicode map, so a document can be searched, copied and read back.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let fontBytes: Buffer | undefined;
/** The font's exports map hides its files, so the path is taken from its entry point (dist/index.js) one folder up. */
const cjkFont = (): Buffer => {
  if (!fontBytes) {
    const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-tc');
    fontBytes = readFileSync(join(dirname(entry), '../fonts/NotoSansHant-Regular.otf'));
  }
  return fontBytes;
};

/**
 * An A4 document in zh-TW with the CJK font registered as `cjk` and selected; `done` gives its bytes after `end()`.
 * pdfkit is loaded at the first document, not at start: most processes never make one (memory at rest).
 */
export async function cjkDocument(info: { title: string; creator: string }): Promise<{
  doc: PDFKit.PDFDocument;
  done: Promise<Buffer>;
}> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    lang: 'zh-TW',
    displayTitle: true,
    info: { Title: info.title, Producer: 'campus-sso', Creator: info.creator },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('cjk', cjkFont());
  doc.font('cjk');
  return { doc, done };
}
