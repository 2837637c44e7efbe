/**
 * Groups lines into columns and marks paragraph starts and ends.
 *
 * Two lines belong to one column when they have about the same font size,
 * overlap horizontally by at least half the shorter line, and lie within
 * 4 em of each other vertically; chains of such lines form a column.
 * Columns with the same left and right edges (within 1 em) on a page are
 * merged (text above and below a subhead).
 */
import { isHan, isLatinAlnum, isSpace, lastChar } from './chars.ts';
import { modeCluster, modeRounded } from './stats.ts';
import type { Column, Glyph, Line } from './types.ts';

function sameSize(a: number, b: number): boolean {
  return a / b <= 1.1 && b / a <= 1.1;
}

class UnionFind {
  private parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** The dominant font size of the page's visible glyphs. */
export function bodySizeOf(glyphs: Glyph[]): number | null {
  return modeRounded(glyphs.filter((g) => g.horizontal && !isSpace(g.ch)).map((g) => g.size), 0.1);
}

export function detectColumns(page: number, lines: Line[], bodySize: number | null): Column[] {
  const order = lines.map((_, i) => i).sort((a, b) => lines[a]!.baseline - lines[b]!.baseline);
  const uf = new UnionFind(lines.length);
  for (let oi = 0; oi < order.length; oi++) {
    const a = lines[order[oi]!]!;
    for (let oj = oi + 1; oj < order.length; oj++) {
      const b = lines[order[oj]!]!;
      const size = Math.max(a.size, b.size);
      if (b.baseline - a.baseline > 4 * size) break;
      if (b.baseline - a.baseline < 0.5 * size) continue;
      if (!sameSize(a.size, b.size)) continue;
      const overlap = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
      if (overlap >= 0.5 * Math.min(a.x1 - a.x0, b.x1 - b.x0)) uf.union(a.index, b.index);
    }
  }
  const groups = new Map<number, number[]>();
  for (const l of lines) {
    const r = uf.find(l.index);
    groups.set(r, [...(groups.get(r) ?? []), l.index]);
  }
  let cols = [...groups.values()].map((ids) => ids.map((i) => lines[i]!));

  // Merge groups with the same edges and size (a column broken by a subhead or a picture).
  const edges = (g: Line[]) => ({
    left: Math.min(...g.map((l) => l.x0)),
    right: Math.max(...g.map((l) => l.x1)),
    size: modeRounded(g.map((l) => l.size), 0.1)!,
  });
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let i = 0; i < cols.length; i++) {
      for (let j = i + 1; j < cols.length; j++) {
        const a = edges(cols[i]!);
        const b = edges(cols[j]!);
        const em = Math.max(a.size, b.size);
        if (sameSize(a.size, b.size) && Math.abs(a.left - b.left) <= em && Math.abs(a.right - b.right) <= em) {
          cols[i] = [...cols[i]!, ...cols[j]!];
          cols.splice(j, 1);
          merged = true;
          break outer;
        }
      }
    }
  }

  cols = cols.map((c) => c.sort((a, b) => a.baseline - b.baseline));
  cols.sort((a, b) => {
    const ax = Math.min(...a.map((l) => l.x0));
    const bx = Math.min(...b.map((l) => l.x0));
    const ay = a[0]!.baseline;
    const by = b[0]!.baseline;
    return Math.abs(ax - bx) > 1 ? ax - bx : ay - by;
  });

  return cols.map((c, index) => {
    const size = modeRounded(c.map((l) => l.size), 0.1)!;
    const left = modeCluster(c.map((l) => l.x0), 0.5) ?? Math.min(...c.map((l) => l.x0));
    const ending = c.filter((l) => {
      const last = lastChar(l.text);
      return isHan(last) || isLatinAlnum(last);
    });
    const right =
      (ending.length ? modeCluster(ending.map((l) => l.x1), 0.5, true) : null) ??
      modeCluster(c.map((l) => l.x1), 0.5, true) ??
      Math.max(...c.map((l) => l.x1));
    const analysable = c.length >= 2 && (c.length >= 3 || (bodySize !== null && sameSize(size, bodySize)));
    for (const [row, l] of c.entries()) {
      l.column = index;
      l.row = row;
    }
    markParagraphs(c, left, right);
    return { page, index, left, right, size, lines: c.map((l) => l.index), analysable };
  });
}

function markParagraphs(lines: Line[], left: number, right: number): void {
  for (const l of lines) {
    const em = l.size;
    const indent = (l.x0 - left) / em;
    l.paragraphStart = indent >= 1.5 && indent <= 2.6;
    l.full = l.x1 >= right - 0.5 * em;
  }
  lines.forEach((l, i) => {
    const next = lines[i + 1];
    const adjacent = next && next.baseline - l.baseline <= 2.5 * Math.max(l.size, next.size);
    l.paragraphEnd = !l.full || Boolean(adjacent && next!.paragraphStart);
  });
}
