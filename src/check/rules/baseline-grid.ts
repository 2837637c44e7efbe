/**
 * Rule: body lines sit on one baseline grid across the page's columns.
 * Body size = the page's dominant font size. Pitch = the most common
 * distance between neighbouring body-line baselines within a column. The
 * grid's origin is the phase that puts the most body lines on the grid;
 * a line more than 0.5 pt off its nearest grid line is off the grid. Only
 * columns with at least three body-size lines count as body text.
 */
import { lineRef } from '../line-ref.ts';
import { modeRounded, percent, round } from '../stats.ts';
import type { BaselineGridSection, Line, PageLayout } from '../types.ts';

export const GRID_TOLERANCE_PT = 0.5;
const EXAMPLES = 20;

export function emptyBaselineGrid(): BaselineGridSection {
  return { tolerancePt: GRID_TOLERANCE_PT, bodyLines: 0, offGrid: 0, percentOffGrid: null, pages: [], examples: [] };
}

/** The grid origin (phase) within `pitch` holding the most baselines within ±tolerance. */
function bestPhase(baselines: number[], pitch: number): { origin: number; count: number } {
  const phases = baselines.map((y) => ((y % pitch) + pitch) % pitch).sort((a, b) => a - b);
  const n = phases.length;
  const ext = [...phases, ...phases.map((v) => v + pitch)];
  let best = { origin: phases[0]!, count: 0 };
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (j < i) j = i;
    while (j + 1 < i + n && ext[j + 1]! - ext[i]! <= 2 * GRID_TOLERANCE_PT) j++;
    const count = j - i + 1;
    if (count > best.count) best = { origin: (ext[i]! + ext[j]!) / 2, count };
  }
  return best;
}

function isBody(line: Line, bodySize: number): boolean {
  return Math.abs(line.size - bodySize) <= 0.03 * bodySize;
}

export function checkBaselineGrid(layout: PageLayout): BaselineGridSection {
  const out = emptyBaselineGrid();
  const bodySize = layout.bodySize;
  const page = { page: layout.page, bodySize, pitch: null as number | null, origin: null as number | null, bodyLines: 0, offGrid: 0 };
  out.pages.push(page);
  if (bodySize === null) return out;

  const body: Line[] = [];
  const diffs: number[] = [];
  for (const c of layout.columns) {
    const ls = c.lines.map((i) => layout.lines[i]!).filter((l) => isBody(l, bodySize));
    // a column of body text: at least three body-size lines (two-line groups at body size are
    // furniture, such as a masthead's ear or issue codes, set to their own box)
    if (ls.length < 3) continue;
    body.push(...ls);
    for (let i = 1; i < ls.length; i++) {
      const d = ls[i]!.baseline - ls[i - 1]!.baseline;
      if (d >= 0.8 * bodySize && d <= 3 * bodySize) diffs.push(d);
    }
  }
  const mode = modeRounded(diffs, 0.05);
  if (mode === null || body.length === 0) return out;
  // Chromium snaps baselines to device pixels, so neighbouring diffs alternate
  // (15.75/16.5 pt for 16 pt): search the pitch near the mode that puts the
  // most lines on one grid.
  const baselines = body.map((l) => l.baseline);
  let best = { pitch: mode, origin: baselines[0]!, count: -1 };
  for (let p = mode - 1; p <= mode + 1 + 1e-9; p += 0.01) {
    const fit = bestPhase(baselines, p);
    const better = fit.count > best.count || (fit.count === best.count && Math.abs(p - mode) < Math.abs(best.pitch - mode));
    if (better) best = { pitch: p, origin: fit.origin, count: fit.count };
  }
  const pitch = best.pitch;
  const phaseOf = (y: number) => ((y % pitch) + pitch) % pitch;
  const distance = (y: number, origin: number) => {
    const p = Math.abs(phaseOf(y) - phaseOf(origin));
    return Math.min(p, pitch - p);
  };
  page.pitch = round(pitch, 2);
  page.origin = round(best.origin, 2);
  page.bodyLines = body.length;
  for (const l of body) {
    const d = distance(l.baseline, best.origin);
    if (d > GRID_TOLERANCE_PT) {
      page.offGrid++;
      if (out.examples.length < EXAMPLES) out.examples.push({ ...lineRef(layout, l), offsetPt: round(d, 2) });
    }
  }
  out.bodyLines = page.bodyLines;
  out.offGrid = page.offGrid;
  out.percentOffGrid = percent(out.offGrid, out.bodyLines);
  return out;
}

export function mergeBaselineGrid(parts: BaselineGridSection[]): BaselineGridSection {
  const out = emptyBaselineGrid();
  for (const p of parts) {
    out.bodyLines += p.bodyLines;
    out.offGrid += p.offGrid;
    out.pages.push(...p.pages);
    for (const e of p.examples) if (out.examples.length < EXAMPLES) out.examples.push(e);
  }
  out.percentOffGrid = percent(out.offGrid, out.bodyLines);
  return out;
}
