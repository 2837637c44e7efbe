/** Small statistics helpers. */

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : round((100 * part) / whole, 1);
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function mean(values: number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The centre of the most populated cluster of values (values within `tolerance`
 * of the cluster's first member). Ties go to the larger value when `preferLarger`.
 */
export function modeCluster(values: number[], tolerance: number, preferLarger = false): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  let best: { count: number; centre: number } | null = null;
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (j + 1 < s.length && s[j + 1]! - s[i]! <= tolerance) j++;
    const members = s.slice(i, j + 1);
    const centre = median(members)!;
    const count = members.length;
    if (!best || count > best.count || (count === best.count && preferLarger)) best = { count, centre };
    i = j + 1;
  }
  return best!.centre;
}

/** Most frequent value after rounding to `step`. */
export function modeRounded(values: number[], step: number): number | null {
  if (values.length === 0) return null;
  const counts = new Map<number, number>();
  for (const v of values) {
    const k = Math.round(v / step) * step;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best: [number, number] | null = null;
  for (const [k, c] of counts) if (!best || c > best[1] || (c === best[1] && k < best[0])) best = [k, c];
  return best![0];
}

export function minOf(values: number[]): number | null {
  let m: number | null = null;
  for (const v of values) if (m === null || v < m) m = v;
  return m;
}

export function maxOf(values: number[]): number | null {
  let m: number | null = null;
  for (const v of values) if (m === null || v > m) m = v;
  return m;
}
