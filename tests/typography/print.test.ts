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

async function printBoth(markdown: string, widths: number[], name: string): Promise<{ bare: CheckReport; banmian: CheckReport; same: boolean }> {
  const { html } = await markdownToHtml(markdown);
  const a = await printColumns(session, { html, widths, banmian: false, out: path.join(dir, `${name}-bare.pdf`) });
  const b = await printColumns(session, { html, widths, banmian: true, out: path.join(dir, `${name}-banmian.pdf`) });
  return { bare: await checkPdf(a.pdf), banmian: await checkPdf(b.pdf), same: pdfChars(a.pdf) === pdfChars(b.pdf) };
}

describe('stress manuscript at many column widths', () => {
  let r: Awaited<ReturnType<typeof printBoth>>;
  beforeAll(async () => {
    r = await printBoth(readFileSync(path.join(ROOT, 'tests/fixtures/typography/stress.md'), 'utf8'), WIDTHS, 'stress');
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
  it('sets Han–Latin space at 1/4 em, none next to full-width punctuation beyond bare', () => {
    expect(r.banmian.hanLatin.pairs).toBeGreaterThan(100);
    expect(r.banmian.hanLatin.netMeanEm!).toBeGreaterThan(0.2);
    expect(r.banmian.hanLatin.netMeanEm!).toBeLessThan(0.32);
    expect(r.banmian.hanLatin.netMinEm!).toBeGreaterThan(0.2);
    expect(r.banmian.hanLatin.nextToPunctuation).toBeLessThanOrEqual(r.bare.hanLatin.nextToPunctuation + 2);
  });
  it('cuts one-character last lines and loose lines against bare Chromium', () => {
    // Measured: bare 28 孤字 and 32.7% loose lines; Banmian 4 and 14.3% (Done-when: 0 and ≤ 5%, not yet met).
    expect(r.banmian.orphans.count).toBeLessThanOrEqual(Math.floor(r.bare.orphans.count / 4));
    expect(r.banmian.looseLines.percentLoose!).toBeLessThan(r.bare.looseLines.percentLoose! / 2);
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
  it('leaves at most a few 孤字 and fewer loose lines than bare', () => {
    expect(r.banmian.orphans.count).toBeLessThanOrEqual(3);
    expect(r.bare.orphans.count).toBeGreaterThan(10);
    expect(r.banmian.looseLines.meanExtraPerGapEm!).toBeLessThan(r.bare.looseLines.meanExtraPerGapEm!);
    expect(r.banmian.hanLatin.netMeanEm!).toBeGreaterThan(0.2);
  });
});

describe('seed edition through build()', () => {
  it('prints every page without a prohibition violation', async () => {
    const result = await build(path.join(ROOT, 'manuscript'), { outDir: path.join(dir, 'edition'), session });
    expect(result.ok).toBe(true);
    const pages = result.outputs.filter((o) => o.kind === 'page');
    expect(pages.length).toBeGreaterThan(0);
    for (const p of pages) {
      const report = await checkPdf(p.path);
      expect(report.prohibitions.violations, p.path).toEqual([]);
    }
  }, 300_000);
});
