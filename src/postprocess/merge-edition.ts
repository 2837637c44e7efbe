/**
 * Post-processing: bytes in, bytes out. Joins page PDFs into the edition PDF
 * and sets document metadata from the edition (never from the clock, so the
 * same manuscript gives the same bytes).
 */
import { PDFDocument } from 'pdf-lib';

export interface PdfMetadata {
  title: string;
  author?: string;
  subject?: string;
  keywords?: string[];
  /** ISO date of the edition: creation and modification dates */
  date: string;
  producer: string;
}

export async function setMetadata(doc: PDFDocument, meta: PdfMetadata): Promise<void> {
  const date = new Date(`${meta.date}T00:00:00Z`);
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  if (meta.author) doc.setAuthor(meta.author);
  if (meta.subject) doc.setSubject(meta.subject);
  if (meta.keywords?.length) doc.setKeywords(meta.keywords);
  doc.setCreator('Banmian');
  doc.setProducer(meta.producer);
  doc.setCreationDate(date);
  doc.setModificationDate(date);
  doc.setLanguage('zh-Hans');
}

export async function finalizePage(pdf: Uint8Array, meta: PdfMetadata): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  await setMetadata(doc, meta);
  return doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
}

export async function mergeEdition(pages: Uint8Array[], meta: PdfMetadata): Promise<Uint8Array> {
  const out = await PDFDocument.create({ updateMetadata: false });
  for (const bytes of pages) {
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    const copied = await out.copyPages(doc, doc.getPageIndices());
    for (const p of copied) out.addPage(p);
  }
  await setMetadata(out, meta);
  return out.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
}
