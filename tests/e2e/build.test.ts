/**
 * End to end: the sample edition through the real pipeline and the real
 * Chromium, inspected with poppler and qpdf.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYamlText } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_SIZES } from '../../src/config/index.ts';
import { build, type BuildResult } from '../../src/pipeline/index.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { banmian, ROOT } from '../helpers/cli.ts';
import { missingCharacters, pdfFonts, pdfPageSizes, pdfText, qpdfCheck } from '../helpers/pdf.ts';

const MM_TO_PT = 72 / 25.4;
let session: BrowserSession;
let out: string;
let result: BuildResult;

beforeAll(async () => {
  session = new BrowserSession();
  out = mkdtempSync(path.join(os.tmpdir(), 'banmian-e2e-'));
  result = await build(path.join(ROOT, 'manuscript'), { outDir: out, session });
});

afterAll(async () => {
  await session.close();
  rmSync(out, { recursive: true, force: true });
});

/** The text the manuscript asks to print: headline fields and body text of every article. */
function manuscriptText(r: BuildResult): string {
  return (r.articles ?? [])
    .map((a) => {
      const fm = a.frontMatter;
      const authors = typeof fm.authors === 'string' ? [fm.authors] : (fm.authors ?? []);
      const body = a.html.replace(/<[^>]+>/g, '').replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');
      return [fm.kicker, fm.title, fm.subtitle, ...authors, body].filter(Boolean).join('\n');
    })
    .join('\n');
}

describe('the sample edition', () => {
  it('builds without errors, one PDF per page plus the edition', () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // every page printed on the first try (a page that hangs is printed again after a timeout: slow, and a bug)
    expect(result.diagnostics.filter((d) => d.ruleId === 'print-retried')).toEqual([]);
    expect(result.ok).toBe(true);
    const edition = parseYamlText(readFileSync(path.join(ROOT, 'manuscript', 'edition.yaml'), 'utf8'));
    const pages = result.outputs.filter((o) => o.kind === 'page');
    expect(pages.map((p) => p.page)).toEqual(edition.pages.map((p: { number: unknown }) => String(p.number)));
    expect(result.outputs.filter((o) => o.kind === 'edition')).toHaveLength(1);
    for (const o of result.outputs) expect(existsSync(o.path)).toBe(true);
  });

  it('prints pages of the configured size', () => {
    const edition = parseYamlText(readFileSync(path.join(ROOT, 'manuscript', 'edition.yaml'), 'utf8'));
    const size = PAGE_SIZES[(edition.size ?? 'broadsheet') as keyof typeof PAGE_SIZES];
    for (const o of result.outputs) {
      for (const page of pdfPageSizes(o.path)) {
        expect(page.width).toBeCloseTo(size.width * MM_TO_PT, 0);
        expect(page.height).toBeCloseTo(size.height * MM_TO_PT, 0);
      }
    }
  });

  it('loses no character of the manuscript', () => {
    const edition = result.outputs.find((o) => o.kind === 'edition')!;
    const expected = manuscriptText(result);
    expect(expected.length).toBeGreaterThan(4000);
    expect(missingCharacters(expected, pdfText(edition.path))).toEqual([]);
  });

  it('embeds every font, none of Type 3', () => {
    for (const o of result.outputs) {
      const fonts = pdfFonts(o.path);
      expect(fonts.length).toBeGreaterThan(0);
      for (const f of fonts) {
        expect(f.type, `${o.path}: ${f.name}`).not.toMatch(/Type 3/);
        expect(f.embedded, `${o.path}: ${f.name}`).toBe(true);
      }
    }
  });

  it('passes qpdf --check', () => {
    for (const o of result.outputs) {
      const check = qpdfCheck(o.path);
      expect(check.ok, check.output).toBe(true);
    }
  });

  it('prints the headline block and the page furniture', () => {
    const text = pdfText(result.outputs.find((o) => o.kind === 'edition')!.path);
    expect(text).toContain('荣光熠熠照征程');
    expect(text).toContain('株洲市公安局董家段分局高质量发展纪实');
    // the masthead's date and weekday (pdftotext reads the Han–Latin space as a space, and may
    // interleave the ear's lines: compare without white space, date and weekday apart)
    const flat = text.replace(/\s+/g, '');
    expect(flat).toContain('2021年12月28日');
    expect(flat).toContain('星期二');
  });
});

describe('a plain Markdown file', () => {
  it('becomes a one-article page, soft breaks in Chinese print no space', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'banmian-md-'));
    try {
      writeFileSync(path.join(dir, 'note.md'), '# 简单的稿件\n\n这是第一行\n这是第二行，没有空格。\n');
      const r = await build(path.join(dir, 'note.md'), { outDir: path.join(dir, 'out'), session });
      expect(r.ok).toBe(true);
      const text = pdfText(r.outputs[0]!.path).replace(/\n/g, '');
      expect(text).toContain('简单的稿件');
      expect(text).toContain('这是第一行这是第二行');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('long unbreakable runs', () => {
  it('a long URL in a list item breaks at the column edge and prints whole (it used to be cut off)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'banmian-url-'));
    try {
      const url = 'https://example.com/aVeryLongPathWithoutAnyBreakOpportunity/andEvenMoreOfItHere/index.html';
      writeFileSync(path.join(dir, 'a.md'), `# 列表里的长网址\n\n正文第一段。\n\n1. 参见 ${url} 的说明\n`);
      const r = await build(path.join(dir, 'a.md'), { outDir: path.join(dir, 'out'), session });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(missingCharacters(url, pdfText(r.outputs[0]!.path, ['-raw']))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the command line', () => {
  it('prints JSON with --json and exits 0', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'banmian-cli-'));
    try {
      writeFileSync(path.join(dir, 'a.md'), '# 标题\n\n正文。\n');
      const r = banmian(['build', path.join(dir, 'a.md'), '--out', path.join(dir, 'out'), '--json']);
      expect(r.status, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json.ok).toBe(true);
      expect(json.outputs.map((o: { kind: string }) => o.kind)).toEqual(['page', 'edition']);
      expect(Array.isArray(json.diagnostics)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on wrong usage and shows help', () => {
    expect(banmian(['build']).status).toBe(2);
    expect(banmian(['frobnicate']).status).toBe(2);
    const help = banmian(['build', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: banmian build');
  });

  it('exits 1 with file:line:col for a typo in front matter, and leaves the old PDF alone', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'banmian-err-'));
    try {
      mkdirSync(path.join(dir, 'out'));
      writeFileSync(path.join(dir, 'out', 'page-01.pdf'), 'previous good PDF');
      writeFileSync(path.join(dir, 'a.md'), '---\ntitle: 标题\nsubtitel: 副题\n---\n\n正文。\n');
      const r = banmian(['build', path.join(dir, 'a.md'), '--out', path.join(dir, 'out'), '--json']);
      expect(r.status).toBe(1);
      const json = JSON.parse(r.stdout);
      expect(json.ok).toBe(false);
      expect(json.diagnostics[0]).toMatchObject({ line: 3, column: 1, severity: 'error', ruleId: 'schema-unknown-key' });
      expect(json.diagnostics[0].message).toContain('did you mean "subtitle"');
      expect(readFileSync(path.join(dir, 'out', 'page-01.pdf'), 'utf8')).toBe('previous good PDF');
      const human = banmian(['build', path.join(dir, 'a.md'), '--out', path.join(dir, 'out')]);
      expect(human.status).toBe(1);
      expect(human.stderr).toMatch(/a\.md:3:1 error unknown key "subtitel"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing image with its position', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'banmian-img-'));
    try {
      writeFileSync(path.join(dir, 'a.md'), '# 标题\n\n正文。\n\n![说明](img/none.png)\n');
      const r = banmian(['build', path.join(dir, 'a.md'), '--out', path.join(dir, 'out'), '--json']);
      expect(r.status).toBe(1);
      const d = JSON.parse(r.stdout).diagnostics.find((x: { ruleId: string }) => x.ruleId === 'image-missing');
      expect(d).toMatchObject({ line: 5, column: 1, severity: 'error' });
      expect(existsSync(path.join(dir, 'out'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

