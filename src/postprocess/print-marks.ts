/**
 * Print-shop output: bleed and crop marks. The trim (the page as designed)
 * keeps its coordinates; the MediaBox grows around it, TrimBox is the
 * designed page, BleedBox the trim plus the bleed. Crop marks are drawn in
 * the slug outside the bleed, so they never touch the page.
 *
 * Chromium prints only the page box: elements meant to run into the bleed are
 * clipped at the trim; the bleed area stays blank unless the template
 * extends them (say so to the print shop).
 */
import { cmyk, PDFDocument, PDFName } from 'pdf-lib';

export interface PrintMarksOptions {
  /** bleed in mm (0: none) */
  bleedMm: number;
  cropMarks: boolean;
}

const MM = 72 / 25.4;
/** crop marks: 5 mm long, starting 3 mm outside the trim (or at the bleed edge if larger) */
const MARK_LENGTH = 5 * MM;
const MARK_OFFSET = 3 * MM;

export function addPrintMarks(doc: PDFDocument, options: PrintMarksOptions): void {
  const bleed = Math.max(0, options.bleedMm) * MM;
  const offset = Math.max(bleed, MARK_OFFSET);
  const slug = options.cropMarks ? offset + MARK_LENGTH + 1 * MM : bleed;
  if (slug === 0) return;
  const r = (n: number) => Math.round(n * 1000) / 1000;
  for (const page of doc.getPages()) {
    const trim = page.getMediaBox();
    const { x, y, width: w, height: h } = trim;
    page.setMediaBox(r(x - slug), r(y - slug), r(w + 2 * slug), r(h + 2 * slug));
    page.node.delete(PDFName.of('CropBox'));
    page.setTrimBox(x, y, w, h);
    page.setBleedBox(r(x - bleed), r(y - bleed), r(w + 2 * bleed), r(h + 2 * bleed));
    if (!options.cropMarks) continue;
    // Registration colour: the marks appear on every separation.
    const style = { thickness: 0.25, color: cmyk(1, 1, 1, 1) };
    for (const cx of [x, x + w]) {
      for (const cy of [y, y + h]) {
        const sx = cx === x ? -1 : 1;
        const sy = cy === y ? -1 : 1;
        // horizontal mark on the trim line, outside the page; vertical the same
        page.drawLine({ start: { x: cx + sx * offset, y: cy }, end: { x: cx + sx * (offset + MARK_LENGTH), y: cy }, ...style });
        page.drawLine({ start: { x: cx, y: cy + sy * offset }, end: { x: cx, y: cy + sy * (offset + MARK_LENGTH) }, ...style });
      }
    }
  }
}
