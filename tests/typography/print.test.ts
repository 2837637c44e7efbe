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

describe('stress manuscript at many column widths (9–28 characters)', () => {
  let r: Awaited<ReturnType<typeof printBoth>>;
  beforeAll(async () => {
    r = await printBoth(STRESS(), WIDTHS, 'stress');
  }, 300_000);

  it('adds and loses no character (spacing is margins, not spaces)', () => {
    expect(r.same).toBe(true);
  });
  it('has no line-start or line-end violation and no split —— or ……', () => {
    expect(r.banmian.prohibitions.lines).toBeGreaterThan(800);
    expect(r.banmian.prohibitions.violations).toEqual([]);
  });
  it('sets at least 90% of line-end marks half-width (bare Chromium: none by design)', () => {
    expect(r.banmian.lineEndPunctuation.total).toBeGreaterThan(50);
    expect(r.banmian.lineEndPunctuation.percentHalfWidth!).toBeGreaterThanOrEqual(90);
    expect(r.bare.lineEndPunctuation.percentHalfWidth!).toBeLessThan(50);
  });
  it('leaves no one-character last line (bare Chromium: 28)', () => {
    expect(r.bare.orphans.count).toBeGreaterThan(10);
    expect(r.banmian.orphans.lines).toEqual([]);
  });
  it('sets Han–Latin space at 1/4 em (1/8 em where a loose line was reduced), none at line ends', () => {
    expect(r.banmian.hanLatin.pairs).toBeGreaterThan(100);
    expect(r.banmian.hanLatin.netMeanEm!).toBeGreaterThanOrEqual(0.2);
    expect(r.banmian.hanLatin.netMeanEm!).toBeLessThanOrEqual(0.3);
    expect(r.banmian.hanLatin.netMinEm!).toBeGreaterThanOrEqual(0.1);
    expect(r.banmian.hanLatin.atLineStart).toBe(0);
    // a Latin run at a line end whose removed margin would let the next unit come up keeps it (measured: 2)
    expect(r.banmian.hanLatin.atLineEnd).toBeLessThanOrEqual(3);
    // In 9- and 11-character columns the check sees a few Latin–punctuation gaps that are
    // Chromium's justification, not a margin of ours (the 13–28 columns below: exactly 0).
    expect(r.banmian.hanLatin.nextToPunctuation).toBeLessThanOrEqual(r.bare.hanLatin.nextToPunctuation + 2);
  });
  it('cuts loose lines to a third of bare Chromium over all widths', () => {
    // Measured: bare 32.7%, Banmian 11.2% (13–28 characters: 3.7%; 9 and 11: 22.4%, bare 61%).
    // The 5% target is met from 13 characters up (next describe); what is left in 9- and
    // 11-character columns is mostly the line before a paragraph's last, which could only be
    // fixed by pulling the last line up — the layout engine's contract forbids changing a
    // paragraph's number of lines.
    expect(r.banmian.looseLines.fullLines).toBeGreaterThan(700);
    expect(r.banmian.looseLines.percentLoose!).toBeLessThanOrEqual(12);
    expect(r.banmian.looseLines.percentLoose!).toBeLessThan(r.bare.looseLines.percentLoose! / 2.5);
  });
  it('typesets each column in well under a second', () => {
    expect(r.ms.length).toBe(WIDTHS.length);
    // measured 25–500 ms per column on an idle machine; the bound leaves room for a loaded CI runner
    for (const ms of r.ms) expect(ms).toBeLessThan(3000);
  });
});

describe('stress manuscript at newspaper column widths (13–28 characters)', () => {
  let r: Awaited<ReturnType<typeof printBoth>>;
  beforeAll(async () => {
    r = await printBoth(STRESS(), [13, 15, 17, 20, 24, 28], 'stress-wide');
  }, 300_000);

  it('meets every Done-when figure', () => {
    const b = r.banmian;
    expect(r.same).toBe(true);
    expect(b.prohibitions.violations).toEqual([]);
    expect(b.lineEndPunctuation.percentHalfWidth!).toBeGreaterThanOrEqual(90);
    expect(b.orphans.lines).toEqual([]);
    expect(b.looseLines.fullLines).toBeGreaterThan(400);
    expect(b.looseLines.percentLoose!).toBeLessThanOrEqual(5);
    expect(b.hanLatin.netMeanEm!).toBeGreaterThanOrEqual(0.2);
    expect(b.hanLatin.netMeanEm!).toBeLessThanOrEqual(0.3);
    expect(b.hanLatin.netMinEm!).toBeGreaterThanOrEqual(0.1);
    expect(b.hanLatin.nextToPunctuation).toBe(0);
    // bare Chromium at the same widths: 13% loose, 17 孤字, 18% half-width
    expect(r.bare.looseLines.percentLoose!).toBeGreaterThan(10);
    expect(r.bare.orphans.count).toBeGreaterThan(10);
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
    // Measured: bare 19 孤字 and 7.0% loose; Banmian 0 and 4.8%.
    expect(r.bare.orphans.count).toBeGreaterThan(10);
    expect(r.banmian.orphans.lines).toEqual([]);
    expect(r.banmian.looseLines.fullLines).toBeGreaterThan(400);
    expect(r.banmian.looseLines.percentLoose!).toBeLessThanOrEqual(5);
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
  it('prints every page without a prohibition violation or a 孤字', async () => {
    const result = await build(path.join(ROOT, 'manuscript'), { outDir: path.join(dir, 'edition'), session });
    expect(result.ok).toBe(true);
    const pages = result.outputs.filter((o) => o.kind === 'page');
    expect(pages.length).toBeGreaterThan(0);
    for (const p of pages) {
      const report = await checkPdf(p.path);
      expect(report.prohibitions.violations, p.path).toEqual([]);
      expect(report.orphans.lines, p.path).toEqual([]);
    }
  }, 300_000);
});
