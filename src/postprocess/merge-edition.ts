/**
 * Post-processing: bytes in, bytes out. Joins page PDFs into the edition PDF
 * (keeping Chromium's structure tree, so the edition stays a tagged PDF),
 * and adds bookmarks, page labels, metadata and — on request — bleed and
 * crop marks. Nothing comes from the clock: the same pages give the same bytes.
 */
import { createHash } from 'node:crypto';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFPage,
  PDFPageLeaf,
  PDFRef,
  type PDFObject,
} from 'pdf-lib';
import { saveWithContentId, setMetadata, type PdfMetadata } from './metadata.ts';
import { ObjectCopier } from './copy-objects.ts';
import { clearParsePool, loadPooled, returnToPool } from './parse-pool.ts';
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

/**
 * pdf-lib parses and writes in slices of 100 (50) objects, waiting for a timer
 * between slices; a page PDF of Chromium's has 1,500 objects: all at once is
 * 2–7 times faster, with the same bytes.
 */
const LOAD_OPTIONS = { updateMetadata: false, parseSpeed: Infinity } as const;

const load = (pdf: Uint8Array) => PDFDocument.load(pdf, LOAD_OPTIONS);

/** One page PDF as written next to the edition: Chromium's file plus metadata, bookmarks, label. */
export async function finalizePage(page: EditionPage, meta: PdfMetadata, options: FinishOptions = {}): Promise<Uint8Array> {
  return finalizeLoaded(await load(page.pdf), page, meta, options);
}

async function finalizeLoaded(doc: PDFDocument, page: EditionPage, meta: PdfMetadata, options: FinishOptions): Promise<Uint8Array> {
  finish(doc, [page], meta, options);
  return saveWithContentId(doc);
}

/** The whole edition in one PDF. */
export async function mergeEdition(pages: EditionPage[], meta: PdfMetadata, options: FinishOptions = {}): Promise<Uint8Array> {
  const sources: PDFDocument[] = [];
  for (const page of pages) sources.push(await load(page.pdf));
  return mergeLoaded(pages, sources, meta, options);
}

/**
 * A page PDF's identity for the caches below: sha256 of Chromium's bytes
 * without the clock dates in its Info dictionary (object 1, at the start of
 * the file), which post-processing replaces with the edition's date anyway.
 * The same page printed again gives the same key.
 */
export function pageKey(pdf: Uint8Array): string {
  const buf = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const hash = createHash('sha256');
  let from = 0;
  for (const name of ['/CreationDate (D:', '/ModDate (D:']) {
    const at = buf.subarray(0, 4096).indexOf(name, from, 'latin1');
    const end = at < 0 ? -1 : buf.indexOf(')', at, 'latin1');
    if (at < 0 || end < 0) continue;
    hash.update(buf.subarray(from, at + name.length));
    from = end;
  }
  hash.update(buf.subarray(from));
  return hash.digest('hex');
}

/**
 * What was post-processed before in this process (a preview, a watch, a
 * bench): finished page files by everything they are made from, and parsed
 * page PDFs (never modified) to copy into the edition. A rebuild parses and
 * finishes only the pages whose PDF changed. Bounded: the oldest go first.
 */
const finished = new Map<string, Uint8Array>();
const parsed = new Map<string, PDFDocument>();
const editions = new Map<string, Uint8Array>();
const MAX_FINISHED = 64;
const MAX_PARSED = 32;
const MAX_EDITIONS = 2;

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): V {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value!);
  return value;
}

function recall<V>(map: Map<string, V>, key: string): V | undefined {
  const value = map.get(key);
  if (value !== undefined) remember(map, key, value, Infinity);
  return value;
}

/** Forget everything post-processed before (tests compare a rebuild with a first build). */
export function clearPostprocessCache(): void {
  finished.clear();
  parsed.clear();
  editions.clear();
  clearParsePool();
}

export interface PostprocessedEdition {
  /** each page's file, in the order of the pages */
  pages: Uint8Array[];
  edition: Uint8Array;
  /** pages finished anew (the others came from the cache) */
  finishedPages: number;
}

/**
 * The page files and the edition file of a build, the same bytes as
 * finalizePage and mergeEdition give, with less work: each new page PDF is
 * parsed once (copied into the edition first, then finished as its own
 * file), and what did not change since an earlier call comes from the cache.
 * Page PDFs are parsed with the objects of pages finished before that are
 * still the same bytes (parse-pool.ts): a page printed again after a small
 * change parses only the objects that changed.
 * The returned arrays may be shared with the cache: do not modify them.
 */
export async function postprocessEdition(
  pages: EditionPage[],
  meta: PdfMetadata,
  pageMeta: (page: EditionPage) => PdfMetadata,
  options: FinishOptions = {},
): Promise<PostprocessedEdition> {
  const sha = (...parts: string[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  const marks = JSON.stringify(options.marks ?? null);
  const keys = pages.map((p) => pageKey(p.pdf));
  const pageKeys = pages.map((p, i) => sha(keys[i]!, p.label, JSON.stringify(p.name ?? null), JSON.stringify(p.articles ?? []), JSON.stringify(pageMeta(p)), marks));
  const editionKey = sha(JSON.stringify(pages.map((p, i) => [keys[i], p.label, p.name ?? null, p.articles ?? []])), JSON.stringify(meta), marks);
  const files: (Uint8Array | undefined)[] = pageKeys.map((k) => recall(finished, k));
  const todo = pages.map((_, i) => i).filter((i) => files[i] === undefined);
  /** parsed here for a page still to be finished: used for the edition first, then finished (modified) */
  const own = new Map<number, PDFDocument>();
  // print marks change pages and their resources: those pages are parsed in full, and give nothing back
  const loadPage = options.marks ? load : loadPooled;
  let edition = recall(editions, editionKey);
  if (!edition) {
    const sources: PDFDocument[] = [];
    for (const [i, p] of pages.entries()) {
      let doc = recall(parsed, keys[i]!);
      if (!doc) {
        doc = await loadPage(p.pdf);
        if (todo.includes(i)) own.set(i, doc);
        else remember(parsed, keys[i]!, doc, MAX_PARSED);
      }
      sources.push(doc);
    }
    edition = remember(editions, editionKey, await mergeLoaded(pages, sources, meta, options), MAX_EDITIONS);
  }
  for (const i of todo) {
    const page = pages[i]!;
    const doc = own.get(i) ?? (await loadPage(page.pdf));
    files[i] = remember(finished, pageKeys[i]!, await finalizeLoaded(doc, page, pageMeta(page), options), MAX_FINISHED);
    // done with: its objects serve the next parse (print marks change pages and resources: not those)
    if (!options.marks) returnToPool(doc);
  }
  return { pages: files as Uint8Array[], edition, finishedPages: todo.length };
}

async function mergeLoaded(pages: EditionPage[], sources: PDFDocument[], meta: PdfMetadata, options: FinishOptions): Promise<Uint8Array> {
  const out = await PDFDocument.create({ updateMetadata: false });
  const structRootRef = out.context.nextRef();
  const kids = PDFArray.withContext(out.context);
  const nums = PDFArray.withContext(out.context);
  const roleMap = out.context.obj({}) as PDFDict;
  let offset = 0;
  let tagged = pages.length > 0;
  const copiers: ObjectCopier[] = [];
  /** copies changed after copying (annotations renumbered) */
  const changed = new Set<PDFObject>();
  for (const src of sources) {
    const copier = new ObjectCopier(src.context, out.context);
    copiers.push(copier);
    const traversed = copier.traversedObjects;
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
      renumber(out, copied, offset, changed);
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
  // copies of never-changed objects are written as they were in the edition before, when they are the same
  // (not with print marks: those change pages' resources after copying)
  const save = { known: new Map(), record: new Map() };
  const reuse = !options.marks && copiers.some((c) => c.hasStable);
  if (reuse) for (const c of copiers) c.prepareSave(save, changed);
  const bytes = await saveWithContentId(out, save);
  if (reuse) for (const c of copiers) c.keepBytes(save);
  return bytes;
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
function renumber(out: PDFDocument, page: PDFDict, offset: number, changed: Set<PDFObject>): void {
  const sp = page.get(N('StructParents'));
  if (sp instanceof PDFNumber) page.set(N('StructParents'), PDFNumber.of(sp.asNumber() + offset));
  const annots = page.lookup(N('Annots'));
  if (!(annots instanceof PDFArray)) return;
  for (const a of annots.asArray()) {
    const dict = out.context.lookup(a);
    if (!(dict instanceof PDFDict)) continue;
    const n = dict.get(N('StructParent'));
    changed.add(dict);
    if (n instanceof PDFNumber) dict.set(N('StructParent'), PDFNumber.of(n.asNumber() + offset));
  }
}
