/**
 * Copy objects from a page PDF into the edition PDF: pdf-lib's
 * PDFObjectCopier, the same steps in the same order (so the copies get the
 * same object numbers), without an array made for every dictionary it reads.
 *
 * And a copy's bytes come from the edition written before, when they are
 * known to be the same: the source object is one that is never changed (it
 * came unchanged from the parse pool, see parse-pool.ts), and the copy has
 * the same object number and refers to the same object numbers as then.
 * A copy is bytes of its source with references renumbered, nothing else.
 */
import { PDFArray, PDFDict, PDFName, PDFPageLeaf, PDFRef, PDFStream, type PDFContext, type PDFObject } from 'pdf-lib';
import { isUnchanging, type SaveOptions } from './write-pdf.ts';

/** for a never-changed source object: its copy's object number and the numbers it referred to, and the copy's bytes */
const copiedBefore = new WeakMap<PDFObject, { numbers: number[]; bytes: Uint8Array }>();

/** For tests and benchmarks: copies written from the bytes of before, since the process started. */
export const copyStats = { reused: 0 };

const sameNumbers = (a: number[], b: number[]) => a.length === b.length && a.every((n, i) => n === b[i]);

const INHERITABLE = PDFPageLeaf.InheritableEntries.map((k) => PDFName.of(k));
const PARENT = PDFName.of('Parent');

type Dict = { dict: Map<PDFName, PDFObject> };
type Arr = { array: PDFObject[] };

export class ObjectCopier {
  /** source object → copy (and source reference → reference of the copy), as PDFObjectCopier's traversedObjects */
  readonly traversedObjects = new Map<PDFObject, PDFObject>();
  /** copies (but of pages): the source, and the object numbers the copy's bytes depend on */
  private readonly stable: { source: PDFObject; copy: PDFObject; numbers: number[] }[] = [];
  /** object numbers the copy being made refers to (null: not recording) */
  private numbers: number[] | null = null;

  constructor(
    private readonly src: PDFContext,
    private readonly dest: PDFContext,
  ) {}

  copy = (object: PDFObject): PDFObject => {
    if (object instanceof PDFPageLeaf) return this.copyPage(object);
    if (object instanceof PDFDict) return this.copyDict(object);
    if (object instanceof PDFArray) return this.copyArray(object);
    if (object instanceof PDFStream) return this.copyStream(object);
    if (object instanceof PDFRef) return this.copyIndirect(object);
    return object.clone();
  };

  /** A direct object met a second time: its references are not seen again, so the copy being recorded is not known to be the same. */
  private again(done: PDFObject): PDFObject {
    this.numbers?.push(-1);
    return done;
  }

  private copyPage(original: PDFPageLeaf): PDFObject {
    const cloned = original.clone();
    for (const key of INHERITABLE) {
      const value = cloned.getInheritableAttribute(key);
      if (!cloned.get(key) && value) cloned.set(key, value);
    }
    cloned.delete(PARENT);
    return this.copyDict(cloned);
  }

  private copyDict(original: PDFDict): PDFObject {
    const done = this.traversedObjects.get(original);
    if (done) return this.again(done);
    const cloned = original.clone(this.dest);
    this.traversedObjects.set(original, cloned);
    for (const [key, value] of (original as unknown as Dict).dict) cloned.set(key, this.copy(value));
    return cloned;
  }

  private copyArray(original: PDFArray): PDFObject {
    const done = this.traversedObjects.get(original);
    if (done) return this.again(done);
    const cloned = original.clone(this.dest);
    this.traversedObjects.set(original, cloned);
    const items = (original as unknown as Arr).array;
    for (let i = 0; i < items.length; i++) cloned.set(i, this.copy(items[i]!));
    return cloned;
  }

  private copyStream(original: PDFStream): PDFObject {
    const done = this.traversedObjects.get(original);
    if (done) return this.again(done);
    const cloned = original.clone(this.dest);
    this.traversedObjects.set(original, cloned);
    for (const [key, value] of (original.dict as unknown as Dict).dict) cloned.dict.set(key, this.copy(value));
    return cloned;
  }

  private copyIndirect(ref: PDFRef): PDFObject {
    let mapped = this.traversedObjects.get(ref) as PDFRef | undefined;
    if (!mapped) {
      const newRef = this.dest.nextRef();
      mapped = newRef;
      this.traversedObjects.set(ref, newRef);
      const value = this.src.lookup(ref);
      if (value) {
        const outer = this.numbers;
        // every copy but a page's is recorded: a source object that is pooled later is never changed
        // after it was parsed, so its copy's bytes serve the next edition (used only if it is pooled then)
        const recorded = !(value instanceof PDFPageLeaf);
        this.numbers = recorded ? [newRef.objectNumber] : null;
        const cloned = this.copy(value);
        if (recorded) this.stable.push({ source: value, copy: cloned, numbers: this.numbers! });
        this.numbers = outer;
        this.dest.assign(newRef, cloned);
      }
    }
    this.numbers?.push(mapped.objectNumber);
    return mapped;
  }

  /**
   * Before the edition is written: copies whose bytes are those of the edition
   * written before (into `save.known`), and copies whose bytes to keep for the
   * next edition (into `save.record`). `changed`: copies changed after
   * copying (written anew, not kept).
   */
  prepareSave(save: Required<SaveOptions>, changed: Set<PDFObject>): void {
    for (const s of this.stable) {
      if (changed.has(s.copy) || s.numbers.includes(-1)) continue;
      const before = isUnchanging(s.source) ? copiedBefore.get(s.source) : undefined;
      if (before && sameNumbers(before.numbers, s.numbers)) {
        save.known.set(s.copy, before.bytes);
        copyStats.reused++;
      } else save.record.set(s.copy, undefined);
    }
  }

  /** After the edition is written: keep the bytes of the copies written anew. */
  keepBytes(save: Required<SaveOptions>): void {
    for (const s of this.stable) {
      const bytes = save.record.get(s.copy);
      if (bytes) copiedBefore.set(s.source, { numbers: s.numbers, bytes });
    }
  }

  /** whether any copy may take or give bytes */
  get hasStable(): boolean {
    return this.stable.length > 0;
  }
}
