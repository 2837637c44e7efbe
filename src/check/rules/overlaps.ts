/**
 * Rule: no overlapping text. Each glyph is given its em box (advance width ×
 * 1 em, 0.88 em above the baseline); two glyphs of different lines overlap
 * when the intersection covers more than 30% of the smaller box. Within one
 * line, only an overlap of more than 60% of the narrower advance counts, so
 * that compressed punctuation pairs (50%) pass. A full-width mark's box is only
 * the half (or, for ：；！？, the middle half) its ink is drawn in.
 */
import { inkExtent, isSpace } from '../chars.ts';
import { round } from '../stats.ts';
import type { Glyph, OverlapSection, PageLayout } from '../types.ts';

const LIST = 20;
const CELL = 24;

export function emptyOverlaps(): OverlapSection {
  return { count: 0, pairs: [] };
}

interface Box {
  g: Glyph;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function box(g: Glyph): Box {
  // A full-width mark's box is cut to the half where its ink is: compressed punctuation (a mark
  // set half-width mid-line, an opening bracket set flush) puts its blank half under its neighbour.
  const [x0, x1ink] = inkExtent(g);
  let x1 = x1ink;
  if (x1 - x0 < 0.05 * g.size) x1 = x0 + 0.05 * g.size;
  return { g, x0, x1, y0: g.y - 0.88 * g.size, y1: g.y + 0.12 * g.size };
}

export function checkOverlaps(layout: PageLayout): OverlapSection {
  const out = emptyOverlaps();
  const boxes = layout.glyphs.filter((g) => !isSpace(g.ch)).map(box);
  const grid = new Map<string, number[]>();
  boxes.forEach((b, i) => {
    for (let cx = Math.floor(b.x0 / CELL); cx <= Math.floor(b.x1 / CELL); cx++)
      for (let cy = Math.floor(b.y0 / CELL); cy <= Math.floor(b.y1 / CELL); cy++) {
        const k = `${cx},${cy}`;
        const list = grid.get(k);
        if (list) list.push(i);
        else grid.set(k, [i]);
      }
  });
  const seen = new Set<string>();
  for (const list of grid.values()) {
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const a = boxes[list[i]!]!;
        const b = boxes[list[j]!]!;
        const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
        const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
        if (w <= 0 || h <= 0) continue;
        const key = list[i]! < list[j]! ? `${list[i]},${list[j]}` : `${list[j]},${list[i]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const sameLine = a.g.line >= 0 && a.g.line === b.g.line;
        const ratio = sameLine
          ? w / Math.min(a.x1 - a.x0, b.x1 - b.x0)
          : (w * h) / Math.min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0));
        if (ratio <= (sameLine ? 0.6 : 0.3)) continue;
        out.count++;
        if (out.pairs.length < LIST) {
          const desc = (g: Glyph) => ({
            char: g.ch,
            x: round(g.x, 2),
            y: round(g.y, 2),
            line: g.line >= 0 ? (layout.lines[g.line]?.text ?? '') : '',
          });
          out.pairs.push({ page: layout.page, a: desc(a.g), b: desc(b.g), ratio: round(ratio, 2) });
        }
      }
  }
  return out;
}

export function mergeOverlaps(parts: OverlapSection[]): OverlapSection {
  const out = emptyOverlaps();
  for (const p of parts) {
    out.count += p.count;
    for (const x of p.pairs) if (out.pairs.length < LIST) out.pairs.push(x);
  }
  return out;
}
