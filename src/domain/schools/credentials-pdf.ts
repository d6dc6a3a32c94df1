// The verification credentials of a class (or of the staff) as a printable PDF: one slip per person, to cut apart and
// hand out — who it is for, the 認證帳號 and 認證密碼, and where to use them. Text stays text (searchable, and a test
// reads it back). Callers hand in translated labels; this file only lays out.
import { cjkDocument } from '../../platform/pdf.ts';

export type PrintedSlip = {
  /** e.g. 王小華 (7年1班 1號) or 王大明（王小華的父親）. */
  heading: string;
  account: string;
  /** None once used: the slip says so instead. */
  password?: string;
  /** Where and how to use it (the school and the identity to choose there). */
  howTo: string;
};

export type SlipLabels = {
  title: string;
  intro: string;
  account: string;
  password: string;
  used: string;
  productName: string;
  /** A label and its value in the language's punctuation (帳號：… / Account: …). */
  labelled(label: string, text: string): string;
};

const SLIP_HEIGHT = 118;
const PAD = 10;

export async function credentialsPdf(slips: PrintedSlip[], labels: SlipLabels): Promise<Buffer> {
  const { doc, done } = await cjkDocument({ title: labels.title, creator: labels.productName });
  const x = doc.page.margins.left;
  const width = doc.page.width - x - doc.page.margins.right;
  doc.fontSize(16).fillColor('black').text(labels.title, { align: 'center', width });
  doc.moveDown(0.4).fontSize(10).fillColor('#333333').text(labels.intro, { width, lineGap: 2 });
  doc.moveDown(0.8);
  for (const slip of slips) {
    if (doc.y + SLIP_HEIGHT > doc.page.height - doc.page.margins.bottom) doc.addPage();
    const y = doc.y;
    // A dashed frame: cut along it.
    doc
      .lineWidth(0.8)
      .dash(4, { space: 3 })
      .rect(x, y, width, SLIP_HEIGHT - 8)
      .stroke('#666666')
      .undash();
    doc
      .fillColor('black')
      .fontSize(13)
      .text(slip.heading, x + PAD, y + PAD, { width: width - 2 * PAD });
    doc
      .fontSize(12)
      .text(labels.labelled(labels.account, slip.account), x + PAD, y + PAD + 24, { width: width - 2 * PAD });
    doc.text(labels.labelled(labels.password, slip.password ?? labels.used), x + PAD, y + PAD + 44, {
      width: width - 2 * PAD,
    });
    doc
      .fontSize(9)
      .fillColor('#333333')
      .text(slip.howTo, x + PAD, y + PAD + 66, { width: width - 2 * PAD });
    doc.x = x;
    doc.y = y + SLIP_HEIGHT;
  }
  doc.end();
  return done;
}
