/**
 * The edition PDF: bookmarks, page labels, metadata, tagged structure,
 * byte-identical rebuilds, bleed and crop marks. Real Chromium, real qpdf/poppler.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { build, createBuildCache } from '../../src/pipeline/index.ts';
import { clearPostprocessCache, finalizePage, mergeEdition, postprocessEdition, type EditionPage, type PdfMetadata } from '../../src/postprocess/index.ts';
import { BrowserSession } from '../../src/print/index.ts';

const fixture = path.join(import.meta.dirname, 'fixtures', 'two-pages');
let session: BrowserSession;
let tmp: string;

beforeAll(() => {
  session = new BrowserSession();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'banmian-edition-'));
});
afterAll(async () => {
  await session.close();
  rmSync(tmp, { recursive: true, force: true });
});

const qpdfJson = (file: string, key: string) => JSON.parse(execFileSync('qpdf', ['--json', `--json-key=${key}`, file], { encoding: 'utf8' }));
const qdf = (file: string) => execFileSync('qpdf', ['--qdf', '--object-streams=disable', file, '-'], { maxBuffer: 1 << 28 }).toString('latin1');

describe('edition PDF', () => {
  let a: string;
  let b: string;
  beforeAll(async () => {
    a = path.join(tmp, 'a');
    b = path.join(tmp, 'b');
    const r1 = await build(fixture, { outDir: a, session });
    expect(r1.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    clearPostprocessCache(); // the second build post-processes the pages anew, not from the first build's cache
    const r2 = await build(fixture, { outDir: b, session });
    expect(r2.ok).toBe(true);
  }, 120_000);

  it('is byte-identical when the same manuscript is built twice', () => {
    for (const f of ['edition.pdf', 'page-01.pdf', 'page-02.pdf']) {
      expect(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), f).toBe(true);
    }
    const raw = readFileSync(path.join(a, 'edition.pdf')).toString('latin1');
    // dates are the edition's, never the clock's
    expect([...raw.matchAll(/\/(CreationDate|ModDate) \(D:(\d{8})/g)].map((m) => m[2])).toEqual(['20240305', '20240305']);
    const id = raw.match(/\/ID \[ <([0-9a-f]+)> <([0-9a-f]+)> \]/);
    expect(id?.[1]).toBe(id?.[2]);
  });

  it('writes a page file as the printed PDF with an update appended: the printed bytes kept, the clock gone', async () => {
    const cache = createBuildCache();
    const out = path.join(tmp, 'appended');
    const r = await build(fixture, { outDir: out, session, cache });
    expect(r.ok).toBe(true);
    const printed = Buffer.from([...cache.pages.values()].find((p) => p.label === '1')!.pdf).toString('latin1');
    const file = readFileSync(path.join(out, 'page-01.pdf')).toString('latin1');
    const clock = /\/(CreationDate|ModDate) \(D:(\d{14})/g;
    // Chromium's bytes first, its clock's digits replaced with the edition's date
    expect([...printed.matchAll(clock)]).toHaveLength(2);
    expect(file.slice(0, printed.length)).toBe(printed.replace(clock, (_, key: string) => `/${key} (D:20240305000000`));
    // then the update: catalog, info dictionary, bookmarks, XMP packet, pointing back at Chromium's table
    const update = file.slice(printed.length);
    expect(update).toMatch(/\/Prev \d+/);
    expect(update).toContain('/Outlines');
    expect([...file.matchAll(clock)].map((m) => m[2])).toEqual(['20240305000000', '20240305000000', '20240305000000', '20240305000000']);
    execFileSync('qpdf', ['--check', path.join(out, 'page-01.pdf')]);
    expect(execFileSync('pdfinfo', [path.join(out, 'page-01.pdf')], { encoding: 'utf8' })).toMatch(/Title:\s+测试日报 2024-03-05 第321期 第1版/);
  }, 120_000);

  it('has bookmarks: page → articles by headline, pointing at the right page', () => {
    const outlines = qpdfJson(path.join(a, 'edition.pdf'), 'outlines').outlines as { title: string; destpageposfrom1: number; kids: { title: string; destpageposfrom1: number; dest: unknown[] }[] }[];
    expect(outlines.map((o) => [o.title, o.destpageposfrom1])).toEqual([['第1版 要闻', 1], ['第2版 综合', 2]]);
    expect(outlines[0]!.kids.map((k) => k.title)).toEqual(['春风化雨润桃李', '城市绿道全线贯通']);
    expect(outlines[1]!.kids.map((k) => [k.title, k.destpageposfrom1])).toEqual([['社区图书馆延长开放时间', 2]]);
    // the headline destination is below the top of the page (found on the page), not the page top
    const pageTop = outlines[0]!.kids[0]!.dest[3] as number;
    expect(pageTop).toBeLessThan(1544);
    expect(outlines[0]!.kids[1]!.dest[3] as number).toBeLessThan(pageTop);
  });

  it('labels pages with their 版次 and carries the edition metadata', () => {
    const labels = qpdfJson(path.join(a, 'edition.pdf'), 'pagelabels').pagelabels as { index: number; label: Record<string, unknown> }[];
    expect(labels.map((l) => [l.index, l.label['/St']])).toEqual([[0, 1], [1, 2]]);
    const info = execFileSync('pdfinfo', [path.join(a, 'edition.pdf')], { encoding: 'utf8' });
    expect(info).toMatch(/Title:\s+测试日报 2024-03-05 第321期/);
    expect(info).toMatch(/Author:\s+王小明、李华、赵敏/);
    expect(info).toMatch(/Keywords:\s+教育 春季 城建/);
    expect(info).toMatch(/Tagged:\s+yes/);
    expect(info).toMatch(/Metadata Stream: yes/);
    const page2 = execFileSync('pdfinfo', [path.join(a, 'page-02.pdf')], { encoding: 'utf8' });
    expect(page2).toMatch(/Title:\s+测试日报 2024-03-05 第321期 第2版/);
    const xmp = execFileSync('pdfinfo', ['-meta', path.join(a, 'edition.pdf')], { encoding: 'utf8' });
    expect(xmp).toContain('<xmp:CreateDate>2024-03-05T00:00:00Z</xmp:CreateDate>');
  });

  it('keeps the structure tree of every page through the merge (tagged PDF)', () => {
    const text = qdf(path.join(a, 'edition.pdf'));
    expect(text).toMatch(/\/StructTreeRoot \d+ 0 R/);
    expect([...text.matchAll(/\/StructParents (\d+)/g)].map((m) => Number(m[1]))).toEqual([0, 1]);
    const pg = new Set([...text.matchAll(/\/Pg (\d+) 0 R/g)].map((m) => m[1]));
    expect(pg.size).toBe(2); // structure elements point at both pages
    execFileSync('qpdf', ['--check', path.join(a, 'edition.pdf')]);
  });

  it('post-processes only the pages that changed since the last build, with the bytes of a first build', async () => {
    const [one, two] = ['page-01.pdf', 'page-02.pdf'].map((f) => new Uint8Array(readFileSync(path.join(a, f))));
    // another page 2: the same page with one more entry in its Info dictionary (other bytes, a valid PDF)
    const doc = await PDFDocument.load(two!, { updateMetadata: false });
    doc.setSubject('改');
    const changed = await doc.save();
    const meta: PdfMetadata = { title: '测试日报 2024-03-05', date: '2024-03-05', producer: 'test', keywords: ['教育'] };
    const pageMeta = (p: EditionPage) => ({ ...meta, title: `${meta.title} 第${p.label}版` });
    const pages = (pdfs: Uint8Array[]): EditionPage[] =>
      pdfs.map((pdf, i) => ({ label: String(i + 1), name: ['要闻', '综合'][i], pdf: pdf.slice(), articles: [{ title: `标题${i}`, top: 100 + i }] }));
    const same = (x: Uint8Array, y: Uint8Array) => Buffer.from(x).equals(Buffer.from(y));
    for (const marks of [undefined, { bleedMm: 3, cropMarks: true }]) {
      clearPostprocessCache();
      const first = await postprocessEdition(pages([one!, two!]), meta, pageMeta, { marks });
      expect(first.finishedPages).toBe(2);
      // the same bytes as finishing each page and merging the edition on their own
      expect(same(first.edition, await mergeEdition(pages([one!, two!]), meta, { marks }))).toBe(true);
      for (const [i, p] of pages([one!, two!]).entries()) expect(same(first.pages[i]!, await finalizePage(p, pageMeta(p), { marks })), `page ${i + 1}`).toBe(true);
      // nothing changed: nothing is processed again
      const again = await postprocessEdition(pages([one!, two!]), meta, pageMeta, { marks });
      expect(again.finishedPages).toBe(0);
      expect(same(again.edition, first.edition)).toBe(true);
      // page 2 changed: only page 2 is finished anew, and the files are those of a first build
      const rebuilt = await postprocessEdition(pages([one!, changed]), meta, pageMeta, { marks });
      expect(rebuilt.finishedPages).toBe(1);
      expect(same(rebuilt.pages[1]!, first.pages[1]!)).toBe(false);
      clearPostprocessCache();
      const cold = await postprocessEdition(pages([one!, changed]), meta, pageMeta, { marks });
      expect(cold.finishedPages).toBe(2);
      expect(same(rebuilt.edition, cold.edition)).toBe(true);
      for (const i of [0, 1]) expect(same(rebuilt.pages[i]!, cold.pages[i]!), `page ${i + 1}`).toBe(true);
      // another headline (metadata of every page) finishes every page again
      const retitled = await postprocessEdition(pages([one!, changed]), { ...meta, subject: '新标题' }, (p) => ({ ...pageMeta(p), subject: '新标题' }), { marks });
      expect(retitled.finishedPages).toBe(2);
      expect(execFileSync('pdfinfo', ['-'], { input: Buffer.from(retitled.edition), encoding: 'utf8' })).toMatch(/Subject:\s+新标题/);
    }
    const file = path.join(tmp, 'rebuilt-edition.pdf');
    writeFileSync(file, (await postprocessEdition(pages([one!, changed]), meta, pageMeta)).edition);
    execFileSync('qpdf', ['--check', file]);
  }, 120_000);

  it('adds bleed boxes and crop marks on request', async () => {
    const out = path.join(tmp, 'marks');
    const r = await build(fixture, { outDir: out, session, bleed: 3, cropMarks: true });
    expect(r.ok).toBe(true);
    const info = execFileSync('pdfinfo', ['-box', path.join(out, 'edition.pdf')], { encoding: 'utf8' });
    const box = (name: string) => info.match(new RegExp(`${name}:\\s+(-?[\\d.]+)\\s+(-?[\\d.]+)\\s+(-?[\\d.]+)\\s+(-?[\\d.]+)`))!.slice(1).map(Number);
    const mm = 72 / 25.4;
    expect(box('TrimBox')[0]).toBeCloseTo(0, 1);
    expect(box('BleedBox')[0]).toBeCloseTo(-3 * mm, 1);
    expect(box('MediaBox')[0]).toBeLessThan(-8 * mm); // room for marks outside the bleed
    // the crop mark is drawn outside the trim: left of the top-left corner, on the trim line
    const png = path.join(tmp, 'corner');
    execFileSync('pdftoppm', ['-r', '150', '-f', '1', '-l', '1', '-x', '0', '-y', '0', '-W', '80', '-H', '80', '-gray', '-singlefile', path.join(out, 'edition.pdf'), png]);
    const pgm = readFileSync(`${png}.pgm`);
    const header = pgm.toString('latin1').match(/^P5\s+(\d+)\s+(\d+)\s+255\s/)!;
    const pixels = pgm.subarray(header[0].length);
    expect(Math.min(...pixels)).toBeLessThan(128); // something dark (the marks) in the slug corner
  }, 120_000);
});
