/**
 * Bookmarks (/Outlines) written with pdf-lib's low-level objects: one entry
 * per page ("第1版 要闻"), under it one entry per article by headline. A
 * destination goes to the headline's height when it is known, else to the
 * top of the page.
 */
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFNull, PDFNumber, type PDFRef } from 'pdf-lib';

export interface OutlineEntry {
  title: string;
  /** 0-based page index */
  page: number;
  /** distance of the target from the page top, in pt; undefined: top of the page */
  top?: number;
  children?: OutlineEntry[];
}

/** `pages`: each page's reference and height (default: the document's pages) */
export function setOutline(doc: PDFDocument, entries: OutlineEntry[], pages: { ref: PDFRef; height: number }[] = doc.getPages().map((p) => ({ ref: p.ref, height: p.getSize().height }))): void {
  if (entries.length === 0) return;
  const { context } = doc;
  const rootRef = context.nextRef();
  const build = (items: OutlineEntry[], parent: PDFRef): { first: PDFRef; last: PDFRef; count: number } => {
    const refs = items.map(() => context.nextRef());
    let count = 0;
    items.forEach((item, i) => {
      const page = pages[item.page]!;
      const { height } = page;
      const y = item.top === undefined ? height : Math.max(0, height - item.top);
      const dict = context.obj({
        Title: PDFHexString.fromText(item.title),
        Parent: parent,
        Dest: [page.ref, 'XYZ', PDFNull, PDFNumber.of(Math.round(y * 100) / 100), PDFNull],
      }) as PDFDict;
      if (i > 0) dict.set(PDFName.of('Prev'), refs[i - 1]!);
      if (i < items.length - 1) dict.set(PDFName.of('Next'), refs[i + 1]!);
      count += 1;
      if (item.children?.length) {
        const sub = build(item.children, refs[i]!);
        dict.set(PDFName.of('First'), sub.first);
        dict.set(PDFName.of('Last'), sub.last);
        dict.set(PDFName.of('Count'), PDFNumber.of(sub.count)); // positive: open
        count += sub.count;
      }
      context.assign(refs[i]!, dict);
    });
    return { first: refs[0]!, last: refs[refs.length - 1]!, count };
  };
  const top = build(entries, rootRef);
  context.assign(rootRef, context.obj({ Type: 'Outlines', First: top.first, Last: top.last, Count: PDFNumber.of(top.count) }));
  doc.catalog.set(PDFName.of('Outlines'), rootRef);
  doc.catalog.set(PDFName.of('PageMode'), PDFName.of('UseOutlines'));
}
