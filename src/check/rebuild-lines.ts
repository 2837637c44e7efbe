/**
 * Rebuilds text lines from glyph positions: glyphs sharing a baseline (±1 pt)
 * form a row; a row is cut where the gap between glyphs is wide and the same
 * x position is empty in the neighbouring rows too (a column gutter), so a
 * loosely justified line stays whole.
 */
import { inkExtent, isSpace } from './chars.ts';
import { modeRounded } from './stats.ts';
import type { Glyph, Line } from './types.ts';

const BASELINE_TOLERANCE = 1.0;
/** Gaps wider than this (in em) are candidate column gutters. */
const SPLIT_GAP_EM = 0.6;

interface Row {
  y: number;
  glyphs: Glyph[];
}

/** Folds zero-width glyphs (ligature parts, combining marks) into the glyph before them. */
export function foldZeroWidth(glyphs: Glyph[]): Glyph[] {
  const out: Glyph[] = [];
  for (const g of glyphs) {
    const prev = out[out.length - 1];
    const w = g.x1 - g.x0;
    if (
      prev &&
      w < 0.05 * g.size &&
      Math.abs(prev.y - g.y) <= BASELINE_TOLERANCE &&
      g.x0 >= prev.x0 - 0.1 * g.size &&
      g.x0 <= prev.x1 + 0.1 * g.size
    ) {
      prev.ch += g.ch;
      continue;
    }
    out.push({ ...g });
  }
  return out;
}

function buildRows(glyphs: Glyph[]): Row[] {
  const sorted = glyphs.filter((g) => g.horizontal).sort((a, b) => a.y - b.y || a.x0 - b.x0);
  const rows: Row[] = [];
  let cur: Row | null = null;
  for (const g of sorted) {
    if (cur && g.y - cur.y <= BASELINE_TOLERANCE) cur.glyphs.push(g);
    else {
      cur = { y: g.y, glyphs: [g] };
      rows.push(cur);
    }
  }
  for (const r of rows) {
    r.glyphs.sort((a, b) => a.x0 - b.x0 || a.x - b.x);
    r.y = r.glyphs.reduce((s, g) => s + g.y, 0) / r.glyphs.length;
  }
  return rows;
}

function similarSize(a: number, b: number): boolean {
  return a / b < 1.25 && b / a < 1.25;
}

/**
 * Is the gap [a, b] of row `self` a column gutter? It is when a band at least
 * 0.4 em wide inside it is empty in most of the neighbouring rows above it, or
 * in most of those below it (within 4 em), counting rows that have text of a
 * similar size on both sides of the gap. A gap in a loosely justified line is
 * filled by the text of the lines above and below it; a gutter under a
 * headline, a summary or a caption that spans the columns is empty below it
 * (and one above a spanning element is empty above it).
 */
function isGutter(rows: Row[], self: number, a: number, b: number, size: number): boolean {
  const y = rows[self]!.y;
  const step = 0.1 * size;
  const samples = Math.max(1, Math.floor((b - a) / step));
  const above: Row[] = [];
  const below: Row[] = [];
  for (let i = self - 1; i >= 0 && y - rows[i]!.y <= 4 * size; i--) above.push(rows[i]!);
  for (let i = self + 1; i < rows.length && rows[i]!.y - y <= 4 * size; i++) below.push(rows[i]!);
  const sides = [emptyBand(above), emptyBand(below)];
  if (sides.every((s) => s === null)) return true;
  return sides.some((s) => s === true);

  /** null: no row of that side spans the gap */
  function emptyBand(side: Row[]): boolean | null {
    const covered = new Array<number>(samples).fill(0);
    let spanning = 0;
    const tol = 0.1 * size;
    for (const row of side) {
      const gs = row.glyphs.filter((g) => similarSize(g.size, size) && !isSpace(g.ch));
      if (!gs.some((g) => g.x0 < a + step) || !gs.some((g) => g.x1 > b - step)) continue;
      spanning++;
      for (let k = 0; k < samples; k++) {
        const x = a + (k + 0.5) * step;
        if (gs.some((g) => { const [x0, x1] = inkExtent(g); return x0 - tol <= x && x <= x1 + tol; })) covered[k]!++;
      }
    }
    if (spanning === 0) return null;
    let run = 0;
    for (const c of covered) {
      run = c * 2 < spanning ? run + 1 : 0;
      if (run * step >= 0.4 * size) return true;
    }
    return false;
  }
}

function trimSpaces(glyphs: Glyph[]): Glyph[] {
  let s = 0;
  let e = glyphs.length;
  while (s < e && isSpace(glyphs[s]!.ch)) s++;
  while (e > s && isSpace(glyphs[e - 1]!.ch)) e--;
  return glyphs.slice(s, e);
}

/** Builds the lines of one page; sets `glyph.line` on the glyphs it uses. */
export function rebuildLines(page: number, glyphs: Glyph[]): Line[] {
  const rows = buildRows(glyphs);
  const segments: Glyph[][] = [];
  rows.forEach((row, ri) => {
    let seg: Glyph[] = [];
    let reach = -Infinity;
    for (const g of row.glyphs) {
      const prev = seg.length ? seg[seg.length - 1]! : null;
      // ink extents: a mark set half-width at a line end keeps a full box reaching into the gutter
      const [x0, x1] = inkExtent(g);
      if (prev) {
        const size = Math.max(prev.size, g.size);
        const gap = x0 - reach;
        // a gutter, or two runs of different sizes apart on one baseline (a folio number and its page name)
        const otherRun = !similarSize(prev.size, g.size) && gap > 0.3 * size;
        if (otherRun || (gap > SPLIT_GAP_EM * size && isGutter(rows, ri, reach, x0, size))) {
          segments.push(seg);
          seg = [];
          reach = -Infinity;
        }
      }
      seg.push(g);
      reach = Math.max(reach, x1);
    }
    if (seg.length) segments.push(seg);
  });

  const lines: Line[] = [];
  for (const raw of segments) {
    const gs = trimSpaces(raw);
    if (gs.length === 0) continue;
    const index = lines.length;
    for (const g of gs) g.line = index;
    const visible = gs.filter((g) => !isSpace(g.ch));
    const size = modeRounded(visible.map((g) => g.size), 0.1) ?? gs[0]!.size;
    lines.push({
      page,
      index,
      glyphs: gs,
      text: gs.map((g) => (isSpace(g.ch) ? ' ' : g.ch)).join(''),
      x0: gs[0]!.x0,
      x1: Math.max(...gs.map((g) => g.x1)),
      baseline: visible.reduce((s, g) => s + g.y, 0) / visible.length,
      size,
      column: -1,
      row: -1,
      full: false,
      paragraphStart: false,
      paragraphEnd: false,
    });
  }
  return lines;
}
