/**
 * The edition PDF written from per-page blocks, so that a rebuild with one
 * page changed does the work of one page.
 *
 * The edition is mergeLoaded's file (merge-edition.ts), byte for byte: the
 * page tree (1), the catalog (2), the structure tree root (3), then each
 * page's copied objects, numbered in the order they are copied, then the
 * bookmarks, the info dictionary and the XMP packet; a cross-reference table;
 * the /ID a hash of the file (see writeEdition). A page's copied objects refer to nothing
 * outside its own block but the page tree and the structure tree root, and
 * their bytes differ from one edition to another only in the numbers: their
 * own object numbers (shifted by the objects of the pages before) and the
 * /StructParents of the page and /StructParent of its annotations (shifted
 * by the parent-tree keys of the pages before).
 *
 * So each page PDF is written once as a block: the bytes its copies would be
 * written as, with those numbers cut out (a template; the copies themselves
 * are never made). An edition is the blocks with the numbers filled in; a
 * block whose numbers did not change is the bytes it was in the edition
 * written last. A fresh build makes every block and fills it in: the same
 * bytes as a rebuild, by construction, and mergeLoaded's bytes but the /ID
 * (tested against it: tests/postprocess/edition-blocks.test.ts).
 *
 * Cost of a rebuild of a 16-page edition with one page changed: that page's
 * block (parse, about 3 ms to write it), the cross-reference table, and the
 * /ID hash (of the changed page's block and of what is not in a block:
 * about 1 MB). The edition is returned as pieces (the blocks' own bytes) and
 * written as they are: no 8.5 MB of new memory to fill.
 */
import { createHash } from 'node:crypto';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHeader,
  PDFName,
  PDFNumber,
  PDFPageLeaf,
  PDFRawStream,
  PDFRef,
  PDFStream,
  type PDFObject,
} from 'pdf-lib';
import { setPlaceholderId, writeId } from './metadata.ts';
import { isUnchanging, trailerAfterXref } from './write-pdf.ts';

const N = (n: string) => PDFName.of(n);
/** where a block's copies refer to the structure tree root and to the page tree (outside the block) */
const STRUCT_ROOT = 1_000_000_000;
const PAGE_TREE = STRUCT_ROOT + 1;
const PAGE_TREE_REF = PDFRef.of(PAGE_TREE);

/** slot kinds: a reference's object number; a parent-tree key (shifted); an object's header `n 0 obj\n` */
const REF = 0;
const KEY = 1;
const HEAD = 2;

/** Bytes with numbers cut out: `slots` holds (position in `bytes`, kind, value) triples, by position. */
export interface Template {
  bytes: Uint8Array;
  slots: Int32Array;
}

/** The numbers a template is filled in with. */
interface Numbers {
  /** added to the block's own object numbers (1, 2, … in the block) */
  shift: number;
  /** added to parent-tree keys */
  keys: number;
  structRoot: number;
  pageTree: number;
}

/** One page PDF, copied and written as a template. */
export interface Block {
  /** the block's objects are numbered 1…count (with gaps where a reference pointed at nothing) */
  count: number;
  /** the objects (each starts with a HEAD slot), in the order of their numbers */
  body: Template;
  /** the objects' numbers in the block, in order */
  numbers: Int32Array;
  /** whether the page PDF has a structure tree (a reference to its root) */
  tagged: boolean;
  /** the block's pages: number in the block and height (for bookmarks) */
  pages: { number: number; height: number }[];
  /** parent-tree entries: key (before shifting) and the copied value */
  nums: { key: number; value: Template }[];
  nextKey: number;
  /** the structure tree root's /K entries from this page */
  kids: Template[];
  roleMap: { key: PDFName; value: Template }[];
  /** the body as last filled in, where each object starts in it, and its sha256 */
  last?: { numbers: Numbers; bytes: Uint8Array; starts: Int32Array; digest: Buffer };
}

/** How a page PDF's objects are written into its block (see makeBlock). */
interface Copying {
  /** a source reference → the number of its copy in the block (or STRUCT_ROOT, PAGE_TREE) */
  map: Map<PDFRef, number>;
  /** entries of page dictionaries as copied (inherited attributes in, /Parent out) */
  pageEntries: (leaf: PDFPageLeaf) => [PDFName, PDFObject][];
  /** the block's own pages: /StructParents a key, /Parent the page tree */
  ownPages: Set<PDFDict>;
  /** their annotations: /StructParent a key */
  annotations: Set<PDFDict>;
}

const STRUCT_PARENTS = N('StructParents');
const STRUCT_PARENT = N('StructParent');
const PARENT = N('Parent');
const LENGTH = N('Length');
const INHERITABLE = PDFPageLeaf.InheritableEntries.map((k) => N(k));

/**
 * Writes objects of a page PDF as their copies in the edition would be
 * written (ObjectCopier's copy, then savePdf), without making the copies:
 * references as slots (the copy's number in the block), parent-tree keys as
 * slots.
 */
class Writer {
  bytes: Uint8Array;
  length = 0;
  slots: number[] = [];
  /** the references written, in order (each a REF slot) */
  refs: PDFRef[] = [];
  /** set when an object written is one of the block's own pages or their annotations (written by role, not by bytes alone) */
  special = false;
  constructor(
    private readonly c: Copying,
    capacity = 1 << 12,
  ) {
    this.bytes = new Uint8Array(capacity);
  }

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(b: number): void {
    this.room(1);
    this.bytes[this.length++] = b;
  }

  raw(data: Uint8Array): void {
    this.room(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  ascii(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.bytes[this.length++] = s.charCodeAt(i);
  }

  slot(kind: number, value: number): void {
    this.slots.push(this.length, kind, value);
  }

  /** the copy's PDFObject.copyBytesInto */
  object(o: PDFObject): void {
    if (o instanceof PDFRef) {
      const n = this.c.map.get(o);
      if (n === undefined) throw new Error(`edition: a reference not copied (${o.tag})`);
      this.slot(REF, n);
      this.refs.push(o);
      this.ascii(' 0 R');
    } else if (o instanceof PDFPageLeaf) {
      const own = this.c.ownPages.has(o);
      this.special = true;
      this.ascii('<<\n');
      for (const [key, value] of this.c.pageEntries(o)) this.entry(key, value, own && key === STRUCT_PARENTS);
      if (own) this.entry(PARENT, PAGE_TREE_REF, false);
      this.ascii('>>');
    } else if (o instanceof PDFDict) {
      const annotation = this.c.annotations.has(o);
      if (annotation) this.special = true;
      this.ascii('<<\n');
      for (const [key, value] of (o as unknown as { dict: Map<PDFName, PDFObject> }).dict) this.entry(key, value, annotation && key === STRUCT_PARENT);
      this.ascii('>>');
    } else if (o instanceof PDFArray) {
      this.byte(0x5b); // [
      this.byte(0x20);
      for (const item of (o as unknown as { array: PDFObject[] }).array) {
        this.object(item);
        this.byte(0x20);
      }
      this.byte(0x5d); // ]
    } else if (o instanceof PDFStream) {
      // as PDFStream.updateDict leaves the copy's dictionary: /Length the size of the contents
      const contents = o instanceof PDFRawStream ? o.contents : o.getContents();
      this.ascii('<<\n');
      let length = false;
      for (const [key, value] of (o.dict as unknown as { dict: Map<PDFName, PDFObject> }).dict) {
        if (key === LENGTH) {
          length = true;
          this.ascii(`/Length ${contents.length}\n`);
        } else this.entry(key, value, false);
      }
      if (!length) this.ascii(`/Length ${contents.length}\n`);
      this.ascii('>>\nstream\n');
      this.raw(contents);
      this.ascii('\nendstream');
    } else {
      const n = o.sizeInBytes();
      this.room(n);
      this.length += o.copyBytesInto(this.bytes, this.length);
    }
  }

  private entry(key: PDFName, value: PDFObject, isKey: boolean): void {
    this.object(key);
    this.byte(0x20);
    if (isKey && value instanceof PDFNumber) this.slot(KEY, value.asNumber());
    else this.object(value);
    this.byte(0x0a);
  }

  /**
   * An indirect object's body (between `n 0 obj` and `endobj`). One that came unchanged from the parse
   * pool is written as its bytes the last time, its references renumbered: a rebuild's page PDF has
   * ~1,400 such objects of ~1,440, most of them small dictionaries of the structure tree. Streams
   * are written anew (their contents are most of their bytes: nothing to save by keeping a copy).
   */
  indirect(o: PDFObject): void {
    const kept = templates.get(o);
    if (kept) {
      editionStats.kept++;
      const base = this.length;
      this.raw(kept.bytes);
      let r = 0;
      for (let i = 0; i < kept.slots.length; i += 3) {
        const kind = kept.slots[i + 1]!;
        if (kind === REF) {
          const ref = kept.refs[r++]!;
          const n = this.c.map.get(ref);
          if (n === undefined) throw new Error(`edition: a reference not copied (${ref.tag})`);
          this.slots.push(base + kept.slots[i]!, REF, n);
          this.refs.push(ref);
        } else this.slots.push(base + kept.slots[i]!, kind, kept.slots[i + 2]!);
      }
      return;
    }
    const start = this.length;
    const firstSlot = this.slots.length;
    const firstRef = this.refs.length;
    this.special = false;
    this.object(o);
    if (this.special || o instanceof PDFStream || !isUnchanging(o)) return;
    const slots = new Int32Array(this.slots.length - firstSlot);
    for (let i = 0; i < slots.length; i += 3) {
      slots[i] = this.slots[firstSlot + i]! - start;
      slots[i + 1] = this.slots[firstSlot + i + 1]!;
      slots[i + 2] = this.slots[firstSlot + i + 2]!;
    }
    templates.set(o, { bytes: this.bytes.slice(start, this.length), slots, refs: this.refs.slice(firstRef) });
  }

  /** the template written so far; starts a new one */
  take(): Template {
    // a writer that was given room for about what it wrote keeps its array (no copy)
    const fits = this.length > this.bytes.length * 0.9;
    const t = { bytes: fits ? this.bytes.subarray(0, this.length) : this.bytes.slice(0, this.length), slots: Int32Array.from(this.slots) };
    if (fits) this.bytes = new Uint8Array(1 << 12);
    this.length = 0;
    this.slots = [];
    this.refs = [];
    return t;
  }
}

/**
 * What each unchanging object (parse-pool.ts: never changed again) was written as in a block: its bytes
 * with slots relative to its start, and the references of its REF slots (their numbers are the
 * block's, looked up again each time). Kept with the object, dropped with it.
 */
const templates = new WeakMap<PDFObject, { bytes: Uint8Array; slots: Int32Array; refs: PDFRef[] }>();

/** One template of one object (a parent-tree value, a /K entry). */
function templateOf(o: PDFObject, w: Writer): Template {
  w.object(o);
  return w.take();
}

const ENDOBJ = '\nendobj\n\n';

/**
 * For tests and benchmarks, since the process started: page PDFs copied and
 * written as a block; blocks written from their template (new, or their
 * numbers changed); blocks copied as the bytes of the edition before; objects
 * written into a block as their bytes in a block before (Writer.indirect).
 */
export const editionStats = { made: 0, filled: 0, reused: 0, kept: 0 };

/**
 * A page PDF as a block: its objects as mergeLoaded copies them (ObjectCopier:
 * numbered in the order it meets them), each written once. The copies are
 * not made: the source objects are written with the copies' numbers.
 * `size`: about how many bytes the block has (the page PDF's size).
 */
export function makeBlock(src: PDFDocument, size = 1 << 16): Block {
  editionStats.made++;
  const ctx = src.context;
  const map = new Map<PDFRef, number>();
  /** the block's objects by number (source objects; none where a reference pointed at nothing) */
  const objects: (PDFObject | undefined)[] = [];
  let next = 0;
  /** direct dictionaries, arrays and streams met before (ObjectCopier copies each once) */
  const seen = new Set<PDFObject>();
  const entries = new Map<PDFPageLeaf, [PDFName, PDFObject][]>();
  /** ObjectCopier.copyPage: inherited attributes added, /Parent removed */
  const pageEntries = (leaf: PDFPageLeaf): [PDFName, PDFObject][] => {
    let e = entries.get(leaf);
    if (!e) {
      const cloned = leaf.clone();
      for (const key of INHERITABLE) {
        const value = cloned.getInheritableAttribute(key);
        if (!cloned.get(key) && value) cloned.set(key, value);
      }
      cloned.delete(PARENT);
      e = cloned.entries();
      entries.set(leaf, e);
    }
    return e;
  };
  /** ObjectCopier.copy's walk: numbers the referenced objects in the order it copies them */
  const visit = (o: PDFObject): void => {
    if (o instanceof PDFRef) {
      if (map.has(o)) return;
      const n = ++next;
      map.set(o, n);
      const value = ctx.lookup(o);
      if (value) {
        objects[n] = value;
        visit(value);
      }
    } else if (o instanceof PDFPageLeaf) {
      for (const [, v] of pageEntries(o)) visit(v);
    } else if (o instanceof PDFDict) {
      if (seen.has(o)) return;
      seen.add(o);
      for (const v of (o as unknown as { dict: Map<PDFName, PDFObject> }).dict.values()) visit(v);
    } else if (o instanceof PDFArray) {
      if (seen.has(o)) return;
      seen.add(o);
      for (const v of (o as unknown as { array: PDFObject[] }).array) visit(v);
    } else if (o instanceof PDFStream) {
      if (seen.has(o)) return;
      seen.add(o);
      for (const v of (o.dict as unknown as { dict: Map<PDFName, PDFObject> }).dict.values()) visit(v);
    }
  };
  const srcRoot = src.catalog.get(N('StructTreeRoot'));
  const tagged = srcRoot instanceof PDFRef;
  if (srcRoot instanceof PDFRef) map.set(srcRoot, STRUCT_ROOT);
  map.set(PAGE_TREE_REF, PAGE_TREE);
  const srcPages = src.getPages();
  const ownPages = new Set<PDFDict>();
  // every page numbered first, so that /Pg and /P entries point at the copies
  const pageNumbers = srcPages.map((p) => {
    const n = ++next;
    map.set(p.ref, n);
    objects[n] = p.node;
    ownPages.add(p.node);
    return n;
  });
  const nums: { key: number; value: PDFObject }[] = [];
  const kids: PDFObject[] = [];
  const roleMap: { key: PDFName; value: PDFObject }[] = [];
  let nextKey = 0;
  const root = srcRoot instanceof PDFRef ? ctx.lookup(srcRoot, PDFDict) : undefined;
  if (root) {
    for (const [key, value] of collectNums(src, root.lookup(N('ParentTree')))) {
      visit(value);
      nums.push({ key, value });
      nextKey = Math.max(nextKey, key + 1);
    }
    const declared = root.lookup(N('ParentTreeNextKey'));
    if (declared instanceof PDFNumber) nextKey = Math.max(nextKey, declared.asNumber());
    const k = root.get(N('K'));
    if (k) {
      visit(k);
      const resolved = k instanceof PDFRef ? objects[map.get(k)!] : k;
      if (resolved instanceof PDFArray) for (const e of resolved.asArray()) kids.push(e);
      else kids.push(k);
    }
    const rm = root.lookup(N('RoleMap'));
    if (rm instanceof PDFDict) {
      for (const [key, v] of rm.entries()) {
        visit(v);
        roleMap.push({ key, value: v });
      }
    }
  }
  // the pages' annotations (as mergeLoaded's renumber finds them)
  const annotations = new Set<PDFDict>();
  for (const p of srcPages) {
    visit(p.node);
    const annots = pageEntries(p.node).find(([key]) => key === N('Annots'))?.[1];
    const list = annots instanceof PDFRef ? ctx.lookup(annots) : annots;
    if (!(list instanceof PDFArray)) continue;
    for (const a of list.asArray()) {
      const dict = a instanceof PDFRef ? ctx.lookup(a) : a;
      if (dict instanceof PDFDict) annotations.add(dict);
    }
  }
  const copying: Copying = { map, pageEntries, ownPages, annotations };
  const w = new Writer(copying, size);
  const numbers: number[] = [];
  for (let n = 1; n <= next; n++) {
    const object = objects[n];
    if (!object) continue;
    numbers.push(n);
    w.slot(HEAD, n);
    w.ascii(' 0 obj\n');
    w.indirect(object);
    w.ascii(ENDOBJ);
  }
  const body = w.take();
  const small = new Writer(copying);
  return {
    count: next,
    body,
    numbers: Int32Array.from(numbers),
    tagged,
    pages: srcPages.map((p, i) => ({ number: pageNumbers[i]!, height: p.getSize().height })),
    nums: nums.map((e) => ({ key: e.key, value: templateOf(e.value, small) })),
    nextKey,
    kids: kids.map((e) => templateOf(e, small)),
    roleMap: roleMap.map((e) => ({ key: e.key, value: templateOf(e.value, small) })),
  };
}

/** Number-tree entries (flat /Nums or /Kids) of a ParentTree. */
export function collectNums(doc: PDFDocument, tree: PDFObject | undefined): [number, PDFObject][] {
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

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

function writeInt(into: Uint8Array, at: number, n: number): number {
  const d = digits(n);
  for (let i = d - 1; i >= 0; i--) {
    into[at + i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return d;
}

function slotValue(kind: number, value: number, n: Numbers): number {
  if (kind === KEY) return value + n.keys;
  if (value === STRUCT_ROOT) return n.structRoot;
  if (value === PAGE_TREE) return n.pageTree;
  return value + n.shift;
}

/** The size of a template with its numbers filled in; `starts` gets where each HEAD slot's object starts. */
function filledSize(t: Template, n: Numbers, starts?: Int32Array): number {
  const { bytes, slots } = t;
  let size = bytes.length;
  let extra = 0;
  let head = 0;
  for (let i = 0; i < slots.length; i += 3) {
    if (starts && slots[i + 1] === HEAD) starts[head++] = slots[i]! + extra;
    const v = slotValue(slots[i + 1]!, slots[i + 2]!, n);
    if (v < 0) throw new Error(`edition: a negative number (${v}) in a copied object`);
    extra += digits(v);
  }
  return size + extra;
}

/** Write a template with its numbers filled in at `at`; returns the bytes written. */
function fillInto(t: Template, n: Numbers, out: Uint8Array, at: number): number {
  const { bytes, slots } = t;
  const start = at;
  let from = 0;
  for (let i = 0; i < slots.length; i += 3) {
    const pos = slots[i]!;
    out.set(bytes.subarray(from, pos), at);
    at += pos - from;
    from = pos;
    at += writeInt(out, at, slotValue(slots[i + 1]!, slots[i + 2]!, n));
  }
  out.set(bytes.subarray(from), at);
  return at + bytes.length - from - start;
}

function fill(t: Template, n: Numbers): Uint8Array {
  if (t.slots.length === 0) return t.bytes;
  const out = new Uint8Array(filledSize(t, n));
  fillInto(t, n, out, 0);
  return out;
}

/**
 * The blocks of the edition written last: only they keep their bytes (a view
 * of that edition), so that an edition is not kept in memory by the blocks of
 * pages it no longer has.
 */
let lastWritten = new Set<Block>();

const sameNumbers = (a: Numbers, b: Numbers) => a.shift === b.shift && a.keys === b.keys && a.structRoot === b.structRoot && a.pageTree === b.pageTree;

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** For tests and benchmarks: milliseconds the last writeEdition spent on the /ID. */
export const editionTimings = { id: 0 };

/**
 * The edition from blocks: mergeLoaded's bytes but the /ID. `finish` adds
 * bookmarks, page labels and metadata to the shell document (catalog, page
 * tree, info), given each page's reference and height.
 *
 * The /ID (as saveWithContentId's, derived from the content, the same for
 * the same bytes) is the sha256 of the sha256s of the file's parts, in order:
 * what comes before the first block (with the /ID's placeholder, zeros), each
 * block, what comes after the last; the first 16 bytes, twice. An unchanged
 * block's sha256 is that of the edition before.
 *
 * `keep`: the blocks keep their bytes for the next edition (postprocessEdition).
 *
 * Returns the file in pieces, in order (joinParts joins them; writeAtomically writes them as they are).
 */
export async function writeEdition(
  blocks: Block[],
  finish: (doc: PDFDocument, pages: { ref: PDFRef; height: number }[]) => void,
  keep = true,
): Promise<Uint8Array[]> {
  if (blocks.length === 0) throw new Error('edition: no pages');
  const shell = await PDFDocument.create({ updateMetadata: false });
  const { context } = shell;
  const pageTreeRef = shell.catalog.get(N('Pages')) as PDFRef;
  const structRootRef = context.nextRef();
  const first = structRootRef.objectNumber + 1;
  let shift = first - 1;
  let keys = 0;
  let tagged = blocks.length > 0;
  const numbers: Numbers[] = [];
  const pages: { ref: PDFRef; height: number }[] = [];
  for (const b of blocks) {
    const n = { shift, keys, structRoot: structRootRef.objectNumber, pageTree: pageTreeRef.objectNumber };
    numbers.push(n);
    if (!b.tagged) tagged = false;
    for (const p of b.pages) pages.push({ ref: PDFRef.of(p.number + shift), height: p.height });
    shift += b.count;
    keys += b.nextKey;
  }
  const last = shift;
  context.largestObjectNumber = last;
  const tree = context.lookup(pageTreeRef, PDFDict);
  const treeKids = tree.lookup(N('Kids'), PDFArray);
  for (const p of pages) treeKids.push(p.ref);
  tree.set(N('Count'), PDFNumber.of(pages.length));

  // the structure tree root: its entries from every block, numbers filled in
  let structRoot: Uint8Array | undefined;
  const kidCount = blocks.reduce((s, b) => s + b.kids.length, 0);
  if (tagged && kidCount > 0) {
    const parts: Uint8Array[] = [latin1('<<\n/Type /StructTreeRoot\n/K [ ')];
    const space = latin1(' ');
    blocks.forEach((b, i) => {
      for (const k of b.kids) parts.push(fill(k, numbers[i]!), space);
    });
    parts.push(latin1(']\n/ParentTree <<\n/Nums [ '));
    blocks.forEach((b, i) => {
      for (const e of b.nums) parts.push(latin1(`${e.key + numbers[i]!.keys} `), fill(e.value, numbers[i]!), space);
    });
    parts.push(latin1(`]\n>>\n/ParentTreeNextKey ${keys}\n`));
    const roles = new Map<PDFName, Uint8Array>();
    blocks.forEach((b, i) => {
      for (const e of b.roleMap) roles.set(e.key, fill(e.value, numbers[i]!));
    });
    if (roles.size) {
      parts.push(latin1('/RoleMap <<\n'));
      for (const [key, value] of roles) parts.push(latin1(`${key.toString()} `), value, latin1('\n'));
      parts.push(latin1('>>\n'));
    }
    parts.push(latin1('>>'));
    structRoot = Buffer.concat(parts);
    shell.catalog.set(N('StructTreeRoot'), structRootRef);
    shell.catalog.set(N('MarkInfo'), context.obj({ Marked: true }));
  }
  finish(shell, pages);
  setPlaceholderId(shell);

  // the file: header, objects by number, cross-reference table, trailer (as savePdf writes it)
  type Part = { number: number; bytes: Uint8Array | undefined; size?: number; starts?: Int32Array; block?: number; digest?: Buffer };
  const parts: Part[] = [];
  const shellObjects = context.enumerateIndirectObjects();
  const shellPart = (ref: PDFRef, object: PDFObject): Part => {
    const size = object.sizeInBytes();
    const head = `${ref.objectNumber} ${ref.generationNumber} obj\n`;
    const bytes = new Uint8Array(head.length + size + ENDOBJ.length);
    for (let i = 0; i < head.length; i++) bytes[i] = head.charCodeAt(i);
    const n = object.copyBytesInto(bytes, head.length);
    if (n !== size) throw new Error(`edition: an object wrote ${n} bytes of ${size}`);
    bytes.set(latin1(ENDOBJ), head.length + size);
    return { number: ref.objectNumber, bytes };
  };
  let s = 0;
  for (; s < shellObjects.length && shellObjects[s]![0].objectNumber < first; s++) parts.push(shellPart(...shellObjects[s]!));
  if (structRoot) {
    const head = latin1(`${structRootRef.objectNumber} 0 obj\n`);
    parts.push({ number: structRootRef.objectNumber, bytes: Buffer.concat([head, structRoot, latin1(ENDOBJ)]) });
    parts.sort((a, b) => a.number - b.number);
  }
  /** per block: its bytes of the last edition when its numbers are the same, else its size filled in */
  const bodies = blocks.map((b, i) => {
    const n = numbers[i]!;
    if (b.last && sameNumbers(b.last.numbers, n)) {
      editionStats.reused++;
      return { bytes: b.last.bytes, starts: b.last.starts, size: b.last.bytes.length, digest: b.last.digest };
    }
    editionStats.filled++;
    const starts = new Int32Array(b.numbers.length);
    return { bytes: undefined, starts, size: filledSize(b.body, n, starts), digest: undefined };
  });
  bodies.forEach((body, i) => parts.push({ number: -1, bytes: body.bytes, size: body.size, starts: body.starts, block: i, digest: body.digest }));
  for (; s < shellObjects.length; s++) {
    if (shellObjects[s]![0].objectNumber <= last) throw new Error('edition: an object numbered among the pages');
    parts.push(shellPart(...shellObjects[s]!));
  }

  const header = PDFHeader.forVersion(1, 7);
  let size = header.sizeInBytes() + 2;
  /** object numbers and offsets, ascending */
  let count = 0;
  for (const p of parts) count += p.block === undefined ? 1 : blocks[p.block]!.numbers.length;
  const entries = new Float64Array(2 * count);
  let e = 0;
  for (const p of parts) {
    if (p.block !== undefined) {
      const nums = blocks[p.block]!.numbers;
      const shiftBy = numbers[p.block]!.shift;
      const starts = p.starts!;
      for (let k = 0; k < nums.length; k++) {
        entries[e++] = nums[k]! + shiftBy;
        entries[e++] = size + starts[k]!;
      }
      size += p.size!;
    } else {
      entries[e++] = p.number;
      entries[e++] = size;
      size += p.bytes!.length;
    }
  }
  const xrefOffset = size;
  const xref = xrefLayout(entries);
  const trailer = trailerAfterXref(context, xrefOffset);

  // The file in pieces: what comes before the first block, each block (its own bytes, those of the
  // edition before when its numbers are the same), what comes after the last block. Written with one
  // writev (writeParts): joining 8.5 MB of pages into one new buffer first was 25–80 ms of page faults.
  const blocksFrom = parts.findIndex((p) => p.block !== undefined);
  const blocksTo = blocksFrom + blocks.length;
  const headSize = header.sizeInBytes() + 2 + parts.slice(0, blocksFrom).reduce((n, p) => n + p.bytes!.length, 0);
  const head = new Uint8Array(headSize);
  let offset = header.copyBytesInto(head, 0);
  head[offset++] = 0x0a;
  head[offset++] = 0x0a;
  for (const p of parts.slice(0, blocksFrom)) {
    head.set(p.bytes!, offset);
    offset += p.bytes!.length;
  }
  /** the sha256 of each block, in order */
  const digests: Buffer[] = [];
  const pieces: Uint8Array[] = [head];
  for (const p of parts.slice(blocksFrom, blocksTo)) {
    const b = blocks[p.block!]!;
    let bytes = p.bytes;
    if (!bytes) {
      bytes = new Uint8Array(p.size!);
      if (fillInto(b.body, numbers[p.block!]!, bytes, 0) !== p.size) throw new Error('edition: a page block of another size than counted');
    }
    const digest = p.digest ?? createHash('sha256').update(bytes).digest();
    digests.push(digest);
    // the next edition takes it as it is while its numbers stay the same (the pieces are never changed)
    if (keep) b.last = { numbers: numbers[p.block!]!, bytes, starts: p.starts!, digest };
    pieces.push(bytes);
  }
  const after = parts.slice(blocksTo);
  const tail = new Uint8Array(after.reduce((n, p) => n + p.bytes!.length, 0) + xref.size + 1 + trailer.size);
  offset = 0;
  for (const p of after) {
    tail.set(p.bytes!, offset);
    offset += p.bytes!.length;
  }
  offset += writeXref(xref, entries, tail, offset);
  tail[offset++] = 0x0a;
  offset += trailer.write(tail, offset);
  if (offset !== tail.length) throw new Error(`edition: wrote ${offset} bytes of ${tail.length} after the pages`);
  pieces.push(tail);
  const started = performance.now();
  const id = createHash('sha256');
  id.update(createHash('sha256').update(head).digest());
  for (const d of digests) id.update(d);
  id.update(createHash('sha256').update(tail).digest());
  writeId(tail, id.digest('hex').slice(0, 32));
  editionTimings.id = performance.now() - started;
  if (keep) {
    const current = new Set(blocks);
    for (const b of lastWritten) if (!current.has(b)) b.last = undefined;
    lastWritten = current;
  }
  return pieces;
}

/** PDFCrossRefSection's subsections for `entries` (number, offset pairs, ascending): [first number, count, index of its first entry], and the table's size. */
function xrefLayout(entries: Float64Array): { sections: [number, number, number][]; size: number } {
  const sections: [number, number, number][] = [[0, 1, -1]];
  let previous = 0;
  for (let i = 0; i < entries.length; i += 2) {
    const n = entries[i]!;
    if (n - previous > 1) sections.push([n, 1, i]);
    else sections[sections.length - 1]![1]++;
    previous = n;
  }
  let size = 5;
  for (const [firstNumber, count] of sections) size += String(firstNumber).length + String(count).length + 2 + 20 * count;
  return { sections, size };
}

const IN_USE = latin1(' 00000 n \n');
const FREE = latin1('0000000000 65535 f \n');

/** PDFCrossRefSection (create, addEntry in ascending order, copyBytesInto): the same bytes, at `at`. */
function writeXref(layout: { sections: [number, number, number][]; size: number }, entries: Float64Array, out: Uint8Array, start: number): number {
  let at = start;
  const ascii = (s: string) => {
    for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  };
  ascii('xref\n');
  layout.sections.forEach(([firstNumber, count, from], k) => {
    ascii(`${firstNumber} ${count}\n`);
    let i = from;
    let left = count;
    if (k === 0) {
      out.set(FREE, at);
      at += FREE.length;
      i = 0;
      left--;
    }
    for (; left > 0; left--, i += 2) {
      let offset = entries[i + 1]!;
      for (let j = 9; j >= 0; j--) {
        out[at + j] = 0x30 + (offset % 10);
        offset = Math.floor(offset / 10);
      }
      if (offset > 0) throw new Error('edition: an offset of more than 10 digits');
      at += 10;
      for (let j = 0; j < IN_USE.length; j++) out[at++] = IN_USE[j]!;
    }
  });
  if (at - start !== layout.size) throw new Error(`edition: cross-reference table of ${at - start} bytes, not ${layout.size}`);
  return at - start;
}
