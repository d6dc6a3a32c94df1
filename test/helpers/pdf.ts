// The text of a PDF as a reader would copy it (pdf.js): proves the text is real text, not pictures of it.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export async function pdfText(pdf: Uint8Array): Promise<string> {
  const task = getDocument({ data: pdf, verbosity: 0 });
  try {
    const doc = await task.promise;
    let text = '';
    for (let n = 1; n <= doc.numPages; n++) {
      const content = await (await doc.getPage(n)).getTextContent();
      for (const item of content.items) if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
    }
    return text;
  } finally {
    await task.destroy();
  }
}
