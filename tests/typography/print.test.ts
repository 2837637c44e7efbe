/**
 * The typography passes measured in real printed PDFs with `banmian check`:
 * the stress manuscript (every clreq mark near column edges, mixed Latin and
 * numbers) and the seed article, each printed in columns of many widths, once
 * with bare Chromium CSS and once with Banmian (typography.css + typesetText);
 * and the seed edition through the real pipeline.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPdf, type CheckReport } from '../../src/check/index.ts';
import { build } from '../../src/pipeline/index.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { markdownToHtml, printColumns } from './harness.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const WIDTHS = [9, 11, 13, 15, 17, 20, 24, 28];
let session: BrowserSession;
let dir: string;

beforeAll(() => {
  session = new BrowserSession();
  dir = mkdtempSync(path.join(os.tmpdir(), 'banmian-typography-'));
});
afterAll(async () => {
  await session.close();
  rmSync(dir, { recursive: true, force: true });
});

function pdfChars(pdf: string): string {
  return [...execFileSync('pdftotext', ['-raw', pdf, '-'], { encoding: 'utf8' }).replace(/\s/gu, '')].sort().join('');
}

async function printBoth(markdown: string, widths: number[], name: string): Promise<{ bare: CheckReport; banmian: CheckReport; same: boolean; ms: number[] }> {
  const { html } = await markdownToHtml(markdown);
  const a = await printColumns(session, { html, widths, banmian: false, out: path.join(dir, `${name}-bare.pdf`) });
  const b = await printColumns(session, { html, widths, banmian: true, out: path.join(dir, `${name}-banmian.pdf`) });
  return { bare: await checkPdf(a.pdf), banmian: await checkPdf(b.pdf), same: pdfChars(a.pdf) === pdfChars(b.pdf), ms: b.reports.map((r) => r.ms) };
}

const STRESS = () => readFileSync(path.join(ROOT, 'tests/fixtures/typography/stress.md'), 'utf8');

/**
 * Loose lines (> 0.12 em of extra space per gap; the Han–Latin space up to 1/4 em is design, not
 * extra) allowed per column width. Measured on the stress manuscript, one column per PDF
 * (Banmian / bare Chromium CSS): 9 characters 12.9% / 81.1%, 11: 2.9% / 32.5%, 13: 3.4% / 12.2%,
 * 15: 1.0% / 21.2%, 17: 0% / 20.2%, 20: 1.4% / 8.1%, 24: 0% / 5.3%, 28: 0% / 0%; all widths
 * 4.1% / 32.2%. What is left is the fixture's own worst cases: a paragraph's first line before a
 * unit too wide to come up (`全市GDP增长` before `8.5%，`, `与Microsoft、`), and in 9-character
 * columns every line that gives up a character (to a 孤字 or to a loose line below): one em over
 * seven gaps is 0.14 em.
 */
const LOOSE_MAX: Record<number, number> = { 9: 14, 11: 3.5, 13: 3.5 };
const LOOSE_ALL_MAX = 4.5;

describe('stress manuscript at each column width (9–28 characters)', () => {
  const runs = new Map<number, Awaited<ReturnType<typeof printBoth>>>();
  beforeAll(async () => {
    for (const w of WIDTHS) runs.set(w, await printBoth(STRESS(), [w], `stress-${w}`));
  }, 600_000);
  const all = () => [...runs.values()];
  const sum = (f: (r: Awaited<ReturnType<typeof printBoth>>) => number) => all().reduce((n, r) => n + f(r), 0);

  it('adds and loses no character (spacing is margins, not spaces)', () => {
    for (const [w, r] of runs) expect(r.same, `${w} characters`).toBe(true);
  });
  it('has no line-start or line-end violation and no split —— or ……', () => {
    expect(sum((r) => r.banmian.prohibitions.lines)).toBeGreaterThan(800);
    for (const [w, r] of runs) expect(r.banmian.prohibitions.violations, `${w} characters`).toEqual([]);
  });
  it('sets at least 90% of line-end marks half-width at every width (bare Chromium: none by design)', () => {
    expect(sum((r) => r.banmian.lineEndPunctuation.total)).toBeGreaterThan(50);
    for (const [w, r] of runs) expect(r.banmian.lineEndPunctuation.percentHalfWidth ?? 100, `${w} characters`).toBeGreaterThanOrEqual(90);
    const bareHalf = sum((r) => r.bare.lineEndPunctuation.halfWidth) / sum((r) => r.bare.lineEndPunctuation.total);
    expect(bareHalf).toBeLessThan(0.5);
  });
  it('leaves no one-character last line at any width (bare Chromium: 28)', () => {
    expect(sum((r) => r.bare.orphans.count)).toBeGreaterThan(10);
    for (const [w, r] of runs) expect(r.banmian.orphans.lines, `${w} characters`).toEqual([]);
  });
  it('sets Han–Latin space at 1/4 em (1/8 em where a loose line was reduced), none at line ends', () => {
    expect(sum((r) => r.banmian.hanLatin.pairs)).toBeGreaterThan(100);
    for (const [w, r] of runs) {
      const h = r.banmian.hanLatin;
      expect(h.netMeanEm!, `${w} characters`).toBeGreaterThanOrEqual(0.2);
      expect(h.netMeanEm!, `${w} characters`).toBeLessThanOrEqual(0.3);
      expect(h.netMinEm!, `${w} characters`).toBeGreaterThanOrEqual(0.1);
      expect(h.atLineStart, `${w} characters`).toBe(0);
      // In 9- and 11-character columns the check sees a few Latin–punctuation gaps that are
      // Chromium's justification, not a margin of ours (from 13 characters up: exactly 0).
      if (w >= 13) expect(h.nextToPunctuation, `${w} characters`).toBe(0);
      else expect(h.nextToPunctuation, `${w} characters`).toBeLessThanOrEqual(r.bare.hanLatin.nextToPunctuation + 2);
    }
    // a Latin run at a line end whose removed margin would let the next unit come up keeps it (measured: 2)
    expect(sum((r) => r.banmian.hanLatin.atLineEnd)).toBeLessThanOrEqual(3);
  });
  it('keeps loose lines under 5% over all widths and at 11 characters up (9-character columns: see LOOSE_MAX)', () => {
    for (const [w, r] of runs) {
      const b = r.banmian.looseLines;
      expect(b.fullLines, `${w} characters`).toBeGreaterThan(40);
      expect(b.percentLoose!, `${w} characters`).toBeLessThanOrEqual(LOOSE_MAX[w] ?? 5);
      // and far under bare Chromium at the same width, where bare Chromium has loose lines at all
      if (r.bare.looseLines.percentLoose! > 5) expect(b.percentLoose!, `${w} characters`).toBeLessThan(r.bare.looseLines.percentLoose! / 2);
    }
    const loose = sum((r) => r.banmian.looseLines.loose);
    const full = sum((r) => r.banmian.looseLines.fullLines);
    expect(full).toBeGreaterThan(700);
    expect((100 * loose) / full).toBeLessThanOrEqual(LOOSE_ALL_MAX);
    // from 13 characters up (newspaper widths), the Done-when figure over all lines
    const wide = all().filter((_, i) => WIDTHS[i]! >= 13);
    const wideLoose = wide.reduce((n, r) => n + r.banmian.looseLines.loose, 0);
    const wideFull = wide.reduce((n, r) => n + r.banmian.looseLines.fullLines, 0);
    expect((100 * wideLoose) / wideFull).toBeLessThanOrEqual(2);
    // bare Chromium over all widths: 32.2%
    const bareLoose = sum((r) => r.bare.looseLines.loose) / sum((r) => r.bare.looseLines.fullLines);
    expect(bareLoose).toBeGreaterThan(0.25);
  });
  it('typesets every width (how long each column takes is for the bench to report, not for a test)', () => {
    expect([...runs.keys()]).toEqual(WIDTHS);
    for (const r of runs.values()) expect(r.ms.length).toBeGreaterThan(0);
  });
});

describe('seed article in broadsheet (13 characters) and wider columns', () => {
  let r: Awaited<ReturnType<typeof printBoth>>;
  beforeAll(async () => {
    r = await printBoth(readFileSync(path.join(ROOT, 'manuscript/seed.md'), 'utf8'), [13, 17], 'seed');
  }, 300_000);

  it('meets the prohibition and half-width figures', () => {
    expect(r.same).toBe(true);
    expect(r.banmian.prohibitions.violations).toEqual([]);
    expect(r.banmian.lineEndPunctuation.percentHalfWidth!).toBeGreaterThanOrEqual(90);
  });
  it('leaves no 孤字 and at most 5% loose lines', () => {
    // Measured: bare 19 孤字 and 6.9% loose; Banmian 0 and 1.0%.
    expect(r.bare.orphans.count).toBeGreaterThan(10);
    expect(r.banmian.orphans.lines).toEqual([]);
    expect(r.banmian.looseLines.fullLines).toBeGreaterThan(400);
    expect(r.banmian.looseLines.percentLoose!).toBeLessThanOrEqual(2);
    expect(r.banmian.looseLines.meanExtraPerGapEm!).toBeLessThan(r.bare.looseLines.meanExtraPerGapEm!);
  });
  it('sets Han–Latin space at 1/4 em and none next to punctuation', () => {
    expect(r.banmian.hanLatin.netMeanEm!).toBeGreaterThanOrEqual(0.2);
    expect(r.banmian.hanLatin.netMeanEm!).toBeLessThanOrEqual(0.3);
    expect(r.banmian.hanLatin.netMinEm!).toBeGreaterThanOrEqual(0.1);
    expect(r.banmian.hanLatin.nextToPunctuation).toBe(0);
  });
});

describe('seed edition through build()', () => {
  it('prints every page without a prohibition violation or a 孤字, with at most 5% loose lines', async () => {
    const result = await build(path.join(ROOT, 'manuscript'), { outDir: path.join(dir, 'edition'), session });
    expect(result.ok).toBe(true);
    const pages = result.outputs.filter((o) => o.kind === 'page');
    expect(pages.length).toBeGreaterThan(0);
    for (const p of pages) {
      const report = await checkPdf(p.path);
      expect(report.prohibitions.violations, p.path).toEqual([]);
      expect(report.orphans.lines, p.path).toEqual([]);
      // measured 0–3.2% per page (before paragraphs could get shorter: 5.6–7.1%)
      expect(report.looseLines.fullLines, p.path).toBeGreaterThan(50);
      expect(report.looseLines.percentLoose!, p.path).toBeLessThanOrEqual(5);
      expect(report.lineEndPunctuation.percentHalfWidth ?? 100, p.path).toBeGreaterThanOrEqual(80);
      // every rule of `banmian check` holds on the whole page, furniture included
      expect(report.rules.filter((x) => !x.passed).map((x) => `${x.id}: ${x.figure}`), p.path).toEqual([]);
    }
    const edition = result.outputs.find((o) => o.kind === 'edition')!;
    expect((await checkPdf(edition.path)).passed, edition.path).toBe(true);
    // the passes may shorten a paragraph, never lengthen it; the engine counts lines after them
    expect(result.diagnostics.filter((d) => d.ruleId === 'underset' || d.ruleId === 'overset')).toEqual([]);
  }, 300_000);
});
