/**
 * The Node stages of a warm rebuild (issue #7): collect, transform and
 * post-processing keep what they made in the process (parsed edition, front
 * matter, zhlint's findings, picture sizes, the objects of page PDFs, each
 * page's objects as copied into the edition). A rebuild after one paragraph changed must
 * give the bytes and the diagnostics a cold build (a new process) gives.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { build, processArticle, type BuildResult } from '../../src/pipeline/index.ts';
import { loadManuscript } from '../../src/parse/index.ts';
import { clearPostprocessCache, finalizePage, SAVE_OPTIONS, setMetadata } from '../../src/postprocess/index.ts';
import { editionStats } from '../../src/postprocess/edition-blocks.ts';
import { parsePoolStats } from '../../src/postprocess/parse-pool.ts';
import { savePdf } from '../../src/postprocess/write-pdf.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { scratchIn } from '../helpers/scratch.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = scratchIn('e2e', 'warm-stages');
let session: BrowserSession;

/** a copy of the sample manuscript with only the seed feature, as a one-page edition */
function seedEdition(name: string): string {
  const dir = path.join(tmp, name);
  cpSync(path.join(root, 'manuscript'), dir, { recursive: true });
  const edition = parseYaml(readFileSync(path.join(dir, 'edition.yaml'), 'utf8'));
  edition.pages = edition.pages
    .filter((p: { articles: unknown[] }) => JSON.stringify(p.articles).includes('seed.md'))
    .map((p: { articles: unknown[] }) => ({ ...p, articles: p.articles.filter((a) => JSON.stringify(a).includes('"seed.md"')) }));
  writeFileSync(path.join(dir, 'edition.yaml'), stringifyYaml(edition));
  return dir;
}

const diagnosticsOf = (r: { diagnostics: unknown[] }) => JSON.stringify(r.diagnostics);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

beforeAll(() => {
  session = new BrowserSession();
});
afterAll(async () => {
  await session.close();
});

describe('warm rebuild of a changed paragraph', () => {
  it('writes the bytes and diagnostics of a cold build in a new process, parsing only the changed PDF objects', async () => {
    const dir = seedEdition('seed');
    const file = path.join(dir, 'seed.md');
    const original = readFileSync(file, 'utf8');
    const out = path.join(tmp, 'warm-out');
    const first = await build(dir, { outDir: out, session });
    expect(first.ok, diagnosticsOf(first)).toBe(true);
    // a changed paragraph, with an ASCII comma zhlint and our rules report; the lines after it
    // break anew, and Chromium numbers most objects of the page PDF anew
    writeFileSync(file, original.replace('星光不问赶路人', '星光不问赶路人,甲乙丙'));
    const reflowed = await build(dir, { outDir: out, session });
    expect(reflowed.ok, diagnosticsOf(reflowed)).toBe(true);
    // one character replaced by another: the page PDF is read almost entirely from the objects of the build before
    writeFileSync(file, original.replace('星光不问赶路人', '星光不问赶路人,甲乙丁'));
    const before = { ...parsePoolStats };
    const blocksBefore = editionStats.made;
    const warm: BuildResult = await build(dir, { outDir: out, session });
    expect(warm.ok, diagnosticsOf(warm)).toBe(true);
    const parsed = parsePoolStats.parsed - before.parsed;
    const reused = parsePoolStats.reused - before.reused;
    expect(reused).toBeGreaterThan(10 * parsed);
    // and the edition copies that page only (edition-blocks.ts)
    expect(editionStats.made - blocksBefore).toBe(1);
    expect(warm.diagnostics.some((d) => d.ruleId === 'full-width-punctuation' && d.line !== null)).toBe(true);

    // a cold build: a new process, nothing kept
    const cold = path.join(tmp, 'cold-out');
    const json = execFileSync(process.execPath, [path.join(root, 'bin', 'banmian.js'), 'build', dir, '--out', cold, '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
    const coldResult = JSON.parse(json) as { ok: boolean; diagnostics: unknown[] };
    expect(coldResult.ok).toBe(true);
    expect(diagnosticsOf(warm)).toBe(diagnosticsOf(coldResult));
    expect(warm.outputs.length).toBe(2);
    for (const o of warm.outputs) {
      const name = path.basename(o.path);
      expect(same(readFileSync(o.path), readFileSync(path.join(cold, name))), name).toBe(true);
    }
  }, 180_000);

  it('finds a changed picture: its new size, and a broken one, under the same name', async () => {
    const dir = seedEdition('pictures');
    const m = await loadManuscript(dir);
    const ref = m.articles[0]!;
    const options = { root: m.root, typography: {} };
    const widthOf = (html: string) => Number(/<img[^>]*data-width="(\d+)"/.exec(html)?.[1]);
    const a = await processArticle(ref, options);
    expect(widthOf(a.article!.html)).toBe(600);
    // the body changes (the article is transformed again) and the picture keeps its size: from the cache
    const b = await processArticle({ ...ref, text: ref.text.replace('星光不问赶路人', '星光不问赶路人甲') }, options);
    expect(widthOf(b.article!.html)).toBe(600);
    // another picture under the same name: its size is read again, for the unchanged text too
    const picture = path.join(dir, 'img', 'helicopter.png');
    const other = path.join(dir, 'img', 'bridge.png');
    const otherWidth = readFileSync(other).readUInt32BE(16);
    expect(otherWidth).not.toBe(600);
    copyFileSync(other, picture);
    const c = await processArticle(ref, options);
    expect(widthOf(c.article!.html)).toBe(otherWidth);
    // a damaged picture: an error, not the size of before
    writeFileSync(picture, readFileSync(other).subarray(0, 100));
    const d = await processArticle(ref, options);
    expect(d.diagnostics.some((x) => x.severity === 'error' && x.ruleId === 'image-invalid')).toBe(true);
  });

  it('reports broken front matter on every build, also when its text was seen before', async () => {
    const dir = seedEdition('front-matter');
    const m = await loadManuscript(dir);
    const ref = m.articles[0]!;
    const text = ref.text.replace(/^title: .*$/m, 'title: [unclosed');
    const first = await processArticle({ ...ref, text }, { root: m.root, typography: {} });
    const again = await processArticle({ ...ref, text: text.replace('星光不问赶路人', '星光不问赶路人乙') }, { root: m.root, typography: {} });
    const errors = (r: typeof first) => r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column} ${d.ruleId} ${d.message}`);
    expect(errors(first).length).toBeGreaterThan(0);
    expect(errors(again)).toEqual(errors(first));
  });
});

describe('post-processing', () => {
  it('writes a document with the bytes of pdf-lib’s save, before and after finishing, for Chromium’s PDFs and pdf-lib’s own', async () => {
    const dir = seedEdition('save');
    const out = path.join(tmp, 'save-out');
    clearPostprocessCache();
    const r = await build(dir, { outDir: out, session, bleed: 3, cropMarks: true });
    expect(r.ok, diagnosticsOf(r)).toBe(true);
    for (const o of r.outputs) {
      const name = path.basename(o.path);
      const bytes = readFileSync(o.path);
      const a = await PDFDocument.load(bytes, { updateMetadata: false });
      const b = await PDFDocument.load(bytes, { updateMetadata: false });
      expect(same(await savePdf(a), await b.save(SAVE_OPTIONS)), name).toBe(true);
      // changed after parsing (metadata, a drawn line: a content stream pdf-lib makes itself)
      for (const doc of [a, b]) {
        setMetadata(doc, { title: '改', date: '2024-01-01', producer: 'test' });
        doc.getPages()[0]!.drawLine({ start: { x: 10, y: 10 }, end: { x: 50, y: 50 } });
      }
      expect(same(await savePdf(a), await b.save(SAVE_OPTIONS)), `${name}, changed`).toBe(true);
    }
    // object streams (pdf-lib's default save) parse through the pool too
    const packed = await (await PDFDocument.load(readFileSync(r.outputs[0]!.path), { updateMetadata: false })).save();
    const page = { label: '1', pdf: packed, articles: [{ title: '标题' }] };
    const meta = { title: 't', date: '2024-01-01', producer: 'test' };
    const { postprocessEdition } = await import('../../src/postprocess/index.ts');
    clearPostprocessCache();
    const pooled = await postprocessEdition([page], meta, () => meta);
    expect(same(pooled.pages[0]!, await finalizePage(page, meta))).toBe(true);
  }, 120_000);
});
