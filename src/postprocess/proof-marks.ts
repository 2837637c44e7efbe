/**
 * Proof post-processing: bytes in, bytes out. Lays an overlay page (the
 * watermark, stamp, line numbers and finding boxes, printed by Chromium so
 * that Chinese text needs no font handling here) over the first page of a
 * printed page, adds one clickable annotation per finding, the metadata,
 * and the proof data as an attached JSON file (read back by `proof --since`).
 */
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString } from 'pdf-lib';
import { SAVE_OPTIONS, setMetadata, type PdfMetadata } from './metadata.ts';
import { setPageLabels } from './page-labels.ts';

export interface ProofAnnotation {
  /** pt from the top-left corner */
  rect: { x: number; y: number; w: number; h: number };
  /** RGB 0–1 */
  color: [number, number, number];
  title: string;
  subject: string;
  contents: string;
  name: string;
}

export interface ProofPageInput {
  label: string;
  page: Uint8Array;
  overlay: Uint8Array;
  annotations: ProofAnnotation[];
}

export const PROOF_DATA_NAME = 'banmian-proof.json';

export async function assembleProof(pages: ProofPageInput[], meta: PdfMetadata, data: unknown, time: Date): Promise<Uint8Array> {
  const out = await PDFDocument.create({ updateMetadata: false });
  for (const p of pages) {
    const src = await PDFDocument.load(p.page, { updateMetadata: false });
    const [page] = await out.copyPages(src, [0]);
    out.addPage(page!);
    const [overlay] = await out.embedPdf(p.overlay, [0]);
    const { width, height } = page!.getSize();
    page!.drawPage(overlay!, { x: 0, y: 0, width, height });
    const annots = PDFArray.withContext(out.context);
    for (const a of p.annotations) {
      const pad = 1;
      const rect = [a.rect.x - pad, height - a.rect.y - a.rect.h - pad, a.rect.x + a.rect.w + pad, height - a.rect.y + pad].map((n) => Math.round(n * 100) / 100);
      const dict = out.context.obj({
        Type: 'Annot',
        Subtype: 'Square',
        Rect: rect,
        C: a.color,
        BS: { W: 1, S: 'S' },
        F: 4,
        T: PDFHexString.fromText(a.title),
        Subj: PDFHexString.fromText(a.subject),
        Contents: PDFHexString.fromText(a.contents),
        NM: PDFString.of(a.name),
        P: page!.ref,
      }) as PDFDict;
      annots.push(out.context.register(dict));
    }
    if (annots.size()) page!.node.set(PDFName.of('Annots'), annots);
  }
  setPageLabels(out, pages.map((p) => p.label));
  setMetadata(out, meta);
  // A proof carries the time it was made (not reproducible by design).
  out.setModificationDate(time);
  await out.attach(new TextEncoder().encode(JSON.stringify(data)), PROOF_DATA_NAME, {
    mimeType: 'application/json',
    description: 'Banmian proof data: paragraphs and findings',
    creationDate: time,
    modificationDate: time,
  });
  return out.save(SAVE_OPTIONS);
}

/** The proof data attached to a proof PDF, or undefined for any other PDF. */
export async function readProofData(pdf: Uint8Array): Promise<unknown> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false, ignoreEncryption: true });
  const names = doc.catalog.lookup(PDFName.of('Names'));
  if (!(names instanceof PDFDict)) return undefined;
  const files = names.lookup(PDFName.of('EmbeddedFiles'));
  if (!(files instanceof PDFDict)) return undefined;
  const list = files.lookup(PDFName.of('Names'));
  if (!(list instanceof PDFArray)) return undefined;
  for (let i = 0; i + 1 < list.size(); i += 2) {
    const name = list.lookup(i);
    const text = name instanceof PDFHexString || name instanceof PDFString ? name.decodeText() : '';
    if (text !== PROOF_DATA_NAME) continue;
    const spec = list.lookup(i + 1);
    const ef = spec instanceof PDFDict ? spec.lookup(PDFName.of('EF')) : undefined;
    const stream = ef instanceof PDFDict ? ef.lookup(PDFName.of('F')) : undefined;
    if (!(stream instanceof PDFRawStream)) return undefined;
    return JSON.parse(new TextDecoder().decode(decodePDFRawStream(stream).decode()));
  }
  return undefined;
}

