/**
 * Document metadata from the edition (never from the clock): Info dictionary,
 * an XMP packet with the same values, the document language, and a file
 * identifier (/ID) derived from the content, so the same manuscript gives
 * the same bytes.
 */
import { createHash } from 'node:crypto';
import { PDFArray, PDFDocument, PDFHexString, PDFName } from 'pdf-lib';
import { savePdf } from './write-pdf.ts';

export interface PdfMetadata {
  title: string;
  author?: string;
  subject?: string;
  keywords?: string[];
  /** ISO date of the edition: creation and modification dates */
  date: string;
  producer: string;
  lang?: string;
}

const xmlEscape = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function xmpPacket(meta: PdfMetadata): string {
  const date = `${meta.date}T00:00:00Z`;
  const authors = meta.author ? meta.author.split('、') : [];
  return `<?xpacket begin="\u{feff}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(meta.title)}</rdf:li></rdf:Alt></dc:title>
${authors.length ? `<dc:creator><rdf:Seq>${authors.map((a) => `<rdf:li>${xmlEscape(a)}</rdf:li>`).join('')}</rdf:Seq></dc:creator>\n` : ''}${meta.subject ? `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(meta.subject)}</rdf:li></rdf:Alt></dc:description>\n` : ''}${meta.keywords?.length ? `<dc:subject><rdf:Bag>${meta.keywords.map((k) => `<rdf:li>${xmlEscape(k)}</rdf:li>`).join('')}</rdf:Bag></dc:subject>\n<pdf:Keywords>${xmlEscape(meta.keywords.join(' '))}</pdf:Keywords>\n` : ''}<dc:language><rdf:Bag><rdf:li>${xmlEscape(meta.lang ?? 'zh-Hans')}</rdf:li></rdf:Bag></dc:language>
<xmp:CreateDate>${date}</xmp:CreateDate>
<xmp:ModifyDate>${date}</xmp:ModifyDate>
<xmp:MetadataDate>${date}</xmp:MetadataDate>
<xmp:CreatorTool>Banmian</xmp:CreatorTool>
<pdf:Producer>${xmlEscape(meta.producer)}</pdf:Producer>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

export function setMetadata(doc: PDFDocument, meta: PdfMetadata): void {
  const date = new Date(`${meta.date}T00:00:00Z`);
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  if (meta.author) doc.setAuthor(meta.author);
  if (meta.subject) doc.setSubject(meta.subject);
  if (meta.keywords?.length) doc.setKeywords(meta.keywords);
  doc.setCreator('Banmian');
  doc.setProducer(meta.producer);
  doc.setCreationDate(date);
  doc.setModificationDate(date);
  doc.setLanguage(meta.lang ?? 'zh-Hans');
  const stream = doc.context.stream(new TextEncoder().encode(xmpPacket(meta)), { Type: 'Metadata', Subtype: 'XML' });
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(stream));
}

const PLACEHOLDER = '0'.repeat(32);

/**
 * Replace the file identifier (Chromium writes a random one) with a
 * placeholder; saveWithContentId then fills in a hash of the saved bytes:
 * deterministic, yet different for different content.
 */
export function setPlaceholderId(doc: PDFDocument): void {
  const id = PDFArray.withContext(doc.context);
  id.push(PDFHexString.of(PLACEHOLDER));
  id.push(PDFHexString.of(PLACEHOLDER));
  doc.context.trailerInfo.ID = id;
}

/**
 * Save, then write the sha256 of the saved bytes (first 16 bytes) into the placeholder /ID.
 * (savePdf: the bytes of doc.save(SAVE_OPTIONS), written faster.)
 */
export async function saveWithContentId(doc: PDFDocument): Promise<Uint8Array> {
  setPlaceholderId(doc);
  return fillContentId(await savePdf(doc));
}

/** Write the sha256 of the bytes (first 16 bytes) into their placeholder /ID (setPlaceholderId). */
export function fillContentId(bytes: Uint8Array): Uint8Array {
  return writeId(bytes, createHash('sha256').update(bytes).digest('hex').slice(0, 32));
}

/** Write `id` (32 hex digits) into the placeholder /ID of the bytes (setPlaceholderId), in place. */
export function writeId(bytes: Uint8Array, id: string): Uint8Array {
  const marker = Buffer.from(`<${PLACEHOLDER}>`, 'latin1');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = buf.lastIndexOf(`/ID [ <${PLACEHOLDER}> <${PLACEHOLDER}> ]`, buf.length, "latin1");
  if (at < 0) return bytes;
  for (let n = 0; n < 2; n++) {
    at = buf.indexOf(marker, at);
    buf.write(`<${id}>`, at, 'latin1');
    at += marker.length;
  }
  return bytes;
}

/** objectsPerTick: all at once (pdf-lib's default waits for a timer after every 50 objects; same bytes, several times slower) */
export const SAVE_OPTIONS = { useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false, objectsPerTick: Infinity } as const;
