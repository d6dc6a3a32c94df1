// The parent-child binding application (親子綁定申請書) as a printable PDF. Text stays text: the CJK font is embedded
// as a subset with a ToUnicode map, so the document can be searched, copied and read back by a test.
// Callers hand in values that are already masked and labels that are already translated; this file only lays out.
import { cjkDocument } from '../../platform/pdf.ts';

export type ApplicationPdf = {
  id: string; // application id (uuid)
  submittedAt: Date;
  status: string; // already translated label, e.g. 申請中 / 認證 / 不通過
  relationship: string; // translated, e.g. 父親
  student: { name: string; school: string; level: string }; // name already masked like 吳○寶
  parent: { name: string; nationalId: string; email: string; mobile: string }; // already masked strings
  signature: { name: string; at: Date; sha256: string };
  productName: string; // e.g. 臺北市校園單一身分驗證服務
};

export type PdfLabels = Record<
  | 'title'
  | 'intro'
  | 'applicationId'
  | 'submittedAt'
  | 'status'
  | 'student'
  | 'school'
  | 'level'
  | 'relationship'
  | 'parent'
  | 'nationalId'
  | 'email'
  | 'mobile'
  | 'signature'
  | 'signedAt'
  | 'digest'
  | 'footer',
  string
>;

const MINUTE = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' } as const;
/** `YYYY-MM-DD HH:mm` in the given time zone. */
const formatMinute = (when: Date, timeZone: string): string => {
  const format = new Intl.DateTimeFormat('en-GB', { ...MINUTE, hourCycle: 'h23', timeZone });
  const p = Object.fromEntries(format.formatToParts(when).map(({ type, value }) => [type, value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
};

/** A long hex digest in lines of `width` characters, so it never runs off the page. */
const splitDigest = (hex: string, width = 32): string => hex.match(new RegExp(`.{1,${width}}`, 'g'))?.join('\n') ?? '';

const LABEL_WIDTH = 140;
const PAD = 6;

/** Label/value rows as a two-column bordered table. Drawn by hand: pdfkit's own table re-parses a font that was
 * registered from a buffer for every cell (about a second for this page). */
const drawRows = (doc: PDFKit.PDFDocument, rows: [string, string][]): void => {
  const x = doc.page.margins.left;
  const width = doc.page.width - x - doc.page.margins.right;
  const valueWidth = width - LABEL_WIDTH;
  doc.lineWidth(0.5);
  for (const [label, value] of rows) {
    const height =
      Math.max(
        doc.heightOfString(label, { width: LABEL_WIDTH - 2 * PAD }),
        doc.heightOfString(value, { width: valueWidth - 2 * PAD }),
      ) +
      2 * PAD;
    if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
    const y = doc.y;
    doc.rect(x, y, LABEL_WIDTH, height).fillAndStroke('#f2f2f2', '#999999');
    doc.rect(x + LABEL_WIDTH, y, valueWidth, height).stroke('#999999');
    doc.fillColor('black').text(label, x + PAD, y + PAD, { width: LABEL_WIDTH - 2 * PAD });
    doc.text(value, x + LABEL_WIDTH + PAD, y + PAD, { width: valueWidth - 2 * PAD });
    doc.y = y + height;
  }
  doc.x = x;
};

export async function applicationPdf(
  app: ApplicationPdf,
  labels: PdfLabels,
  timeZone = 'Asia/Taipei',
): Promise<Buffer> {
  const { doc, done } = await cjkDocument({ title: `${labels.title} ${app.id}`, creator: app.productName });
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  doc.fontSize(10).fillColor('#555555').text(app.productName, { align: 'center', width });
  doc.moveDown(0.3).fontSize(18).fillColor('black').text(labels.title, { align: 'center', width });
  doc.moveDown(0.8).fontSize(11).text(labels.intro, { width, lineGap: 3 });
  doc.moveDown(1);
  drawRows(doc, [
    [labels.applicationId, app.id],
    [labels.submittedAt, formatMinute(app.submittedAt, timeZone)],
    [labels.status, app.status],
    [labels.student, app.student.name],
    [labels.school, app.student.school],
    [labels.level, app.student.level],
    [labels.relationship, app.relationship],
    [labels.parent, app.parent.name],
    [labels.nationalId, app.parent.nationalId],
    [labels.email, app.parent.email],
    [labels.mobile, app.parent.mobile],
  ]);

  doc.moveDown(1.5).fontSize(12).text(labels.signature, { width });
  doc.moveDown(0.4).fontSize(11);
  drawRows(doc, [
    [labels.signature, app.signature.name],
    [labels.signedAt, formatMinute(app.signature.at, timeZone)],
    [labels.digest, splitDigest(app.signature.sha256)],
  ]);

  // The footer sits in the bottom margin, which pdfkit would otherwise treat as the start of a new page.
  const bottom = doc.page.height - doc.page.margins.bottom;
  doc.page.margins.bottom = 0;
  doc
    .fontSize(9)
    .fillColor('#555555')
    .text(labels.footer, doc.page.margins.left, bottom + 12, { width });
  doc.end();
  return done;
}
