/**
 * Parse page PDFs faster on a rebuild. Chromium prints a page again with
 * nearly all of its objects unchanged byte for byte (a changed paragraph
 * changes the page's content stream and a few font subsets: 15 objects of
 * 1,440 on the sample page). Parsing reuses the objects of page PDFs parsed
 * before in this process whose bytes — from `n g obj` to `endobj` — are the
 * same: the parser reads nothing but those bytes, so the object is the one it
 * would make again.
 *
 * Objects are never shared: a parsed object belongs to one document. Only the
 * objects of documents that are done with (page files finished and saved) go
 * into the pool, and an object taken from the pool leaves it. Objects that
 * finishing a page changes (catalog, info dictionary, page tree and pages,
 * anything the catalog refers to) are not kept; documents that got print
 * marks (which change pages and resources) give nothing back.
 *
 * The objects are read the way pdf-lib's PDFParser reads them (this replaces
 * its object loop, with the same steps, without a promise per object).
 */
import { Buffer } from 'node:buffer';
import {
  PDFArray,
  PDFCatalog,
  PDFContext,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFObjectStreamParser,
  PDFPageLeaf,
  PDFPageTree,
  PDFParser,
  PDFRawStream,
  PDFRef,
  PDFStream,
  PDFXRefStreamParser,
  type PDFObject,
} from 'pdf-lib';
import { markChanging, markUnchanging, rememberBytes } from './write-pdf.ts';

interface Entry {
  /** the bytes of the file the object was parsed from, and where the object is in them */
  file: Buffer;
  start: number;
  end: number;
  ref: PDFRef;
  object: PDFObject;
  /** which pooled document it came from (the oldest go first) */
  generation: number;
}

/** objects of finished documents, by object number */
const pool = new Map<number, Entry[]>();
let pooled = 0;
let generation = 0;
/** about eight page PDFs' worth (the objects of the pages finished last; a bigger pool costs garbage-collection time) */
const MAX_POOLED = 12_000;

/** What a parse took from the pool and what it read itself: for giving the objects back. */
export interface ParsedObjects {
  file: Buffer;
  entries: { start: number; end: number; ref: PDFRef; object: PDFObject }[];
  reused: number;
}

const parsedBy = new WeakMap<PDFDocument, ParsedObjects>();

export function clearParsePool(): void {
  pool.clear();
  byGeneration.clear();
  pooled = 0;
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const ENDOBJ = Buffer.from('endobj', 'latin1');
const XREF_KEYWORD = [...Buffer.from('xref', 'latin1')];
const N_CHAR = 0x6e;
const F_CHAR = 0x66;
const TYPE = PDFName.of('Type');
const OBJSTM = PDFName.of('ObjStm');
const XREF = PDFName.of('XRef');

/** The object number at `at` (the start of `n g obj`), or -1. */
function objectNumber(bytes: Uint8Array, at: number): number {
  let n = 0;
  let i = at;
  while (i < bytes.length && bytes[i]! >= DIGIT_0 && bytes[i]! <= DIGIT_9) n = n * 10 + bytes[i++]! - DIGIT_0;
  return i === at ? -1 : n;
}

/** Make a pooled object (and the direct objects inside it) look up references in its new document. */
function rehome(object: PDFObject, context: PDFContext): void {
  if (object instanceof PDFDict) {
    (object as unknown as { context: PDFContext }).context = context;
    for (const value of (object as unknown as { dict: Map<PDFName, PDFObject> }).dict.values()) {
      if (value instanceof PDFDict || value instanceof PDFArray || value instanceof PDFStream) rehome(value, context);
    }
  } else if (object instanceof PDFArray) {
    (object as unknown as { context: PDFContext }).context = context;
    for (const value of (object as unknown as { array: PDFObject[] }).array) {
      if (value instanceof PDFDict || value instanceof PDFArray || value instanceof PDFStream) rehome(value, context);
    }
  } else if (object instanceof PDFStream) {
    rehome(object.dict, context);
  }
}

/** A pooled object whose bytes are the file's at `start`, if any. */
function find(file: Buffer, start: number): Entry | undefined {
  const n = objectNumber(file, start);
  const candidates = n < 0 ? undefined : pool.get(n);
  if (!candidates) return undefined;
  for (let k = candidates.length - 1; k >= 0; k--) {
    const e = candidates[k]!;
    const length = e.end - e.start;
    if (start + length > file.length) continue;
    if (file.compare(e.file, e.start, e.end, start, start + length) === 0) return e;
  }
  return undefined;
}

/** Take a found object out of the pool: it belongs to the new document now. */
function take(e: Entry): void {
  const n = e.ref.objectNumber;
  const candidates = pool.get(n)!;
  candidates.splice(candidates.indexOf(e), 1);
  if (candidates.length === 0) pool.delete(n);
  pooled--;
}

type ParserInternals = {
  bytes: { done(): boolean; peek(): number; next(): number; offset(): number; moveTo(offset: number): void };
  context: PDFContext;
  shouldWaitForTick: () => boolean;
  skipWhitespaceAndComments(): void;
  skipJibberish(): void;
  parseIndirectObjectHeader(): PDFRef;
  parseObject(): PDFObject;
  matchKeyword(keyword: number[]): boolean;
  tryToParseInvalidIndirectObject(): PDFRef;
  parseIndirectObjects(): Promise<void>;
  parseRawInt(): number;
  maybeParseCrossRefSection(): void;
};

/**
 * PDFDocument.load(pdf, { updateMetadata: false, parseSpeed: Infinity }), the
 * same document, taking unchanged objects from the pool.
 */
export async function loadPooled(pdf: Uint8Array): Promise<PDFDocument> {
  const file = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const parser = PDFParser.forBytesWithOptions(pdf, Infinity, false, false) as unknown as ParserInternals;
  const record: ParsedObjects = { file, entries: [], reused: 0 };
  const endobj = [...ENDOBJ];
  /** PDFParser.parseIndirectObject, from the pool when the bytes are the same */
  const parseIndirectObject = async (found: Entry | undefined): Promise<void> => {
    const start = parser.bytes.offset();
    const hit = found ?? find(file, start);
    if (hit) {
      take(hit);
      rehome(hit.object, parser.context);
      parser.context.assign(hit.ref, hit.object);
      parser.bytes.moveTo(start + (hit.end - hit.start));
      record.entries.push({ start, end: start + (hit.end - hit.start), ref: hit.ref, object: hit.object });
      record.reused++;
      return;
    }
    const ref = parser.parseIndirectObjectHeader();
    parser.skipWhitespaceAndComments();
    const object = parser.parseObject();
    parser.skipWhitespaceAndComments();
    const ended = parser.matchKeyword(endobj);
    if (object instanceof PDFRawStream && object.dict.lookup(TYPE) === OBJSTM) {
      await PDFObjectStreamParser.forStream(object, parser.shouldWaitForTick).parseIntoContext();
    } else if (object instanceof PDFRawStream && object.dict.lookup(TYPE) === XREF) {
      PDFXRefStreamParser.forStream(object).parseIntoContext();
    } else {
      parser.context.assign(ref, object);
      // only what ended with `endobj` is known to depend on its own bytes alone
      if (ended) record.entries.push({ start, end: parser.bytes.offset(), ref, object });
    }
  };
  /** PDFParser.parseIndirectObjects (objectsPerTick is Infinity: it never waits for a tick) */
  parser.parseIndirectObjects = async () => {
    parser.skipWhitespaceAndComments();
    /** the pooled object found at the next object's place */
    let next: Entry | undefined;
    while (!parser.bytes.done() && parser.bytes.peek() >= DIGIT_0 && parser.bytes.peek() <= DIGIT_9) {
      const initialOffset = parser.bytes.offset();
      try {
        await parseIndirectObject(next);
      } catch {
        parser.bytes.moveTo(initialOffset);
        parser.tryToParseInvalidIndirectObject();
      }
      parser.skipWhitespaceAndComments();
      // skipJibberish stops at once before an object header; a pooled object's bytes start with one
      next = find(file, parser.bytes.offset());
      if (!next) parser.skipJibberish();
      parser.shouldWaitForTick();
    }
  };
  /** PDFParser.maybeParseCrossRefSection, the same steps; the table it returns is never used, so it is not made */
  parser.maybeParseCrossRefSection = () => {
    parser.skipWhitespaceAndComments();
    if (!parser.matchKeyword(XREF_KEYWORD)) return;
    parser.skipWhitespaceAndComments();
    while (!parser.bytes.done() && parser.bytes.peek() >= DIGIT_0 && parser.bytes.peek() <= DIGIT_9) {
      parser.parseRawInt();
      parser.skipWhitespaceAndComments();
      parser.parseRawInt();
      parser.skipWhitespaceAndComments();
      const byte = parser.bytes.peek();
      if (byte === N_CHAR || byte === F_CHAR) parser.bytes.next();
      parser.skipWhitespaceAndComments();
    }
  };
  const context = await (parser as unknown as PDFParser).parseDocument();
  const DocumentClass = PDFDocument as unknown as new (context: PDFContext, ignoreEncryption: boolean, updateMetadata: boolean) => PDFDocument;
  const doc = new DocumentClass(context, false, false);
  parsedBy.set(doc, record);
  rememberBytes(doc);
  parsePoolStats.reused += record.reused;
  parsePoolStats.parsed += record.entries.length - record.reused;
  // what finishing may change is not written from its earlier bytes
  if (record.reused > 0) for (const ref of changeable(context)) {
    const o = context.lookup(ref);
    if (o) markChanging(o);
  }
  return doc;
}

/**
 * Give a document's objects to the pool: call only when the document is no
 * longer used (its files are saved), and only for documents changed by
 * nothing but finishing (outline, page labels, metadata).
 */
export function returnToPool(doc: PDFDocument): void {
  const record = parsedBy.get(doc);
  if (!record) return;
  parsedBy.delete(doc);
  const { context } = doc;
  // what finishing changes, or might: never kept
  const keep = new Set<PDFRef>();
  const skip = changeable(context);
  generation++;
  // the pool compares later files with these bytes: the page PDF's own (post-processing never changes a
  // page PDF's bytes once given them, as pageKey's cache has it; a copy cost 2 ms a page, measured)
  const file = record.file;
  for (const e of record.entries) {
    if (skip.has(e.ref) || keep.has(e.ref)) continue;
    const o = e.object;
    if (o instanceof PDFCatalog || o instanceof PDFPageTree || o instanceof PDFPageLeaf) continue;
    // the object must still be the document's (nothing replaced it)
    if (context.lookup(e.ref) !== o) continue;
    keep.add(e.ref);
    markUnchanging(o);
    const list = pool.get(e.ref.objectNumber);
    const entry: Entry = { file, start: e.start, end: e.end, ref: e.ref, object: o, generation };
    if (list) list.push(entry);
    else pool.set(e.ref.objectNumber, [entry]);
    pooled++;
  }
  byGeneration.set(generation, [...keep].map((ref) => ref.objectNumber));
  while (pooled > MAX_POOLED) dropOldest();
}

/** The catalog, the info dictionary and what the catalog refers to: what finishing a page changes, or might. */
function changeable(context: PDFContext): Set<PDFRef> {
  const refs = new Set<PDFRef>();
  for (const ref of [context.trailerInfo.Root, context.trailerInfo.Info, context.trailerInfo.Encrypt]) if (ref instanceof PDFRef) refs.add(ref);
  const catalog = context.lookup(context.trailerInfo.Root);
  const refsIn = (o: PDFObject): void => {
    if (o instanceof PDFRef) refs.add(o);
    else if (o instanceof PDFDict) for (const [, v] of o.entries()) refsIn(v);
    else if (o instanceof PDFArray) for (let i = 0; i < o.size(); i++) refsIn(o.get(i));
  };
  if (catalog instanceof PDFDict) refsIn(catalog);
  return refs;
}

/** the object numbers each generation put into the pool (the lists to look in when it goes) */
const byGeneration = new Map<number, number[]>();

/** The oldest generation's objects out of the pool (only the lists it put objects in are looked at). */
function dropOldest(): void {
  const oldest = byGeneration.keys().next();
  if (oldest.done) {
    pool.clear();
    pooled = 0;
    return;
  }
  const numbers = byGeneration.get(oldest.value)!;
  byGeneration.delete(oldest.value);
  for (const n of numbers) {
    const list = pool.get(n);
    if (!list) continue;
    const rest = list.filter((e) => e.generation !== oldest.value);
    pooled -= list.length - rest.length;
    if (rest.length) pool.set(n, rest);
    else pool.delete(n);
  }
}

/** For tests and benchmarks: objects parsed and objects taken from the pool, since the process started. */
export const parsePoolStats = { parsed: 0, reused: 0 };
