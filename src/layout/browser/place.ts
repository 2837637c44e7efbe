/**
 * Placing modules on the page grid (columns × lines): explicit rectangles from
 * the edition first, then the others in reading order at the highest, then
 * leftmost free place (the lead story on top across the page), and finally
 * each automatic module stretched down to whatever is below it, so the page
 * has no holes.
 */

export interface PlaceRequest {
  /** explicit values, 0-based; undefined = the engine decides */
  column?: number;
  line?: number;
  columns: number;
  /** height in lines (headline included), or undefined to size from the text */
  lines?: number;
  /** lines needed for a given height limit: returns the smallest height ≤ limit that fits, or limit */
  needed: (limit: number) => number;
  /** smallest sensible height */
  minLines: number;
}

export interface Placed {
  column: number;
  line: number;
  columns: number;
  lines: number;
  /** true when the height came from the edition file */
  fixed: boolean;
  /** false when no free place was found */
  ok: boolean;
  /** the height was stretched down to the module below or the page bottom */
  stretched: boolean;
}

export function placeModules(requests: PlaceRequest[], columns: number, lines: number): Placed[] {
  const owner: Int16Array[] = Array.from({ length: columns }, () => new Int16Array(lines).fill(-1));
  const placed: Placed[] = requests.map((r) => ({ column: 0, line: 0, columns: Math.min(r.columns, columns), lines: 0, fixed: r.lines !== undefined, ok: false, stretched: false }));
  const mark = (id: number, c0: number, k: number, t: number, h: number) => {
    for (let c = c0; c < c0 + k && c < columns; c++) for (let l = t; l < t + h && l < lines; l++) if (owner[c]![l] === -1) owner[c]![l] = id;
  };
  const freeRun = (c0: number, k: number, t: number) => {
    let n = 0;
    for (let l = t; l < lines; l++) {
      for (let c = c0; c < c0 + k; c++) if (owner[c]![l] !== -1) return n;
      n++;
    }
    return n;
  };
  const order = requests.map((_, i) => i);
  // fully explicit modules first: they fix the frame the others fill
  order.sort((a, b) => Number(full(requests[b]!)) - Number(full(requests[a]!)));
  for (const i of order) {
    const r = requests[i]!;
    const p = placed[i]!;
    const k = p.columns;
    let at: { c: number; t: number } | undefined;
    if (r.column !== undefined && r.line !== undefined) at = { c: Math.min(r.column, columns - k), t: r.line };
    else {
      search: for (let t = r.line ?? 0; t < lines; t++) {
        const cs = r.column !== undefined ? [Math.min(r.column, columns - k)] : range(columns - k + 1);
        for (const c of cs) {
          if (freeRun(c, k, t) >= Math.min(r.minLines, lines - t) && (t === 0 || t === r.line || !allFree(owner, c, k, t - 1))) {
            at = { c, t };
            break search;
          }
        }
        if (r.line !== undefined) break;
      }
    }
    if (!at) continue;
    const room = freeRun(at.c, k, at.t);
    const h = r.lines ?? Math.max(1, Math.min(room, r.needed(room)));
    Object.assign(p, { column: at.c, line: at.t, lines: Math.min(h, lines - at.t), ok: true });
    // one blank line under a module keeps it apart from the next (the rule runs there)
    mark(i, at.c, k, at.t, p.lines + (at.t + p.lines < lines ? 1 : 0));
  }
  // stretch automatic modules down to the module below them (or the page bottom)
  for (const [i, p] of placed.entries()) {
    if (!p.ok || p.fixed) continue;
    let limit = lines;
    for (let c = p.column; c < p.column + p.columns; c++) {
      for (let l = p.line + p.lines; l < lines; l++) {
        const o = owner[c]![l]!;
        if (o !== -1 && o !== i) {
          limit = Math.min(limit, l - 1);
          break;
        }
      }
    }
    if (limit > p.line + p.lines) {
      mark(i, p.column, p.columns, p.line + p.lines, limit - p.line - p.lines);
      p.lines = limit - p.line;
      p.stretched = true;
    }
  }
  return placed;
}

function full(r: PlaceRequest): boolean {
  return r.column !== undefined && r.line !== undefined;
}

function allFree(owner: Int16Array[], c0: number, k: number, l: number): boolean {
  for (let c = c0; c < c0 + k; c++) if (owner[c]![l] !== -1) return false;
  return true;
}

function range(n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, i) => i);
}

/** Default widths: a lone article or the lead takes the whole page; the others share rows of up to four. */
export function defaultColumns(count: number, columns: number): number[] {
  if (count === 0) return [];
  if (count === 1) return [columns];
  const out = [columns];
  let rest = count - 1;
  while (rest > 0) {
    const rows = Math.ceil(rest / 4);
    const perRow = Math.min(rest, Math.ceil(rest / rows), columns);
    const base = Math.floor(columns / perRow);
    let extra = columns - base * perRow;
    for (let i = 0; i < perRow; i++) out.push(base + (extra-- > 0 ? 1 : 0));
    rest -= perRow;
  }
  return out;
}
