/** Pure parts of the check: Markdown stripping, pdffonts parsing, text diff, line rebuilding. */
import { describe, expect, it } from 'vitest';
import { parseStext } from '../../src/check/extract-glyphs.ts';
import { fontViolations, parsePdffonts } from '../../src/check/fonts.ts';
import { buildLayout } from '../../src/check/layout.ts';
import { stripMarkdown } from '../../src/check/manuscript.ts';
import { rebuildLines } from '../../src/check/rebuild-lines.ts';
import { extraPerGap } from '../../src/check/rules/loose-lines.ts';
import { checkOverlaps } from '../../src/check/rules/overlaps.ts';
import { checkProhibitions } from '../../src/check/rules/prohibitions.ts';
import { diffText } from '../../src/check/text-diff.ts';
import type { Glyph, Line } from '../../src/check/types.ts';

describe('stripMarkdown', () => {
  it('drops front matter and markup, keeping alt text and link text', () => {
    const md = [
      '---',
      'title: 标题',
      '---',
      '',
      '## 小标题 ##',
      '',
      '正文**加粗**和*斜体*，见[链接文字](https://example.com)。',
      '',
      '![图片说明。](img/a.png)',
      '',
      '> 引文',
      '- 列表项',
      '1. 第一',
      '<span class="x">标签</span>',
    ].join('\n');
    const text = stripMarkdown(md).replace(/\s+/g, '');
    expect(text).toBe('小标题正文加粗和斜体，见链接文字。图片说明。引文列表项第一标签');
  });
});

describe('parsePdffonts', () => {
  const out = `name                                 type              encoding         emb sub uni object ID
------------------------------------ ----------------- ---------------- --- --- --- ---------
AAAAAA+NotoSerifSCExtraLight-Regular CID TrueType      Identity-H       yes yes yes      4  0
[none]                               Type 3            Custom           yes no  yes     13  0
Helvetica                            Type 1            WinAnsi          no  no  no      20  0
`;
  it('reads each font and flags Type 3 and unembedded fonts', () => {
    const fonts = parsePdffonts(out);
    expect(fonts.map((f) => [f.name, f.type, f.embedded])).toEqual([
      ['AAAAAA+NotoSerifSCExtraLight-Regular', 'CID TrueType', true],
      ['[none]', 'Type 3', true],
      ['Helvetica', 'Type 1', false],
    ]);
    expect(fontViolations(fonts).violations.map((v) => v.reason)).toEqual([
      expect.stringContaining('Type 3'),
      'not embedded',
    ]);
  });
});

describe('diffText', () => {
  it('counts missing and extra characters, ignoring whitespace, after NFC', () => {
    const d = diffText('甲乙 丙\n丁丁第3版', '甲乙丙丁戊', '第版0123456789');
    expect(d.missing).toEqual([{ char: '戊', count: 1 }]);
    expect(d.extra).toEqual([{ char: '丁', count: 1 }]);
    expect(diffText('e\u0301', '\u00e9').missingTotal).toBe(0);
  });
});

/** Builds stext XML for rows of glyphs: [x, y, text, advance] with a 10 pt em (advance 10 unless given). */
function stext(rows: [number, number, string, number?][], width = 300): string {
  const chars = rows
    .flatMap(([x, y, text, adv = 10]) =>
      [...text].map((c, i) => {
        const x0 = x + i * adv;
        return `<char quad="${x0} ${y - 8.8} ${x0 + adv} ${y - 8.8} ${x0} ${y + 1.2} ${x0 + adv} ${y + 1.2}" x="${x0}" y="${y}" color="#000000" c="${c}"/>`;
      }),
    )
    .join('\n');
  return `<?xml version="1.0"?><document><page id="page1" width="${width}" height="200"><block><line bbox="0 0 0 0" wmode="0" dir="1 0"><font name="Test" size="10">${chars}</font></line></block></page></document>`;
}

describe('line and column rebuilding', () => {
  it('splits two columns at the gutter', () => {
    const rows: [number, number, string][] = [];
    for (let k = 0; k < 4; k++) {
      rows.push([10, 20 + k * 15, '一二三四五六七八']);
      rows.push([100, 20 + k * 15, '甲乙丙丁戊己庚辛']);
    }
    const layout = buildLayout(parseStext(stext(rows))[0]!);
    expect(layout.columns.map((c) => [c.left, c.lines.length])).toEqual([
      [10, 4],
      [100, 4],
    ]);
  });

  it('keeps a stretched line whole when the lines around it fill the gap', () => {
    const xml = stext([
      [10, 20, '一二三四五六七八'],
      [10, 35, '一'],
      [45, 35, '二'],
      [80, 35, '三'],
      [10, 50, '一二三四五六七八'],
    ]);
    const layout = buildLayout(parseStext(xml)[0]!);
    expect(layout.lines.map((l) => l.text)).toEqual(['一二三四五六七八', '一二三', '一二三四五六七八']);
  });

  it('flags a comma at line start in a rebuilt line', () => {
    const layout = buildLayout(parseStext(stext([[10, 20, '一二三'], [10, 35, '，四五']]))[0]!);
    expect(checkProhibitions(layout).lineStart).toBe(1);
  });
});

describe('overlaps', () => {
  it('lets a glyph stand in the blank half of a compressed full-width mark, not on its ink', () => {
    // 。 drawn in the left half of its em box: a digit (0.55 em) 0.5 em after it stands in the blank half
    const ok = buildLayout(parseStext(stext([[10, 20, '一二三。'], [45, 20, '2', 5.5], [50.5, 20, '四']]))[0]!);
    expect(checkOverlaps(ok).count).toBe(0);
    // 0.1 em after it: on the ink
    const bad = buildLayout(parseStext(stext([[10, 20, '一二三。'], [41, 20, '2', 5.5]]))[0]!);
    expect(checkOverlaps(bad).count).toBe(1);
    // （ drawn in the right half: a letter may end in its blank left half, not in its right half
    expect(checkOverlaps(buildLayout(parseStext(stext([[10, 20, '一二'], [30, 20, 'S', 6], [31, 20, '（四']]))[0]!)).count).toBe(0);
    expect(checkOverlaps(buildLayout(parseStext(stext([[10, 20, '一二'], [30, 20, 'S', 6], [27, 20, '（四']]))[0]!)).count).toBe(1);
  });
});

describe('extraPerGap (loose lines)', () => {
  // one line at 10 pt: glyphs of width 10 pt placed with the given gaps (pt) before each
  const line = (text: string, gaps: number[]): Line => {
    let x = 0;
    const glyphs: Glyph[] = [...text].map((ch, i) => {
      x += gaps[i] ?? 0;
      const g = { page: 1, ch, x, y: 10, x0: x, x1: x + 10, top: 0, bottom: 10, size: 10 } as Glyph;
      x += 10;
      return g;
    });
    return { page: 1, index: 0, glyphs, text, x0: 0, x1: x, baseline: 10, size: 10, column: 0, row: 0, full: true, paragraphStart: false, paragraphEnd: false };
  };
  it('counts the gaps of a justified line, in em per gap', () => {
    expect(extraPerGap(line('甲乙丙丁戊', [0, 2, 2, 2, 2]))).toBeCloseTo(0.2, 5);
  });
  it('does not count the Han–Latin space up to 1/4 em, only what is beyond it', () => {
    // 甲 5G 乙: two Han–Latin gaps of 1/4 em and no justification
    expect(extraPerGap(line('甲5G乙', [0, 2.5, 0, 2.5]))).toBe(0);
    // the same gaps at 1/2 em: 1/4 em beyond the design on each, over three gaps
    expect(extraPerGap(line('甲5G乙', [0, 5, 0, 5]))).toBeCloseTo(0.5 / 3, 5);
    // a gap between two Han characters is all extra
    expect(extraPerGap(line('甲乙丙', [0, 2.5, 0]))).toBeCloseTo(0.125, 5);
  });
});

describe('rebuildLines on a newspaper page', () => {
  // two 5-character columns of 10 pt text with a 1-em gutter; rows 14 pt apart
  const glyph = (ch: string, x: number, y: number, size = 10, advance = size): Glyph =>
    ({ page: 1, ch, x, y, x0: x, x1: x + advance, top: y - size, bottom: y, size, font: 'F', horizontal: true, line: -1 }) as Glyph;
  const row = (text: string, x: number, y: number, size = 10) => [...text].map((ch, i) => glyph(ch, x + i * size, y, size));
  it('splits at the gutter even when a line-end mark set half-width keeps its full box in it', () => {
    const glyphs = [
      // column 1, line 1 ends with a comma set half-width (4.5 em justified to 5 em): its advance
      // box still covers 1 em, half of it in the gutter
      ...[...'甲乙丙丁'].map((ch, i) => glyph(ch, i * 11.25, 14)),
      glyph('，', 45, 14),
      ...row('子丑寅卯辰', 60, 14),
      ...row('戊己庚辛壬', 0, 28),
      ...row('巳午未申酉', 60, 28),
    ];
    const lines = rebuildLines(1, glyphs);
    expect(lines.map((l) => l.text)).toEqual(['甲乙丙丁，', '子丑寅卯辰', '戊己庚辛壬', '巳午未申酉']);
  });
  it('keeps a loosely justified line whole', () => {
    const loose = [...'甲乙丙'].map((ch, i) => glyph(ch, i * 25, 28));
    const lines = rebuildLines(1, [...row('戊己庚辛壬', 0, 14), ...loose, ...row('子丑寅卯辰', 0, 42)]);
    expect(lines.map((l) => l.text)).toEqual(['戊己庚辛壬', '甲乙丙', '子丑寅卯辰']);
  });
  it('cuts a row where the size changes across a gap (a folio number beside its page name)', () => {
    const lines = rebuildLines(1, [...row('第2版', 0, 20, 15), ...row('要闻', 52, 20, 20)]);
    expect(lines.map((l) => l.text)).toEqual(['第2版', '要闻']);
  });
});
