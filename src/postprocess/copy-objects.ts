/**
 * Copy objects from a page PDF into another document: pdf-lib's
 * PDFObjectCopier, the same steps in the same order (so the copies get the
 * same object numbers), without an array made for every dictionary it reads.
 */
import { PDFArray, PDFDict, PDFName, PDFPageLeaf, PDFRef, PDFStream, type PDFContext, type PDFObject } from 'pdf-lib';

const INHERITABLE = PDFPageLeaf.InheritableEntries.map((k) => PDFName.of(k));
const PARENT = PDFName.of('Parent');

type Dict = { dict: Map<PDFName, PDFObject> };
type Arr = { array: PDFObject[] };

export class ObjectCopier {
  /** source object → copy (and source reference → reference of the copy), as PDFObjectCopier's traversedObjects */
  readonly traversedObjects = new Map<PDFObject, PDFObject>();

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
    if (done) return done;
    const cloned = original.clone(this.dest);
    this.traversedObjects.set(original, cloned);
    for (const [key, value] of (original as unknown as Dict).dict) cloned.set(key, this.copy(value));
    return cloned;
  }

  private copyArray(original: PDFArray): PDFObject {
    const done = this.traversedObjects.get(original);
    if (done) return done;
    const cloned = original.clone(this.dest);
    this.traversedObjects.set(original, cloned);
    const items = (original as unknown as Arr).array;
    for (let i = 0; i < items.length; i++) cloned.set(i, this.copy(items[i]!));
    return cloned;
  }

  private copyStream(original: PDFStream): PDFObject {
    const done = this.traversedObjects.get(original);
    if (done) return done;
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
        const cloned = this.copy(value);
        this.dest.assign(newRef, cloned);
      }
    }
    return mapped;
  }
}
