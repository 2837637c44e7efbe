/**
 * Placing modules on the page grid (columns × lines). Explicit rectangles from
 * the edition go first. The others are placed in reading order, a row at a
 * time, at the highest free line (the lead story on top across the page): a
 * row takes the next modules that fit the free run of columns there; the
 * engine chooses the widths of the modules without `columns` (every way of
 * sharing the run is tried) and the row's height so that the modules' measured
 * text fills them with the least empty space. The last row on a page goes down
 * to the page bottom. Finally an automatic module with free space under it is
 * stretched down to whatever is below it, so the page has no holes.
 */

export interface PlaceRequest {
  /** explicit values, 0-based; undefined = the engine decides */
  column?: number;
  line?: number;
  /** explicit width in columns */
  columns?: number;
  /** the width used when the engine has no better idea */
  defaultColumns: number;
  /** height in lines (headline included), or undefined to size from the text */
  lines?: number;
  /** smallest height ≤ limit (headline included) whose frames hold the text at width k; limit + 1 when none does */
  needed: (k: number, limit: number) => number;
  /** smallest sensible height at width k */
  minLines: (k: number) => number;
  /** overflow is fine: the text continues on another page */
  jumps: boolean;
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
  /** the module is taller than its text needs (a row's height, or stretched to the module below / page bottom) */
  stretched: boolean;
}

export function placeModules(requests: PlaceRequest[], columns: number, lines: number): Placed[] {
  const owner: Int16Array[] = Array.from({ length: columns }, () => new Int16Array(lines).fill(-1));
  const placed: Placed[] = requests.map((r) => ({ column: 0, line: 0, columns: Math.min(r.columns ?? r.defaultColumns, columns), lines: 0, fixed: r.lines !== undefined, ok: false, stretched: false }));
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
  const put = (i: number, c: number, t: number, k: number, h: number, need: number) => {
    const p = placed[i]!;
    let height = Math.max(1, Math.min(h, lines - t));
    // a module placed earlier right below (an explicit one): leave the blank line for the rule above it
    const below = t + height;
    if (height > 1 && below < lines) {
      for (let col = c; col < c + k && col < columns; col++) {
        if (owner[col]![below] !== -1 && owner[col]![below] !== i) {
          height -= 1;
          break;
        }
      }
    }
    Object.assign(p, { column: c, line: t, columns: k, lines: height, ok: true, stretched: !p.fixed && height > need });
    // one blank line under a module keeps it apart from the next (the rule runs there)
    mark(i, c, k, t, p.lines + (t + p.lines < lines ? 1 : 0));
  };

  // 1. fully explicit modules: they fix the frame the others fill
  const rest: number[] = [];
  for (const [i, r] of requests.entries()) {
    if (r.column === undefined || r.line === undefined) {
      rest.push(i);
      continue;
    }
    const k = placed[i]!.columns;
    const c = Math.min(r.column, columns - k);
    const room = freeRun(c, k, r.line);
    if (room <= 0) continue;
    const need = r.needed(k, room);
    put(i, c, r.line, k, r.lines ?? Math.min(room, need), need);
  }

  // 2. the others in reading order
  while (rest.length > 0) {
    const first = requests[rest[0]!]!;
    if (first.column !== undefined || first.line !== undefined) {
      // half-explicit: the old single search (highest free line at the given column or line)
      const i = rest.shift()!;
      const k = placed[i]!.columns;
      search: for (let t = first.line ?? 0; t < lines; t++) {
        const cs = first.column !== undefined ? [Math.min(first.column, columns - k)] : range(columns - k + 1);
        for (const c of cs) {
          if (freeRun(c, k, t) >= Math.min(first.minLines(k), lines - t) && (t === 0 || t === first.line || !allFree(owner, c, 1, t - 1))) {
            const room = freeRun(c, k, t);
            const need = first.needed(k, room);
            put(i, c, t, k, first.lines ?? Math.min(room, need), need);
            break search;
          }
        }
        if (first.line !== undefined) break;
      }
      continue;
    }
    // a module with an explicit width waits for a run of columns wide enough for it
    const spot = findSpot(owner, columns, lines, Math.min(columns, first.columns ?? 1));
    if (!spot) break;
    const { c: c0, t, run } = spot;
    // the row: the next modules (neither column nor line given) whose widths fit the run, at most four
    const group: number[] = [];
    let sum = 0;
    for (const i of rest) {
      const r = requests[i]!;
      if (r.column !== undefined || r.line !== undefined) break;
      const w = Math.min(run, r.columns ?? r.defaultColumns);
      if (group.length > 0 && (sum + w > run || group.length >= 4)) break;
      group.push(i);
      sum += w;
    }
    rest.splice(0, group.length);
    const last = rest.length === 0;
    const fixedCols = group.map((i) => requests[i]!.columns);
    const autos = group.filter((_, j) => fixedCols[j] === undefined).length;
    const explicitSum = fixedCols.reduce<number>((a, k) => a + Math.min(run, k ?? 0), 0);
    const share = Math.max(autos, run - explicitSum);
    const minW = share >= 2 * autos ? 2 : 1;
    const choices = autos === 0 ? [[]] : compositions(share, autos, minW, 2000);
    let best: { widths: number[]; heights: number[]; needs: number[]; cost: number } | undefined;
    for (const choice of choices) {
      let a = 0;
      const widths = group.map((_, j) => Math.max(1, Math.min(run, fixedCols[j] ?? choice[a++]!)));
      // the row must fit the run
      let x = c0;
      const cols = widths.map((w) => ((x += w), x - w));
      if (x > c0 + run) continue;
      const rooms = group.map((_, j) => freeRun(cols[j]!, widths[j]!, t));
      const room = Math.min(...rooms);
      if (room <= 0) continue;
      const needs = group.map((i, j) => requests[i]!.needed(widths[j]!, room));
      const given = group.map((i) => requests[i]!.lines);
      const rowH = last ? room : Math.min(room, Math.max(...needs.map((n, j) => given[j] ?? n)));
      // the last row goes to the page bottom; in other rows each module takes its own height, and
      // later modules fill in under the shorter ones
      const heights = group.map((_, j) => given[j] ?? (last ? room : Math.min(room, needs[j]!)));
      let cost = 0;
      for (const [j, i] of group.entries()) {
        const over = needs[j]! > heights[j]!;
        if (over) cost += requests[i]!.jumps ? 0 : 1e6;
        else cost += (rowH - Math.min(rowH, needs[j]!)) * widths[j]!;
        // prefer widths near the default when the text does not decide
        cost += Math.abs(widths[j]! - requests[i]!.defaultColumns) * 0.01;
      }
      if (!best || cost < best.cost) best = { widths, heights, needs, cost };
    }
    if (!best) break;
    let x = c0;
    for (const [j, i] of group.entries()) {
      put(i, x, t, best.widths[j]!, best.heights[j]!, best.needs[j]!);
      x += best.widths[j]!;
    }
  }

  // 3. stretch automatic modules down to the module below them (or the page bottom)
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

/** the highest free cell (then leftmost) where a run of at least minRun free columns starts, and the run */
function findSpot(owner: Int16Array[], columns: number, lines: number, minRun: number): { c: number; t: number; run: number } | null {
  for (let t = 0; t < lines; t++) {
    for (let c = 0; c < columns; c++) {
      if (owner[c]![t] !== -1 || (t > 0 && owner[c]![t - 1] === -1 && c > 0 && owner[c - 1]![t] === -1)) continue;
      let run = 0;
      while (c + run < columns && owner[c + run]![t] === -1) run++;
      if (run >= minRun) return { c, t, run };
      c += run;
    }
  }
  return null;
}

/** every way to write n as an ordered sum of k parts ≥ min (at most `cap` of them) */
function compositions(n: number, k: number, min: number, cap: number): number[][] {
  const out: number[][] = [];
  const rec = (left: number, parts: number[]) => {
    if (out.length >= cap) return;
    if (parts.length === k - 1) {
      if (left >= min) out.push([...parts, left]);
      return;
    }
    for (let v = min; v <= left - min * (k - 1 - parts.length); v++) rec(left - v, [...parts, v]);
  };
  if (k > 0 && n >= k * min) rec(n, []);
  return out;
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
