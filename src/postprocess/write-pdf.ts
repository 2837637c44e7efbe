/**
 * Serialize a PDFDocument: the same bytes as pdf-lib's
 * `doc.save({ useObjectStreams: false, addDefaultPage: false,
 * updateFieldAppearances: false })` (PDFWriter: header, the objects in order
 * of their numbers, cross-reference table, trailer), faster:
 *
 * - a stream's contents are copied in one call (PDFStream.copyBytesInto
 *   copies them a byte at a time: half a megabyte per page PDF);
 * - an object that came unchanged from the parse pool (parse-pool.ts) is
 *   written as the bytes it was written as before: pooled objects are never
 *   changed, so their bytes are too.
 */
import {
  PDFCrossRefSection,
  PDFHeader,
  PDFRawStream,
  PDFTrailer,
  PDFTrailerDict,
  type PDFContext,
  type PDFDocument,
  type PDFObject,
  type PDFRef,
} from 'pdf-lib';

/** the bytes each object of a remembering document was last written as (kept with the object, dropped with it) */
const written = new WeakMap<PDFObject, Uint8Array>();
/** documents whose objects' bytes are kept when written (those parsed with the pool) */
const remembering = new WeakSet<PDFDocument>();

export function rememberBytes(doc: PDFDocument): void {
  remembering.add(doc);
}
/** objects that are never changed again: their bytes in `written` stay right */
const unchanging = new WeakSet<PDFObject>();

export function markUnchanging(object: PDFObject): void {
  unchanging.add(object);
}

export function markChanging(object: PDFObject): void {
  unchanging.delete(object);
}

/** Whether `object` came unchanged from the parse pool and is never changed again (markUnchanging). */
export function isUnchanging(object: PDFObject): boolean {
  return unchanging.has(object);
}


const STREAM = Buffer.from('\nstream\n', 'latin1');
const ENDSTREAM = Buffer.from('\nendstream', 'latin1');

/** PDFObject.sizeInBytes (a stream's updates its /Length first, as pdf-lib's writer has it do) */
function sizeOf(object: PDFObject): number {
  return object.sizeInBytes();
}

/** PDFObject.copyBytesInto; a raw stream's contents are copied at once */
function copyInto(object: PDFObject, buffer: Uint8Array, at: number): number {
  if (!(object instanceof PDFRawStream)) return object.copyBytesInto(buffer, at);
  object.updateDict();
  let offset = at + object.dict.copyBytesInto(buffer, at);
  buffer.set(STREAM, offset);
  offset += STREAM.length;
  const contents = object.getContents();
  buffer.set(contents, offset);
  offset += contents.length;
  buffer.set(ENDSTREAM, offset);
  return offset + ENDSTREAM.length - at;
}

/** One object's bytes, as savePdf writes it between `n 0 obj` and `endobj`. */
export function objectBytes(object: PDFObject): Uint8Array {
  const bytes = new Uint8Array(sizeOf(object));
  const n = copyInto(object, bytes, 0);
  if (n !== bytes.length) throw new Error(`objectBytes: an object wrote ${n} bytes of ${bytes.length}`);
  return bytes;
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const ENDOBJ = latin1('\nendobj\n\n');

/** `doc.save(SAVE_OPTIONS)`, the same bytes. */
export async function savePdf(doc: PDFDocument): Promise<Uint8Array> {
  await doc.flush();
  const { context } = doc;
  const header = PDFHeader.forVersion(1, 7);
  const objects = context.enumerateIndirectObjects();
  const parts: { head: string; size: number; cached: Uint8Array | undefined; object: PDFObject }[] = [];
  let size = header.sizeInBytes() + 2;
  const xref = PDFCrossRefSection.create();
  const remember = remembering.has(doc);
  for (const [ref, object] of objects) {
    const cached = unchanging.has(object) ? written.get(object) : undefined;
    const head = `${ref.objectNumber} ${ref.generationNumber} obj\n`;
    const bodySize = cached ? cached.length : sizeOf(object);
    xref.addEntry(ref, size);
    size += head.length + bodySize + ENDOBJ.length;
    parts.push({ head, size: bodySize, cached, object });
  }
  const xrefOffset = size;
  // (toString gives the bytes copyBytesInto writes, in one string)
  const xrefBytes = latin1(xref.toString());
  size += xrefBytes.length + 1;
  const trailer = trailerAfterXref(context, xrefOffset);
  size += trailer.size;

  const buffer = new Uint8Array(size);
  let offset = header.copyBytesInto(buffer, 0);
  buffer[offset++] = 0x0a;
  buffer[offset++] = 0x0a;
  for (const { head, size: bodySize, cached, object } of parts) {
    for (let i = 0; i < head.length; i++) buffer[offset++] = head.charCodeAt(i);
    if (cached) buffer.set(cached, offset);
    else {
      const n = copyInto(object, buffer, offset);
      if (n !== bodySize) throw new Error(`savePdf: an object wrote ${n} bytes of ${bodySize}`);
      // the object's bytes, a view of the file (which is never changed where objects are)
      if (remember) written.set(object, buffer.subarray(offset, offset + n));
    }
    offset += bodySize;
    buffer.set(ENDOBJ, offset);
    offset += ENDOBJ.length;
  }
  buffer.set(xrefBytes, offset);
  offset += xrefBytes.length;
  buffer[offset++] = 0x0a;
  offset += trailer.write(buffer, offset);
  if (offset !== size) throw new Error(`savePdf: wrote ${offset} bytes of ${size}`);
  return buffer;
}

/**
 * What follows the cross-reference table, as pdf-lib writes it: the trailer dictionary (size, root,
 * info, ID), `startxref` with the table's offset, `%%EOF`. size: its bytes, the newline before it
 * included (the caller writes that one).
 */
export function trailerAfterXref(context: PDFContext, xrefOffset: number): { size: number; write(buffer: Uint8Array, offset: number): number } {
  const dict = PDFTrailerDict.of(
    context.obj({
      Size: context.largestObjectNumber + 1,
      Root: context.trailerInfo.Root,
      Encrypt: context.trailerInfo.Encrypt,
      Info: context.trailerInfo.Info,
      ID: context.trailerInfo.ID,
    }),
  );
  const trailer = PDFTrailer.forLastCrossRefSectionOffset(xrefOffset);
  return {
    size: dict.sizeInBytes() + 2 + trailer.sizeInBytes(),
    write(buffer, offset) {
      const start = offset;
      offset += dict.copyBytesInto(buffer, offset);
      buffer[offset++] = 0x0a;
      buffer[offset++] = 0x0a;
      offset += trailer.copyBytesInto(buffer, offset);
      return offset - start;
    },
  };
}

/** A file written in pieces (writeEdition), as one array. */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
