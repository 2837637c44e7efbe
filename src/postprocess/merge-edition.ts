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
import { collectNums, editionTimings, makeBlock, writeEdition, type Block } from './edition-blocks.ts';
import { ObjectCopier } from './copy-objects.ts';
import { clearParsePool, loadPooled, returnToPool } from './parse-pool.ts';
import { setOutline, type OutlineEntry } from './outline.ts';
import { setPageLabels } from './page-labels.ts';
import { joinParts } from './write-pdf.ts';
import { appendFinished } from './append-update.ts';
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

function finish(doc: PDFDocument, pages: EditionPage[], meta: PdfMetadata, options: FinishOptions, pageRefs?: { ref: PDFRef; height: number }[]): void {
  setOutline(doc, pages.map(pageEntry), pageRefs);
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

/**
 * One page PDF as written next to the edition: Chromium's file plus metadata, bookmarks, label, as an
 * update appended to it (append-update.ts); with print marks, which change the page, written whole.
 */
export async function finalizePage(page: EditionPage, meta: PdfMetadata, options: FinishOptions = {}): Promise<Uint8Array> {
  return finalizeLoaded(await load(page.pdf), page, meta, options);
}

/** `doc`: page.pdf parsed (finishing changes it) */
async function finalizeLoaded(doc: PDFDocument, page: EditionPage, meta: PdfMetadata, options: FinishOptions): Promise<Uint8Array> {
  const firstNew = doc.context.largestObjectNumber + 1;
  finish(doc, [page], meta, options);
  if (!options.marks) {
    const appended = appendFinished(page.pdf, doc, firstNew, meta.date, pageKey(page.pdf));
    if (appended) return appended;
  }
  return saveWithContentId(doc);
}

/**
 * The whole edition in one PDF: each page's objects copied into it
 * (edition-blocks.ts; with print marks, mergeLoaded), the same bytes as
 * postprocessEdition's edition.
 */
export async function mergeEdition(pages: EditionPage[], meta: PdfMetadata, options: FinishOptions = {}): Promise<Uint8Array> {
  if (options.marks || pages.length === 0) return mergeEditionReference(pages, meta, options);
  const blocks: Block[] = [];
  for (const page of pages) blocks.push(makeBlock(await load(page.pdf), page.pdf.length));
  return joinParts(await writeEdition(blocks, (doc, refs) => finish(doc, pages, meta, options, refs), false));
}

/**
 * The edition as pdf-lib's copier and writer make it (mergeLoaded): the bytes
 * of mergeEdition but the /ID (a hash of the whole file here). Print marks
 * use it; tests compare the blocks with it.
 */
export async function mergeEditionReference(pages: EditionPage[], meta: PdfMetadata, options: FinishOptions = {}): Promise<Uint8Array> {
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
  const known = pageKeys.get(pdf);
  if (known !== undefined) return known;
  const key = hashPage(pdf);
  pageKeys.set(pdf, key);
  return key;
}

/**
 * Keys of page PDFs hashed before, by the array (a page from the build cache
 * is the same array as last time): a page PDF's bytes are never changed after
 * they were given to post-processing.
 */
const pageKeys = new WeakMap<Uint8Array, string>();

function hashPage(pdf: Uint8Array): string {
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
 * bench): finished page files by everything they are made from, each page
 * PDF's block of the edition (edition-blocks.ts), editions, and (for print
 * marks) parsed page PDFs, never modified, to copy into the edition. A
 * rebuild parses, copies and finishes only the pages whose PDF changed.
 * Bounded: the oldest go first.
 */
const finished = new Map<string, Uint8Array>();
const parsed = new Map<string, PDFDocument>();
const blocks = new Map<string, Block>();
/** editions, as pieces of their files (writeEdition) */
const editions = new Map<string, Uint8Array[]>();
const MAX_FINISHED = 64;
const MAX_PARSED = 32;
/** each a page's copied objects, written (about the size of the page PDF); at least the pages of the edition and 16 more */
const MAX_BLOCKS = 48;
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
  blocks.clear();
  editions.clear();
  clearParsePool();
}

/**
 * For tests and benchmarks: milliseconds of the last postprocessEdition's
 * steps: keys (the pages' hashes), edition (edition.pdf: of it, parse and copy
 * for pages not seen before, write, and id: the hash for /ID), pages
 * (finishing page files).
 */
export const postprocessTimings = { keys: 0, edition: 0, parse: 0, copy: 0, write: 0, id: 0, pages: 0 };

export interface PostprocessedEdition {
  /** each page's file, in the order of the pages */
  pages: Uint8Array[];
  /** the edition file (joined from editionParts when first asked for) */
  readonly edition: Uint8Array;
  /** the edition file in pieces, in order: writeAtomically writes them without joining them */
  editionParts: Uint8Array[];
  /** pages finished anew (the others came from the cache) */
  finishedPages: number;
}

/**
 * The page files and the edition file of a build, the same bytes as
 * finalizePage and mergeEdition give, with less work: each new page PDF is
 * parsed once (written as its block of the edition first, then finished as
 * its own file), and what did not change since an earlier call comes from
 * the cache; the edition is written from the pages' blocks (edition-blocks.ts),
 * those of unchanged pages copied as their bytes of the edition before.
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
  let t = performance.now();
  const lap = (step: keyof typeof postprocessTimings) => {
    const now = performance.now();
    postprocessTimings[step] = now - t;
    t = now;
  };
  /** a sub-step of the edition's (does not restart the edition's clock) */
  let sub = 0;
  const subLap = (step: 'parse' | 'copy' | 'write' | 'id') => {
    const now = performance.now();
    postprocessTimings[step] += now - sub;
    sub = now;
  };
  postprocessTimings.parse = postprocessTimings.copy = postprocessTimings.write = postprocessTimings.id = 0;
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
  lap('keys');
  let edition = recall(editions, editionKey);
  if (!edition && !options.marks && pages.length > 0) {
    // each page's copied objects, written once (edition-blocks.ts): the edition is mergeLoaded's bytes
    const parts: Block[] = [];
    sub = performance.now();
    for (const [i, p] of pages.entries()) {
      let block = recall(blocks, keys[i]!);
      if (!block) {
        // (parsed: kept by a build with print marks; never modified)
        const kept = recall(parsed, keys[i]!);
        const doc = kept ?? (await loadPage(p.pdf));
        subLap('parse');
        // (room for all pages of a big edition, and some pages of before)
        block = remember(blocks, keys[i]!, makeBlock(doc, p.pdf.length), Math.max(MAX_BLOCKS, pages.length + 16));
        subLap('copy');
        // a page to finish is finished below; the others' objects serve the next parse (makeBlock changes nothing)
        if (!kept && todo.includes(i)) own.set(i, doc);
        else if (!kept) returnToPool(doc);
      }
      parts.push(block);
    }
    edition = remember(editions, editionKey, await writeEdition(parts, (doc, refs) => finish(doc, pages, meta, options, refs)), MAX_EDITIONS);
    subLap('write');
    // (of which the /ID)
    postprocessTimings.id = editionTimings.id;
    postprocessTimings.write -= editionTimings.id;
  }
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
    edition = remember(editions, editionKey, [await mergeLoaded(pages, sources, meta, options)], MAX_EDITIONS);
  }
  lap('edition');
  for (const i of todo) {
    const page = pages[i]!;
    const doc = own.get(i) ?? (await loadPage(page.pdf));
    files[i] = remember(finished, pageKeys[i]!, await finalizeLoaded(doc, page, pageMeta(page), options), MAX_FINISHED);
    // done with: its objects serve the next parse (print marks change pages and resources: not those)
    if (!options.marks) returnToPool(doc);
  }
  lap('pages');
  const parts = edition;
  let joined: Uint8Array | undefined;
  return {
    pages: files as Uint8Array[],
    get edition() {
      return (joined ??= joinParts(parts));
    },
    editionParts: parts,
    finishedPages: todo.length,
  };
}

async function mergeLoaded(pages: EditionPage[], sources: PDFDocument[], meta: PdfMetadata, options: FinishOptions): Promise<Uint8Array> {
  const out = await PDFDocument.create({ updateMetadata: false });
  const structRootRef = out.context.nextRef();
  const kids = PDFArray.withContext(out.context);
  const nums = PDFArray.withContext(out.context);
  const roleMap = out.context.obj({}) as PDFDict;
  let offset = 0;
  let tagged = pages.length > 0;
  for (const src of sources) {
    const copier = new ObjectCopier(src.context, out.context);
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
