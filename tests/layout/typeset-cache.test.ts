/**
 * The typesetting cache of the print tab: a rebuild after one paragraph
 * changed typesets only that paragraph, and the page it lays out is the one a
 * fresh tab lays out from scratch: the same laid-out HTML and the same PDF.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { build, type BuildResult } from '../../src/pipeline/index.ts';
import { clearPostprocessCache } from '../../src/postprocess/index.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { pdfLines } from './pdf-text.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bm-typeset-cache-'));
let session: BrowserSession;

type Pages = { number: number; articles: unknown[] }[];

/** a copy of the sample manuscript whose edition has the given pages, in folder `name` */
function sampleEdition(name: string, pages: (all: Pages) => Pages): string {
  const dir = path.join(tmp, name);
  cpSync(path.join(root, 'manuscript'), dir, { recursive: true });
  const edition = parseYaml(readFileSync(path.join(dir, 'edition.yaml'), 'utf8'));
  edition.pages = pages(edition.pages);
  writeFileSync(path.join(dir, 'edition.yaml'), stringifyYaml(edition));
  return dir;
}

/** the seed feature alone, as a one-page edition (with the masthead) */
const seedOnly = (all: Pages) =>
  all.filter((p) => JSON.stringify(p.articles).includes('seed.md')).map((p) => ({ ...p, articles: p.articles.filter((a) => JSON.stringify(a).includes('"seed.md"')) }));
/** pages 1 and 2: the lead continues from page 1 onto page 2 (转版) */
const firstTwo = (all: Pages) => all.slice(0, 2);

const typesetOf = (r: BuildResult, page = 0) => (r.layouts![page]!.report as { typeset?: { blocks: number; cached: number; measured: number } }).typeset!;
/** a laid-out page; a swapped-in body gives its pictures addresses of their own (?swap=N, ?v=version) and
 * loses the white space before </body>; modules name their file */
const snapshot = (dir: string, page = 1) =>
  readFileSync(path.join(dir, `page-${page}.html`), 'utf8')
    .replace(/\?(swap=\d+|v=[\d-]+)"/g, '"')
    .replace(/\s*<\/body>/, '</body>')
    .replace(/"\/[^"]*\/(edit|copy|edit2|copy2)\//g, '"MANUSCRIPT/');

/** '' when a and b are the same text, else where they part (short, for the failure message) */
function firstDifference(a: string, b: string): string {
  if (a === b) return '';
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at ${i}: …${a.slice(Math.max(0, i - 80), i + 80)}… vs …${b.slice(Math.max(0, i - 80), i + 80)}…`;
}

async function buildInto(input: string, name: string): Promise<{ result: BuildResult; out: string; snap: string }> {
  const out = path.join(tmp, `${name}-out`);
  const snap = path.join(tmp, `${name}-html`);
  mkdirSync(snap, { recursive: true });
  const result = await build(input, { outDir: out, session, snapshotDir: snap });
  expect(result.ok, JSON.stringify(result.diagnostics.filter((d) => d.severity === 'error'))).toBe(true);
  return { result, out, snap };
}

beforeAll(() => {
  session = new BrowserSession();
});
afterAll(async () => {
  await session?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('typesetting cache', () => {
  let warm: Awaited<ReturnType<typeof buildInto>>;
  let cold: Awaited<ReturnType<typeof buildInto>>;
  let first: Awaited<ReturnType<typeof buildInto>>;
  let undone: Awaited<ReturnType<typeof buildInto>>;
  beforeAll(async () => {
    const dir = sampleEdition('edit', seedOnly);
    first = await buildInto(dir, 'first');
    // one paragraph changes (a character and a Latin run, so the Han–Latin spacing has work to do)
    const file = path.join(dir, 'seed.md');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('星光不问赶路人');
    writeFileSync(file, text.replace('星光不问赶路人', '星光不问赶路人，2022年'));
    warm = await buildInto(dir, 'warm');
    // the same manuscript in another folder: a tab of its own, whose document has typeset nothing yet
    const copy = path.join(tmp, 'copy');
    cpSync(dir, copy, { recursive: true });
    clearPostprocessCache();
    cold = await buildInto(copy, 'cold');
    // the change undone: every block (and where its paragraphs split) comes from the first build
    writeFileSync(file, text);
    undone = await buildInto(dir, 'undone');
  }, 240_000);

  it('typesets only the changed paragraph in a rebuild', () => {
    const a = typesetOf(first.result);
    const b = typesetOf(warm.result);
    const c = typesetOf(cold.result);
    expect(a.blocks).toBeGreaterThan(20);
    expect(a.cached).toBe(0);
    expect(c.cached).toBe(0);
    expect(b.blocks).toBe(a.blocks);
    expect(b.cached).toBe(b.blocks - 1);
  });

  it('lays out only the changed paragraph before the frames: the restored ones bring their measurements', () => {
    expect(typesetOf(first.result).measured).toBe(typesetOf(first.result).blocks);
    expect(typesetOf(cold.result).measured).toBe(typesetOf(cold.result).blocks);
    expect(typesetOf(warm.result).measured).toBe(1);
  });

  it('lays a page out from the cache alone once a change is undone, as the first build did', () => {
    const u = typesetOf(undone.result);
    expect(u.cached).toBe(u.blocks);
    expect(u.measured).toBe(0);
    expect(firstDifference(snapshot(undone.snap), snapshot(first.snap))).toBe('');
    const lines = (dir: string) => pdfLines(path.join(dir, 'page-03.pdf'));
    expect(lines(undone.out)).toEqual(lines(first.out));
    expect(lines(undone.out)).not.toEqual(lines(warm.out));
  });

  it('lays out the same page as a fresh tab: same HTML, same text positions, same PDF bytes', () => {
    const html = snapshot(warm.snap);
    expect(html).toContain('>2022</span>');
    expect(html).not.toContain('bm-typeset-done');
    expect(firstDifference(html, snapshot(cold.snap))).toBe('');
    // the page before the change was another one (the comparison can fail)
    expect(firstDifference(html, snapshot(first.snap))).not.toBe('');
    const lines = (dir: string) => pdfLines(path.join(dir, 'page-03.pdf'));
    expect(lines(warm.out).length).toBeGreaterThan(50);
    expect(lines(warm.out)).toEqual(lines(cold.out));
    for (const f of ['page-03.pdf', 'edition.pdf']) {
      expect(readFileSync(path.join(warm.out, f)).equals(readFileSync(path.join(cold.out, f))), f).toBe(true);
    }
  });
});

describe('typesetting cache with a continuation (转版)', () => {
  let warm: Awaited<ReturnType<typeof buildInto>>;
  let cold: Awaited<ReturnType<typeof buildInto>>;
  beforeAll(async () => {
    const dir = sampleEdition('edit2', firstTwo);
    await buildInto(dir, 'first2');
    // a paragraph of page 2 changes; page 2 also sets the lead's continuation from page 1
    const file = path.join(dir, 'market.md');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('这座建于1986年的老菜场');
    writeFileSync(file, text.replace('这座建于1986年的老菜场', '这座建于1986年、占地3000平方米的老菜场'));
    warm = await buildInto(dir, 'warm2');
    const copy = path.join(tmp, 'copy2');
    cpSync(dir, copy, { recursive: true });
    clearPostprocessCache();
    cold = await buildInto(copy, 'cold2');
  }, 240_000);

  it('restores every block of the unchanged page and the continued text, and lays out both pages as a fresh tab does', () => {
    const page1 = typesetOf(warm.result, 0);
    const page2 = typesetOf(warm.result, 1);
    expect(page1.cached).toBe(page1.blocks);
    expect(page2.cached).toBe(page2.blocks - 1);
    expect(page1.measured).toBe(0);
    expect(page2.measured).toBe(1);
    expect(warm.result.layouts![1]!.report.modules!.length).toBeGreaterThan(3);
    for (const page of [1, 2]) {
      const html = snapshot(warm.snap, page);
      expect(firstDifference(html, snapshot(cold.snap, page)), `page ${page}`).toBe('');
      if (page === 2) expect(html).toMatch(/bm-jump-from/);
    }
    for (const f of ['page-01.pdf', 'page-02.pdf', 'edition.pdf']) {
      expect(readFileSync(path.join(warm.out, f)).equals(readFileSync(path.join(cold.out, f))), f).toBe(true);
    }
  });
});
