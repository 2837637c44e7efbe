/**
 * Deliberately bad PDFs, printed by a real Chromium: the check must catch each kind.
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPdf, type CheckReport } from '../../src/check/index.ts';
import { HanSource, launchBrowser, makeTempDir, removeDir, renderPdf, type Fixture } from './render.ts';

const han = new HanSource();
const COL = 'width: 16em; text-align: justify;';

const fixtures: Record<string, Fixture> = {
  prohibitions: {
    body: `<div style="width: 16em">甲乙丙“<br>丁戊己庚<br>，辛壬癸<br>——子丑寅<br>卯辰巳—<br>—午未申<br>酉戌亥…<br>…天地</div>`,
  },
  fullWidthEnd: {
    // 14 + 15 characters, then a comma that falls at the end of the second line at full width.
    body: `<p style="${COL} text-indent: 2em">${han.take(29)}，${han.take(40)}。</p>`,
  },
  letterSpacing: {
    body: `<p style="${COL} text-indent: 2em; letter-spacing: 0.3em">${han.take(80)}。</p>`,
  },
  longWord: {
    // The second line holds six characters only: the Latin word does not fit after them.
    body: `<p style="${COL} text-indent: 2em">${han.take(20)}Supercalifragilisticexpialidocious${han.take(30)}。</p>`,
  },
  orphan: {
    body: `<p style="${COL} text-indent: 2em">${han.take(30)}字。</p><p style="${COL} text-indent: 2em">${han.take(20)}。</p>`,
  },
  grid: {
    css: '.cols { display: flex; gap: 2em; } .cols p { width: 16em; text-align: justify; text-indent: 2em; }',
    body: `<div class="cols"><p style="line-height: 24px">${han.take(110)}。</p><p style="line-height: 27px">${han.take(110)}。</p></div>`,
  },
  type3: {
    body: `<p style="${COL} font-family: 'Noto Sans CJK SC'">${han.take(40)}。</p>`,
  },
  outside: {
    body: `<p style="${COL}">${han.take(20)}。</p><div style="position: absolute; left: -5px; top: 80px">出界的字</div>`,
    margin: '0',
  },
  overlap: {
    body:
      `<p style="${COL}">${han.take(20)}。</p>` +
      `<div style="position: absolute; left: 40px; top: 120px">重叠的文字</div>` +
      `<div style="position: absolute; left: 43px; top: 124px">重叠的文字</div>`,
  },
  text: {
    body: `<h1 style="font-size: 20px; margin: 0 0 24px">样张标题</h1><p style="${COL} text-indent: 2em">甲乙丙丁己庚辛壬癸子丑寅卯辰巳午未申酉戌亥。</p>`,
  },
};

const reports: Record<string, CheckReport> = {};
const pdfs: Record<string, string> = {};
let browser: Browser | undefined;
let dir = '';

beforeAll(async () => {
  dir = await makeTempDir();
  browser = await launchBrowser();
  const b = browser;
  await Promise.all(
    Object.entries(fixtures).map(async ([name, f]) => {
      pdfs[name] = await renderPdf(b, dir, name, f);
    }),
  );
  for (const name of Object.keys(fixtures)) {
    if (name !== 'text') reports[name] = await checkPdf(pdfs[name]!);
  }
});

afterAll(async () => {
  await browser?.close();
  await removeDir(dir);
});

function rule(r: CheckReport, id: string) {
  const found = r.rules.find((x) => x.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

describe('bad PDFs', () => {
  it('catches a line starting with a comma, a line ending with an opening quote, and split —— / ……', () => {
    const p = reports.prohibitions!.prohibitions;
    expect(p.lineStart).toBe(1);
    expect(p.lineEnd).toBe(1);
    expect(p.splitDash).toBe(1);
    expect(p.splitEllipsis).toBe(1);
    const start = p.violations.find((v) => v.kind === 'line-start')!;
    expect(start).toMatchObject({ page: 1, char: '，', text: '，辛壬癸' });
    expect(start.column).not.toBeNull();
    expect(p.violations.find((v) => v.kind === 'line-end')).toMatchObject({ char: '“', text: '甲乙丙“' });
    // `——` whole at line start is allowed at the basic level.
    expect(p.violations.some((v) => v.text.startsWith('——子'))).toBe(false);
    expect(rule(reports.prohibitions!, 'prohibitions').passed).toBe(false);
    expect(reports.prohibitions!.passed).toBe(false);
    expect(reports.prohibitions!.pages[0]!.prohibitions.total).toBe(4);
  });

  it('catches a full-width mark at the end of a full line', () => {
    const e = reports.fullWidthEnd!.lineEndPunctuation;
    expect(e.total).toBe(1);
    expect(e.halfWidth).toBe(0);
    expect(e.percentHalfWidth).toBe(0);
    expect(e.fullWidthLines[0]).toMatchObject({ char: '，', line: 2 });
    expect(e.fullWidthLines[0]!.distanceEm).toBeCloseTo(1, 1);
    expect(rule(reports.fullWidthEnd!, 'line-end-half-width').passed).toBe(false);
  });

  it('catches loose lines from letter-spacing', () => {
    const l = reports.letterSpacing!.looseLines;
    expect(l.fullLines).toBeGreaterThanOrEqual(3);
    expect(l.percentLoose).toBe(100);
    expect(l.worst[0]!.extraPerGapEm).toBeGreaterThan(0.25);
    expect(rule(reports.letterSpacing!, 'loose-lines').passed).toBe(false);
  });

  it('keeps a stretched line whole and reports it as loose', () => {
    const r = reports.longWord!;
    const l = r.looseLines;
    expect(l.loose).toBeGreaterThanOrEqual(1);
    const worst = l.worst[0]!;
    expect(worst.extraPerGapEm).toBeGreaterThan(1);
    // Six characters spread over the column: one line, not six one-character columns.
    expect([...worst.text.replace(/\s/g, '')].length).toBe(6);
    expect(r.pages[0]!.columns.filter((c) => c.lines >= 3)).toHaveLength(1);
  });

  it('catches a one-character last line', () => {
    const o = reports.orphan!.orphans;
    expect(o.count).toBe(1);
    expect(o.lines[0]!.text).toBe('字。');
    expect(rule(reports.orphan!, 'orphans').passed).toBe(false);
  });

  it('catches columns whose baselines are off the page grid', () => {
    const r = reports.grid!;
    const g = r.baselineGrid;
    expect(r.pages[0]!.columns.filter((c) => c.analysable)).toHaveLength(2);
    expect(g.bodyLines).toBeGreaterThanOrEqual(12);
    expect(g.percentOffGrid!).toBeGreaterThan(25);
    expect(rule(r, 'baseline-grid').passed).toBe(false);
  });

  it('catches Type 3 fonts', () => {
    const f = reports.type3!.fonts;
    expect(f.violations.length).toBeGreaterThan(0);
    expect(f.violations.every((v) => v.type === 'Type 3')).toBe(true);
    expect(rule(reports.type3!, 'fonts').passed).toBe(false);
    // Glyphs are still read from the Type 3 text.
    expect(reports.type3!.pages[0]!.lines).toBeGreaterThanOrEqual(3);
  });

  it('catches text outside the page', () => {
    const o = reports.outside!.outsidePage;
    expect(o.count).toBeGreaterThanOrEqual(1);
    expect(o.glyphs[0]!.char).toBe('出');
    expect(o.glyphs[0]!.x).toBeLessThan(0);
    expect(rule(reports.outside!, 'outside-page').passed).toBe(false);
    expect(reports.overlap!.outsidePage.count).toBe(0);
  });

  it('catches overlapping text', () => {
    const o = reports.overlap!.overlaps;
    expect(o.count).toBe(5);
    expect(o.pairs[0]!.a.char).toBe(o.pairs[0]!.b.char);
    expect(rule(reports.overlap!, 'overlaps').passed).toBe(false);
    expect(reports.outside!.overlaps.count).toBe(0);
  });

  it('reports characters missing from and extra in the PDF against the manuscript', async () => {
    const manuscript = '---\ntitle: 样张\n---\n\n# 样张标题\n\n甲乙丙丁**戊**庚辛壬癸子丑寅卯辰巳午未申酉戌亥。\n';
    const { stripMarkdown } = await import('../../src/check/index.ts');
    const r = await checkPdf(pdfs.text!, { manuscriptText: stripMarkdown(manuscript) });
    const t = r.text!;
    expect(t.missing).toEqual([{ char: '戊', count: 1 }]);
    expect(t.extra).toEqual([{ char: '己', count: 1 }]);
    expect(t.missingContexts.join('')).toContain('戊');
    expect(t.extraContexts.join('')).toContain('己');
    expect(rule(r, 'text').passed).toBe(false);

    const allowed = await checkPdf(pdfs.text!, { manuscriptText: stripMarkdown(manuscript), allowExtra: '己' });
    expect(allowed.text!.extraTotal).toBe(0);
    expect(allowed.text!.missingTotal).toBe(1);
  });
});
