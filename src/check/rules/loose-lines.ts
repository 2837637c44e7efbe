/**
 * Rule: justified full lines should not be loose. Extra space per gap =
 * (sum of gaps between consecutive glyph advance boxes) / number of gaps, in em;
 * compressed punctuation (negative gaps) counts as zero. A gap between a Han
 * character and a Latin letter or digit counts only beyond clreq's Han–Latin
 * spacing (1/4 em): that space is the design, not justification.
 */
import { firstChar, isHan, isLatinAlnum, lastChar } from '../chars.ts';
import { columnLines, lineRef } from '../line-ref.ts';
import { mean, percent, round } from '../stats.ts';
import type { Line, LooseLine, LooseLinesSection, PageLayout } from '../types.ts';

export const LOOSE_THRESHOLD_EM = 0.12;
/** clreq's Han–Latin spacing, em */
export const HAN_LATIN_EM = 0.25;
const WORST = 10;

export function emptyLooseLines(): LooseLinesSection {
  return { thresholdEm: LOOSE_THRESHOLD_EM, fullLines: 0, loose: 0, percentLoose: null, meanExtraPerGapEm: null, worst: [], values: [] };
}

export function extraPerGap(line: Line): number | null {
  const gs = line.glyphs;
  if (gs.length < 2) return null;
  let sum = 0;
  for (let i = 1; i < gs.length; i++) {
    const a = lastChar(gs[i - 1]!.ch);
    const b = firstChar(gs[i]!.ch);
    const designed = (isHan(a) && isLatinAlnum(b)) || (isLatinAlnum(a) && isHan(b)) ? HAN_LATIN_EM * line.size : 0;
    sum += Math.max(0, gs[i]!.x0 - gs[i - 1]!.x1 - designed);
  }
  return sum / (gs.length - 1) / line.size;
}

export function checkLooseLines(layout: PageLayout): LooseLinesSection {
  const out = emptyLooseLines();
  const all: LooseLine[] = [];
  for (const { line } of columnLines(layout)) {
    if (!line.full || line.paragraphEnd) continue;
    const extra = extraPerGap(line);
    if (extra === null) continue;
    out.fullLines++;
    out.values.push(extra);
    if (extra > LOOSE_THRESHOLD_EM) out.loose++;
    all.push({ ...lineRef(layout, line), extraPerGapEm: round(extra, 3), gaps: line.glyphs.length - 1 });
  }
  return finish(out, all);
}

function finish(out: LooseLinesSection, all: LooseLine[]): LooseLinesSection {
  out.percentLoose = percent(out.loose, out.fullLines);
  const m = mean(out.values);
  out.meanExtraPerGapEm = m === null ? null : round(m, 3);
  out.worst = all
    .filter((l) => l.extraPerGapEm > LOOSE_THRESHOLD_EM)
    .sort((a, b) => b.extraPerGapEm - a.extraPerGapEm)
    .slice(0, WORST);
  return out;
}

export function mergeLooseLines(parts: LooseLinesSection[]): LooseLinesSection {
  const out = emptyLooseLines();
  const all: LooseLine[] = [];
  for (const p of parts) {
    out.fullLines += p.fullLines;
    out.loose += p.loose;
    out.values.push(...p.values);
    all.push(...p.worst);
  }
  return finish(out, all);
}
