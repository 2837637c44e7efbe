/**
 * A hand-set GOOD page (three columns, half-width line-end marks, 1/4 em
 * Han–Latin spacing, one baseline grid), printed by a real Chromium: every
 * figure comes out clean, and the CLI exits 0. Also covers the CLI's exit codes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkPdf, runCheckCommand, stripMarkdown, type CheckReport } from '../../src/check/index.ts';
import { goodFixture, goodManuscript } from './good-fixture.ts';
import { launchBrowser, makeTempDir, removeDir, renderPdf } from './render.ts';

let browser: Browser | undefined;
let dir = '';
let pdf = '';
let manuscriptPath = '';
let report: CheckReport;

beforeAll(async () => {
  dir = await makeTempDir();
  browser = await launchBrowser();
  pdf = await renderPdf(browser, dir, 'good', goodFixture);
  const md = goodManuscript();
  manuscriptPath = join(dir, 'good.md');
  await writeFile(manuscriptPath, md);
  report = await checkPdf(pdf, { manuscriptText: stripMarkdown(md) });
});

afterAll(async () => {
  await browser?.close();
  await removeDir(dir);
});

/** Runs the command, capturing what it prints. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await runCheckCommand(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('a good PDF', () => {
  it('finds the three body columns and the headline', () => {
    const cols = report.pages[0]!.columns;
    const body = cols.filter((c) => c.analysable);
    expect(body).toHaveLength(3);
    expect(body.map((c) => c.lines)).toEqual([8, 8, 8]);
    expect(report.pages[0]!.bodySize).toBeCloseTo(10.5, 0);
  });

  it('has no prohibition violations, and every line-end mark half-width', () => {
    expect(report.prohibitions.total).toBe(0);
    expect(report.lineEndPunctuation.total).toBe(5);
    expect(report.lineEndPunctuation.percentHalfWidth).toBe(100);
  });

  it('has no loose lines and no one-character last lines', () => {
    expect(report.looseLines.fullLines).toBeGreaterThanOrEqual(12);
    expect(report.looseLines.loose).toBe(0);
    expect(report.orphans.count).toBe(0);
  });

  it('measures 1/4 em Han–Latin spacing, none next to punctuation or at line edges', () => {
    const h = report.hanLatin;
    expect(h.pairs).toBe(4);
    expect(h.netMeanEm!).toBeCloseTo(0.25, 2);
    expect(h.netMinEm!).toBeGreaterThan(0.2);
    expect(h.nextToPunctuation + h.atLineStart + h.atLineEnd).toBe(0);
  });

  it('puts every body line on one baseline grid', () => {
    expect(report.baselineGrid.bodyLines).toBe(24);
    expect(report.baselineGrid.offGrid).toBe(0);
    expect(report.baselineGrid.pages[0]!.pitch).toBeCloseTo(18, 1);
  });

  it('has good fonts, nothing outside the page or overlapping, and the manuscript text', () => {
    expect(report.fonts.fonts.length).toBeGreaterThan(0);
    expect(report.fonts.violations).toEqual([]);
    expect(report.outsidePage.count).toBe(0);
    expect(report.overlaps.count).toBe(0);
    expect(report.text!.missingTotal).toBe(0);
    expect(report.text!.extraTotal).toBe(0);
    expect(report.rules.filter((r) => !r.passed)).toEqual([]);
    expect(report.passed).toBe(true);
  });
});

describe('runCheckCommand', () => {
  it('exits 0 and prints the table for a good PDF with its manuscript', async () => {
    const r = await run([pdf, '--manuscript', manuscriptPath]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('All rules met.');
    expect(r.out).toMatch(/Line-end marks set half-width\s+100% half-width \(5 of 5\)/);
  });

  it('prints one JSON object with --json', async () => {
    const r = await run(['check', pdf, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.passed).toBe(true);
    expect(j.lineEndPunctuation.percentHalfWidth).toBe(100);
    expect(j.looseLines.values).toBeUndefined();
    expect(j.pages).toHaveLength(1);
  });

  it('exits 1 when a rule is broken', async () => {
    const other = join(dir, 'other.md');
    await writeFile(other, '# 别的标题\n\n完全不同的正文。\n');
    const r = await run([pdf, '--manuscript', other]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL');
    expect(r.out).toContain('Missing from the PDF');
  });

  it('exits 2 on usage errors, saying what to do', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('pass the path of the PDF');
    const missing = await run([join(dir, 'nope.pdf')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('does not exist');
    const bad = await run([pdf, '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Usage:');
    const noMs = await run([pdf, '--manuscript', join(dir, 'nope.md')]);
    expect(noMs.code).toBe(2);
    const notPdf = await run([manuscriptPath]);
    expect(notPdf.code).toBe(2);
    expect(notPdf.err).toContain('cannot read');
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: banmian check');
  });
});
