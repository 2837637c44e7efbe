/**
 * The edition PDF from per-page blocks (src/postprocess/edition-blocks.ts):
 * a rebuild with one page changed copies that page only, and writes the bytes
 * a fresh process writes, and the bytes of the reference merge
 * (mergeEditionReference: pdf-lib's copier and writer) but the /ID, which is
 * derived from the content in another way — also when the changed page, in the middle of
 * the edition, has more objects and more parent-tree keys than before, so that
 * the pages after it are numbered anew. Real Chromium pages, real qpdf/poppler.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PDFDict, PDFDocument, PDFName, PDFNumber } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, createBuildCache } from '../../src/pipeline/index.ts';
import { clearPostprocessCache, mergeEdition, mergeEditionReference, postprocessEdition, type EditionPage, type PdfMetadata } from '../../src/postprocess/index.ts';
import { editionStats } from '../../src/postprocess/edition-blocks.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { ROOT } from '../helpers/cli.ts';
import { scratchIn } from '../helpers/scratch.ts';

const session = new BrowserSession();
afterAll(() => session.close());

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
/** the file identifier (derived from the content, in another way by the reference merge) left out */
const withoutId = (a: Uint8Array) => Buffer.from(Buffer.from(a).toString('latin1').replace(/\/ID \[ <[0-9a-f]{32}> <[0-9a-f]{32}> \]\n>>\n\nstartxref/, '/ID [ <> <> ]\n>>\n\nstartxref'), 'latin1');
const sameButId = (a: Uint8Array, b: Uint8Array) => {
  const [x, y] = [withoutId(a), withoutId(b)];
  return x.length === a.length - 64 && y.length === b.length - 64 && x.equals(y);
};
const objectCount = (pdf: Uint8Array) => Buffer.from(pdf).toString('latin1').match(/\d+ 0 obj/g)!.length;
const meta: PdfMetadata = { title: '测试报 2024-03-05', date: '2024-03-05', producer: 'test', subject: '甲' };
const pageMeta = (p: EditionPage): PdfMetadata => ({ ...meta, title: `${meta.title} 第${p.label}版` });
const editionOf = (pdfs: Uint8Array[]): EditionPage[] =>
  pdfs.map((pdf, i) => ({ label: String(i + 1), name: `第${i + 1}版`, pdf, articles: [{ title: `标题${i + 1}`, top: 100 + i }] }));
const stats = () => ({ ...editionStats });
const since = (before: typeof editionStats) => ({
  made: editionStats.made - before.made,
  filled: editionStats.filled - before.filled,
  reused: editionStats.reused - before.reused,
});
const keptSince = (before: typeof editionStats) => editionStats.kept - before.kept;
/** the page PDF with another last digit in its title (the info dictionary, which no block has): the other objects the same bytes */
const retitled = (pdf: Uint8Array, digit: number) => {
  const b = Buffer.from(pdf);
  const at = b.indexOf('/Title <', 0, 'latin1');
  const end = b.indexOf('>', at, 'latin1');
  const copy = Buffer.from(b);
  copy[end - 1] = '0123456789ABCDEF'.charCodeAt(digit);
  return new Uint8Array(copy);
};

let dir: string;
/** Chromium's page PDFs of the sample edition (4 pages; the seed feature on page 3) */
let before: Uint8Array[];
/** the same, page 3 with a link added to a paragraph (more objects, one more parent-tree key) */
let after: Uint8Array[];
/** page 3 with two characters added to a paragraph instead (more objects, the same parent-tree keys) */
let longer: Uint8Array;
const nextKey = (pdf: Uint8Array) => Number(/\/ParentTreeNextKey (\d+)/.exec(Buffer.from(pdf).toString('latin1'))?.[1]);

beforeAll(async () => {
  dir = scratchIn('postprocess', 'blocks');
  const input = path.join(dir, 'm');
  cpSync(path.join(ROOT, 'manuscript'), input, { recursive: true });
  const cache = createBuildCache();
  const pdfs = () => [...cache.pages.values()].sort((a, b) => a.index - b.index).map((p) => p.pdf);
  const first = await build(input, { outDir: path.join(dir, 'a'), session, cache });
  expect(first.ok).toBe(true);
  before = pdfs();
  const file = path.join(input, 'seed.md');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, original.replace('星光不问赶路人', '[星光](https://example.com/star)不问赶路人'));
  const second = await build(input, { outDir: path.join(dir, 'a'), session, cache });
  expect(second.ok).toBe(true);
  expect(second.pages!.filter((p) => !p.cached).map((p) => p.page)).toEqual(['3']);
  after = pdfs();
  writeFileSync(file, original.replace('星光不问赶路人', '星光不问赶路人，甲'));
  const third = await build(input, { outDir: path.join(dir, 'a'), session, cache });
  expect(third.ok).toBe(true);
  longer = pdfs()[2]!;
}, 180_000);

describe('edition from page blocks', () => {
  it('the changed middle page has more objects and a link annotation with a parent-tree key', () => {
    expect(before.length).toBe(4);
    for (const i of [0, 1, 3]) expect(after[i]).toBe(before[i]);
    expect(objectCount(after[2]!)).toBeGreaterThan(objectCount(before[2]!));
    expect(Buffer.from(after[2]!).toString('latin1')).toMatch(/\/Subtype \/Link[\s\S]*?\/StructParent \d+/);
    expect(nextKey(after[2]!)).toBeGreaterThan(nextKey(before[2]!));
    expect(objectCount(longer)).not.toBe(objectCount(before[2]!));
    expect(nextKey(longer)).toBe(nextKey(before[2]!));
  });

  it('a middle page with other object numbers but the same parent-tree keys: the pages after it numbered anew', async () => {
    clearPostprocessCache();
    await postprocessEdition(editionOf(before), meta, pageMeta);
    const pdfs = [before[0]!, before[1]!, longer, before[3]!];
    const s = stats();
    const warm = await postprocessEdition(editionOf(pdfs), meta, pageMeta);
    expect(since(s)).toEqual({ made: 1, filled: 2, reused: 2 });
    clearPostprocessCache();
    expect(same(warm.edition, (await postprocessEdition(editionOf(pdfs), meta, pageMeta)).edition), 'incremental = fresh').toBe(true);
    expect(same(warm.edition, await mergeEdition(editionOf(pdfs), meta)), '= mergeEdition').toBe(true);
    expect(sameButId(warm.edition, await mergeEditionReference(editionOf(pdfs), meta)), '= reference merge but the /ID').toBe(true);
  }, 120_000);

  it('a rebuild copies the changed page only and writes the bytes of a fresh process and of the reference merge', async () => {
    clearPostprocessCache();
    let s = stats();
    const a = await postprocessEdition(editionOf(before), meta, pageMeta);
    expect(since(s)).toEqual({ made: 4, filled: 4, reused: 0 });

    s = stats();
    const b = await postprocessEdition(editionOf(after), meta, pageMeta);
    // pages 1 and 2 as they were; page 3 new; page 4 numbered anew (page 3 has more objects)
    expect(since(s)).toEqual({ made: 1, filled: 2, reused: 2 });

    // back to the first pages, with other metadata (not the edition of before from the cache)
    s = stats();
    const other = { ...meta, subject: '乙' };
    const c = await postprocessEdition(editionOf(before), other, pageMeta);
    // no page copied again; page 3 of before filled in again (a block not in the edition written last keeps no bytes), page 4 too
    expect(since(s)).toEqual({ made: 0, filled: 2, reused: 2 });

    for (const [name, got, pdfs, m] of [
      ['first', a.edition, before, meta],
      ['changed', b.edition, after, meta],
      ['back', c.edition, before, other],
    ] as const) {
      clearPostprocessCache();
      const fresh = await postprocessEdition(editionOf(pdfs), m, pageMeta);
      expect(same(got, fresh.edition), `${name}: incremental = fresh`).toBe(true);
      expect(same(got, await mergeEdition(editionOf(pdfs), m)), `${name}: = mergeEdition`).toBe(true);
      expect(sameButId(got, await mergeEditionReference(editionOf(pdfs), m)), `${name}: = reference merge but the /ID`).toBe(true);
    }
    expect(same(a.edition, b.edition)).toBe(false);

    // readers: qpdf finds nothing wrong; poppler reads the link text on page 3 and the bookmarks
    const file = path.join(dir, 'changed.pdf');
    writeFileSync(file, b.edition);
    execFileSync('qpdf', ['--check', file], { encoding: 'utf8' });
    const text = execFileSync('pdftotext', ['-f', '3', '-l', '3', file, '-'], { encoding: 'utf8' });
    expect(text.replace(/\s/g, '')).toContain('星光不问赶路人');
    const outlines = JSON.parse(execFileSync('qpdf', ['--json', '--json-key=outlines', file], { encoding: 'utf8' })).outlines as { title: string; destpageposfrom1: number }[];
    expect(outlines.map((o) => [o.title, o.destpageposfrom1])).toEqual([1, 2, 3, 4].map((n) => [`第${n}版 第${n}版`, n]));
    // the link's /StructParent points at its entry in the merged parent tree (qpdf follows it)
    const doc = await PDFDocument.load(b.edition, { updateMetadata: false });
    expect(doc.getPageCount()).toBe(4);
  }, 120_000);

  it('a page printed again with the same objects: each written as its bytes in the block before, the bytes of the reference merge', async () => {
    clearPostprocessCache();
    const pdfs = [1, 2, 3].map((d) => retitled(before[2]!, d));
    expect(pdfs.map((p) => Buffer.from(p).equals(Buffer.from(before[2]!)))).toEqual([false, false, false]);
    const editions: Uint8Array[] = [];
    const kept: number[] = [];
    for (const pdf of pdfs) {
      const s = stats();
      editions.push((await postprocessEdition(editionOf([before[0]!, pdf]), meta, pageMeta)).edition);
      kept.push(keptSince(s));
    }
    // the first two parse what they write (the second takes its objects from the parse pool, and keeps
    // their bytes); the third writes nearly all of its ~1,400 objects from those bytes
    expect(kept.slice(0, 2)).toEqual([0, 0]);
    expect(kept[2]).toBeGreaterThan(objectCount(before[2]!) * 0.8);
    for (const [i, pdf] of pdfs.entries()) {
      expect(same(editions[i]!, await mergeEdition(editionOf([before[0]!, pdf]), meta)), `print ${i + 1}: = mergeEdition`).toBe(true);
      expect(sameButId(editions[i]!, await mergeEditionReference(editionOf([before[0]!, pdf]), meta)), `print ${i + 1}: = reference merge but the /ID`).toBe(true);
    }
  }, 120_000);

  it('a first page with the same objects but more parent-tree keys: the page after it gets its keys anew', async () => {
    const doc = await PDFDocument.load(before[0]!, { updateMetadata: false });
    const root = doc.catalog.lookup(PDFName.of('StructTreeRoot'), PDFDict);
    root.set(PDFName.of('ParentTreeNextKey'), PDFNumber.of(nextKey(before[0]!) + 5));
    const bumped = await doc.save({ useObjectStreams: false });
    expect(objectCount(bumped)).toBe(objectCount(before[0]!));
    clearPostprocessCache();
    await postprocessEdition(editionOf([before[0]!, before[1]!]), meta, pageMeta);
    const s = stats();
    const warm = await postprocessEdition(editionOf([bumped, before[1]!]), meta, pageMeta);
    expect(since(s)).toEqual({ made: 1, filled: 2, reused: 0 });
    expect(sameButId(warm.edition, await mergeEditionReference(editionOf([bumped, before[1]!]), meta)), '= reference merge but the /ID').toBe(true);
  }, 120_000);

  it('the same page twice, and an untagged page among tagged ones: the bytes of the reference merge, fresh and again', async () => {
    const plain = await PDFDocument.create();
    plain.addPage([400, 600]).drawText('plain page');
    const untagged = await plain.save({ useObjectStreams: false });
    const cases: Uint8Array[][] = [
      [before[0]!, before[1]!, before[0]!],
      [before[1]!, untagged, after[2]!],
      [after[2]!, before[2]!, after[2]!, before[3]!],
    ];
    clearPostprocessCache();
    const warm: Uint8Array[] = [];
    for (const pdfs of cases) warm.push((await postprocessEdition(editionOf(pdfs), meta, pageMeta)).edition);
    // and once more in the other order, every block filled in at other numbers
    const again: Uint8Array[] = [];
    for (const pdfs of [...cases].reverse()) again.unshift((await postprocessEdition(editionOf(pdfs), { ...meta, subject: '丙' }, pageMeta)).edition);
    for (const [i, pdfs] of cases.entries()) {
      expect(same(warm[i]!, await mergeEdition(editionOf(pdfs), meta)), `case ${i + 1}`).toBe(true);
      expect(sameButId(warm[i]!, await mergeEditionReference(editionOf(pdfs), meta)), `case ${i + 1}: reference`).toBe(true);
      expect(same(again[i]!, await mergeEdition(editionOf(pdfs), { ...meta, subject: '丙' })), `case ${i + 1}, again`).toBe(true);
      const file = path.join(dir, `case-${i + 1}.pdf`);
      writeFileSync(file, warm[i]!);
      execFileSync('qpdf', ['--check', file], { encoding: 'utf8' });
    }
    // the untagged page: no structure tree in that edition
    expect(Buffer.from(warm[1]!).toString('latin1')).not.toContain('/StructTreeRoot');
    expect(Buffer.from(warm[0]!).toString('latin1')).toContain('/StructTreeRoot');
  }, 120_000);
});
