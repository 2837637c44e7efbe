import { round } from './stats.ts';
import type { Line, LineRef, PageLayout } from './types.ts';

export function lineRef(layout: PageLayout, line: Line): LineRef {
  return {
    page: layout.page,
    column: line.column >= 0 ? line.column + 1 : null,
    line: line.column >= 0 ? line.row + 1 : line.index + 1,
    baseline: round(line.baseline, 2),
    text: line.text,
  };
}

/** Lines of the page's analysable columns, column by column, top to bottom. */
export function* columnLines(layout: PageLayout): Generator<{ line: Line; prev: Line | undefined; next: Line | undefined; right: number; left: number }> {
  for (const c of layout.columns) {
    if (!c.analysable) continue;
    for (let i = 0; i < c.lines.length; i++) {
      const line = layout.lines[c.lines[i]!]!;
      const prev = i > 0 ? layout.lines[c.lines[i - 1]!] : undefined;
      const next = i + 1 < c.lines.length ? layout.lines[c.lines[i + 1]!] : undefined;
      yield { line, prev, next, right: c.right, left: c.left };
    }
  }
}

/** Visible (non-space) glyphs of a line. */
export function visibleGlyphs(line: Line) {
  return line.glyphs.filter((g) => !/^\s*$/u.test(g.ch));
}
