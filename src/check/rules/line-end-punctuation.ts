/**
 * Rule: a full-width mark at the end of a full line is set half-width
 * (GB/T 15834-2011 §5.1.10). Half-width means the mark's origin lies about
 * 0.5 em from the column's right edge; full width, about 1 em.
 */
import { LINE_END_FULL_WIDTH_MARKS, lastChar } from '../chars.ts';
import { columnLines, lineRef, visibleGlyphs } from '../line-ref.ts';
import { percent, round } from '../stats.ts';
import type { LineEndPunctuationSection, PageLayout } from '../types.ts';

/** Distances above this many em count as full width. */
const HALF_WIDTH_LIMIT_EM = 0.75;

export function emptyLineEndPunctuation(): LineEndPunctuationSection {
  return { total: 0, halfWidth: 0, fullWidth: 0, percentHalfWidth: null, fullWidthLines: [] };
}

export function checkLineEndPunctuation(layout: PageLayout): LineEndPunctuationSection {
  const out = emptyLineEndPunctuation();
  for (const { line, right } of columnLines(layout)) {
    if (!line.full || line.paragraphEnd) continue;
    const gs = visibleGlyphs(line);
    const g = gs[gs.length - 1];
    if (!g) continue;
    const char = lastChar(g.ch);
    if (!LINE_END_FULL_WIDTH_MARKS.has(char)) continue;
    out.total++;
    const distanceEm = (right - g.x) / g.size;
    if (distanceEm <= HALF_WIDTH_LIMIT_EM) out.halfWidth++;
    else {
      out.fullWidth++;
      out.fullWidthLines.push({ ...lineRef(layout, line), char, distanceEm: round(distanceEm, 2) });
    }
  }
  out.percentHalfWidth = percent(out.halfWidth, out.total);
  return out;
}

export function mergeLineEndPunctuation(parts: LineEndPunctuationSection[]): LineEndPunctuationSection {
  const out = emptyLineEndPunctuation();
  for (const p of parts) {
    out.total += p.total;
    out.halfWidth += p.halfWidth;
    out.fullWidth += p.fullWidth;
    out.fullWidthLines.push(...p.fullWidthLines);
  }
  out.percentHalfWidth = percent(out.halfWidth, out.total);
  return out;
}
