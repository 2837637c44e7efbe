/**
 * Rule: spacing between Han characters and Latin letters or digits (clreq: up
 * to 1/4 em, none at line start or end, none next to `——`, `……` or full-width
 * punctuation). Gaps are measured between advance boxes, spaces included, in
 * em of the Han glyph; the net figure subtracts the line's justification
 * (median gap between two Han characters of the line).
 */
import { FULL_WIDTH_PUNCTUATION, firstChar, isHan, isLatinAlnum, lastChar } from '../chars.ts';
import { columnLines, lineRef, visibleGlyphs } from '../line-ref.ts';
import { maxOf, mean, median, minOf, round } from '../stats.ts';
import type { Glyph, HanLatinSection, Line, PageLayout } from '../types.ts';

const SPACE_EM = 0.05;
const EXAMPLES = 20;

export function emptyHanLatin(): HanLatinSection {
  return {
    pairs: 0,
    meanEm: null,
    minEm: null,
    maxEm: null,
    netMeanEm: null,
    netMinEm: null,
    netMaxEm: null,
    nextToPunctuation: 0,
    atLineStart: 0,
    atLineEnd: 0,
    examples: [],
    values: [],
  };
}

/**
 * The line's justification: the median gap between two Han characters, or, in a line without
 * such a pair (`〔2021〕164号）要`), between Han characters and full-width marks.
 */
function justification(gs: Glyph[]): number {
  const han: number[] = [];
  const wide: number[] = [];
  const isWide = (c: string) => isHan(c) || FULL_WIDTH_PUNCTUATION.has(c);
  for (let i = 1; i < gs.length; i++) {
    const a = gs[i - 1]!;
    const b = gs[i]!;
    const ca = lastChar(a.ch);
    const cb = firstChar(b.ch);
    const gap = Math.max(0, b.x0 - a.x1) / b.size;
    if (isHan(ca) && isHan(cb)) han.push(gap);
    else if (isWide(ca) && isWide(cb)) wide.push(gap);
  }
  return median(han) ?? median(wide) ?? 0;
}

export function checkHanLatin(layout: PageLayout): HanLatinSection {
  const out = emptyHanLatin();
  for (const line of layout.lines) measureLine(layout, line, out);
  for (const { line, left, right } of columnLines(layout)) {
    const gs = visibleGlyphs(line);
    const first = gs[0];
    const last = gs[gs.length - 1];
    if (!first || !last) continue;
    const em = line.size;
    if (isLatinAlnum(firstChar(first.ch))) {
      // a margin before the run pushes it right of the column edge (or of the 2-em indent)
      const offset = (first.x0 - left) / em;
      const pushed = (d: number) => d > SPACE_EM * 1.6 && d <= 0.5;
      if (pushed(offset) || pushed(offset - 2)) out.atLineStart++;
    }
    if (line.full && !line.paragraphEnd && isLatinAlnum(lastChar(last.ch))) {
      const short = (right - last.x1) / em;
      if (short > SPACE_EM * 1.6 && short <= 0.5) out.atLineEnd++;
    }
  }
  return finish(out);
}

function measureLine(layout: PageLayout, line: Line, out: HanLatinSection): void {
  const gs = visibleGlyphs(line);
  const just = justification(gs);
  for (let i = 1; i < gs.length; i++) {
    const a = gs[i - 1]!;
    const b = gs[i]!;
    // a space between them (`本报讯　12月`, `CN43-0000 邮发代号`) is a word space, not Han–Latin spacing
    if (line.glyphs.indexOf(b) - line.glyphs.indexOf(a) !== 1) continue;
    const ca = lastChar(a.ch);
    const cb = firstChar(b.ch);
    const gapPt = b.x0 - a.x1;
    if ((isHan(ca) && isLatinAlnum(cb)) || (isLatinAlnum(ca) && isHan(cb))) {
      const em = isHan(ca) ? a.size : b.size;
      const gap = gapPt / em;
      const net = gap - just;
      out.pairs++;
      out.values.push([gap, net]);
      if (out.examples.length < EXAMPLES)
        out.examples.push({ ...lineRef(layout, line), pair: ca + cb, gapEm: round(gap, 3), netGapEm: round(net, 3) });
    } else if ((isLatinAlnum(ca) && FULL_WIDTH_PUNCTUATION.has(cb)) || (FULL_WIDTH_PUNCTUATION.has(ca) && isLatinAlnum(cb))) {
      const em = FULL_WIDTH_PUNCTUATION.has(ca) ? a.size : b.size;
      if (gapPt / em - just > SPACE_EM) out.nextToPunctuation++;
    }
  }
}

function finish(out: HanLatinSection): HanLatinSection {
  const raw = out.values.map((v) => v[0]);
  const net = out.values.map((v) => v[1]);
  const r = (n: number | null) => (n === null ? null : round(n, 3));
  out.meanEm = r(mean(raw));
  out.minEm = r(minOf(raw));
  out.maxEm = r(maxOf(raw));
  out.netMeanEm = r(mean(net));
  out.netMinEm = r(minOf(net));
  out.netMaxEm = r(maxOf(net));
  return out;
}

export function mergeHanLatin(parts: HanLatinSection[]): HanLatinSection {
  const out = emptyHanLatin();
  for (const p of parts) {
    out.pairs += p.pairs;
    out.values.push(...p.values);
    out.nextToPunctuation += p.nextToPunctuation;
    out.atLineStart += p.atLineStart;
    out.atLineEnd += p.atLineEnd;
    for (const e of p.examples) if (out.examples.length < EXAMPLES) out.examples.push(e);
  }
  return finish(out);
}
