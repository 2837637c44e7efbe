/**
 * Post-processing: bytes in, bytes out. Joins page PDFs into the edition PDF
 * (keeping Chromium's structure tree, so the edition stays a tagged PDF),
 * and adds bookmarks, page labels, metadata and — on request — bleed and
 * crop marks. Nothing comes from the clock: the same pages give the same bytes.
 */
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFObjectCopier,
  PDFPage,
  PDFPageLeaf,
  PDFRef,
  type PDFObject,
} from 'pdf-lib';
import { saveWithContentId, setMetadata, type PdfMetadata } from './metadata.ts';
import { setOutline, type OutlineEntry } from './outline.ts';
import { setPageLabels } from './page-labels.ts';
import { addPrintMarks, type PrintMarksOptions } from './print-marks.ts';

export type { PdfMetadata } from './metadata.ts';

export interface EditionPage {
  /** 版次, used as the page label */
  label: string;
  /** 版名 */
  name?: string;
  pdf: Uint8Array;
  /** headlines on this page, for bookmarks; top in pt from the page top when known */
  articles?: { title: string; top?: number }[];
}

export interface FinishOptions {
  marks?: PrintMarksOptions;
}

const N = (n: string) => PDFName.of(n);

function pageEntry(p: EditionPage, index: number): OutlineEntry {
  return {
    title: `第${p.label}版${p.name ? ` ${p.name}` : ''}`,
    page: index,
    children: (p.articles ?? []).map((a) => ({ title: a.title, page: index, top: a.top })),
  };
}

function finish(doc: PDFDocument, pages: EditionPage[], meta: PdfMetadata, options: FinishOptions): void {
  setOutline(doc, pages.map(pageEntry));
  setPageLabels(doc, pages.map((p) => p.label));
  setMetadata(doc, meta);
  if (options.marks) addPrintMarks(doc, options.marks);
}

/** One page PDF as written next to the edition: Chromium's file plus metadata, bookmarks, label. */
export async function finalizePage(page: EditionPage, meta: PdfMetadata, options: FinishOptions = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.load(page.pdf, { updateMetadata: false });
  finish(doc, [page], meta, options);
  return saveWithContentId(doc);
}

/** The whole edition in one PDF. */
export async function mergeEdition(pages: EditionPage[], meta: PdfMetadata, options: FinishOptions = {}): Promise<Uint8Array> {
  const out = await PDFDocument.create({ updateMetadata: false });
  const structRootRef = out.context.nextRef();
  const kids = PDFArray.withContext(out.context);
  const nums = PDFArray.withContext(out.context);
  const roleMap = out.context.obj({}) as PDFDict;
  let offset = 0;
  let tagged = pages.length > 0;
  for (const page of pages) {
    const src = await PDFDocument.load(page.pdf, { updateMetadata: false });
    const copier = PDFObjectCopier.for(src.context, out.context);
    const traversed = (copier as unknown as { traversedObjects: Map<PDFObject, PDFObject> }).traversedObjects;
    const srcRoot = src.catalog.get(N('StructTreeRoot'));
    if (srcRoot instanceof PDFRef) traversed.set(srcRoot, structRootRef);
    else tagged = false;
    // Map every page ref before copying, so that /Pg and /P entries point at the copies.
    const srcPages = src.getPages();
    const refs = srcPages.map((p) => {
      const ref = out.context.nextRef();
      traversed.set(p.ref, ref);
      return ref;
    });
    let nextKey = 0;
    const root = srcRoot instanceof PDFRef ? src.context.lookup(srcRoot, PDFDict) : undefined;
    if (root) {
      for (const [key, value] of collectNums(src, root.lookup(N('ParentTree')))) {
        nums.push(PDFNumber.of(key + offset));
        nums.push(copier.copy(value));
        nextKey = Math.max(nextKey, key + 1);
      }
      const declared = root.lookup(N('ParentTreeNextKey'));
      if (declared instanceof PDFNumber) nextKey = Math.max(nextKey, declared.asNumber());
      const k = root.get(N('K'));
      if (k) {
        const copied = copier.copy(k);
        const resolved = copied instanceof PDFRef ? out.context.lookup(copied) : copied;
        if (resolved instanceof PDFArray) for (const e of resolved.asArray()) kids.push(e);
        else kids.push(copied);
      }
      const rm = root.lookup(N('RoleMap'));
      if (rm instanceof PDFDict) for (const [key, v] of rm.entries()) roleMap.set(key, copier.copy(v));
    }
    srcPages.forEach((p, i) => {
      const copied = copier.copy(p.node) as PDFPageLeaf;
      renumber(out, copied, offset);
      out.context.assign(refs[i]!, copied);
      out.addPage(PDFPage.of(copied, refs[i]!, out));
    });
    offset += nextKey;
  }
  if (tagged && kids.size() > 0) {
    const root = out.context.obj({ Type: 'StructTreeRoot', K: kids, ParentTree: out.context.obj({ Nums: nums }), ParentTreeNextKey: PDFNumber.of(offset) }) as PDFDict;
    if (roleMap.keys().length) root.set(N('RoleMap'), roleMap);
    out.context.assign(structRootRef, root);
    out.catalog.set(N('StructTreeRoot'), structRootRef);
    out.catalog.set(N('MarkInfo'), out.context.obj({ Marked: true }));
  }
  finish(out, pages, meta, options);
  return saveWithContentId(out);
}

/** Number-tree entries (flat /Nums or /Kids) of a ParentTree. */
function collectNums(doc: PDFDocument, tree: PDFObject | undefined): [number, PDFObject][] {
  const out: [number, PDFObject][] = [];
  if (!(tree instanceof PDFDict)) return out;
  const nums = tree.lookup(N('Nums'));
  if (nums instanceof PDFArray) {
    for (let i = 0; i + 1 < nums.size(); i += 2) {
      const key = nums.lookup(i);
      if (key instanceof PDFNumber) out.push([key.asNumber(), nums.get(i + 1)]);
    }
  }
  const kids = tree.lookup(N('Kids'));
  if (kids instanceof PDFArray) for (const kid of kids.asArray()) out.push(...collectNums(doc, doc.context.lookup(kid)));
  return out;
}

/** Shift /StructParents of a copied page and /StructParent of its annotations into the merged tree's keys. */
function renumber(out: PDFDocument, page: PDFDict, offset: number): void {
  const sp = page.get(N('StructParents'));
  if (sp instanceof PDFNumber) page.set(N('StructParents'), PDFNumber.of(sp.asNumber() + offset));
  const annots = page.lookup(N('Annots'));
  if (!(annots instanceof PDFArray)) return;
  for (const a of annots.asArray()) {
    const dict = out.context.lookup(a);
    if (!(dict instanceof PDFDict)) continue;
    const n = dict.get(N('StructParent'));
    if (n instanceof PDFNumber) dict.set(N('StructParent'), PDFNumber.of(n.asNumber() + offset));
  }
}
