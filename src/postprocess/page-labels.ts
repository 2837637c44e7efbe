/**
 * Page labels (/PageLabels): a viewer shows the 版次 ("1", "A3", "要闻一")
 * instead of the physical page number. Numeric labels use the decimal style
 * with that start number; anything else becomes a label prefix.
 */
import { PDFDocument, PDFHexString, PDFName, PDFNumber } from 'pdf-lib';

export function setPageLabels(doc: PDFDocument, labels: string[]): void {
  const nums = doc.context.obj([]);
  labels.forEach((label, i) => {
    const dict = /^[1-9]\d*$/.test(label)
      ? doc.context.obj({ S: 'D', St: PDFNumber.of(Number(label)) })
      : doc.context.obj({ P: PDFHexString.fromText(label) });
    nums.push(PDFNumber.of(i));
    nums.push(dict);
  });
  doc.catalog.set(PDFName.of('PageLabels'), doc.context.obj({ Nums: nums }));
}
