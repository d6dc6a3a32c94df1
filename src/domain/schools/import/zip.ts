// A zip upload's parts, read as exceljs's patched reader reads a workbook (patches/exceljs+4.4.0.patch): through the
// central directory, whose sizes are right even when the entries carry data descriptors, each part inflated as a
// stream (node:zlib, 16 KB at a time) so that what it unpacks to is counted while it is read, never all at once.
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

export type ZipEntry = { name: string; method: number; size: number; offset: number };

const u16 = (b: Buffer, at: number) => b.readUInt16LE(at);
const u32 = (b: Buffer, at: number) => b.readUInt32LE(at);
const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));
const FULL32 = 0xffffffff;

/** The files of the archive (not its folders), or none when it is no zip (or an encrypted one, or a broken one). */
export function zipEntries(zip: Buffer): ZipEntry[] | undefined {
  try {
    let end = -1;
    for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--)
      if (u32(zip, i) === 0x06054b50) {
        end = i;
        break;
      }
    if (end < 0) return undefined;
    let count = u16(zip, end + 10);
    let at = u32(zip, end + 16);
    // Zip64: the counts and offsets in the record the locator just before points to.
    if ((count === 0xffff || at === FULL32) && end >= 20 && u32(zip, end - 20) === 0x07064b50) {
      const record = u64(zip, end - 12);
      if (u32(zip, record) !== 0x06064b50) return undefined;
      count = u64(zip, record + 32);
      at = u64(zip, record + 48);
    }
    const entries: ZipEntry[] = [];
    for (let n = 0; n < count; n++) {
      if (u32(zip, at) !== 0x02014b50) return undefined;
      const flags = u16(zip, at + 8);
      const method = u16(zip, at + 10);
      let size = u32(zip, at + 20);
      const original = u32(zip, at + 24);
      const nameLength = u16(zip, at + 28);
      const extraLength = u16(zip, at + 30);
      const commentLength = u16(zip, at + 32);
      let offset = u32(zip, at + 42);
      const name = zip.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
      // The zip64 extra field holds, in order, whichever of the sizes and the offset did not fit in 32 bits.
      for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
        const id = u16(zip, x);
        const length = u16(zip, x + 2);
        if (id === 0x0001) {
          let field = x + 4;
          if (original === FULL32) field += 8;
          if (size === FULL32) {
            size = u64(zip, field);
            field += 8;
          }
          if (offset === FULL32) offset = u64(zip, field);
        }
        x += 4 + length;
      }
      if (flags & 1) return undefined;
      if (!name.endsWith('/')) entries.push({ name, method, size, offset });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } catch {
    return undefined;
  }
}

/** An entry's unpacked bytes, a chunk at a time; a broken or unknown compression throws. */
export function entryStream(zip: Buffer, entry: ZipEntry): Readable {
  if (u32(zip, entry.offset) !== 0x04034b50) throw new Error('no local header');
  const start = entry.offset + 30 + u16(zip, entry.offset + 26) + u16(zip, entry.offset + 28);
  if (start + entry.size > zip.length) throw new Error('cut short');
  const data = zip.subarray(start, start + entry.size);
  if (entry.method === 0) return Readable.from([data], { objectMode: false });
  if (entry.method !== 8) throw new Error(`compression ${entry.method}`);
  const inflate = createInflateRaw();
  inflate.end(data);
  return inflate;
}
