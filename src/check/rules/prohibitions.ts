/** Rule: line-start and line-end prohibitions (避头尾, clreq basic), and split `——` / `……`. */
import { LINE_END_PROHIBITED, LINE_START_DASHES, LINE_START_PROHIBITED, firstChar, lastChar } from '../chars.ts';
import { lineRef } from '../line-ref.ts';
import type { Line, PageLayout, ProhibitionSection, ProhibitionViolation } from '../types.ts';

function leadingRun(s: string, ch: string): number {
  let n = 0;
  for (const c of s) {
    if (c !== ch) break;
    n++;
  }
  return n;
}

function trailingRun(s: string, ch: string): number {
  return leadingRun([...s].reverse().join(''), ch);
}

export function emptyProhibitions(): ProhibitionSection {
  return { lines: 0, lineStart: 0, lineEnd: 0, splitDash: 0, splitEllipsis: 0, total: 0, violations: [] };
}

export function checkProhibitions(layout: PageLayout): ProhibitionSection {
  const out = emptyProhibitions();
  const add = (line: Line, kind: ProhibitionViolation['kind'], char: string) => {
    out.violations.push({ ...lineRef(layout, line), kind, char });
    if (kind === 'line-start') out.lineStart++;
    else if (kind === 'line-end') out.lineEnd++;
    else if (kind === 'split-dash') out.splitDash++;
    else out.splitEllipsis++;
  };

  // Which line follows which: the next line of the same column, adjacent.
  const nextOf = new Map<number, Line>();
  for (const c of layout.columns) {
    for (let i = 0; i + 1 < c.lines.length; i++) {
      const a = layout.lines[c.lines[i]!]!;
      const b = layout.lines[c.lines[i + 1]!]!;
      if (b.baseline - a.baseline <= 2.5 * Math.max(a.size, b.size)) nextOf.set(a.index, b);
    }
  }
  const splitStarts = new Set<number>();
  for (const line of layout.lines) {
    const next = nextOf.get(line.index);
    if (!next) continue;
    for (const [ch, kind] of [['—', 'split-dash'], ['…', 'split-ellipsis']] as const) {
      const tail = trailingRun(line.text, ch);
      const head = leadingRun(next.text, ch);
      if (tail % 2 === 1 && head % 2 === 1) {
        add(line, kind, ch + ch);
        splitStarts.add(next.index);
      }
    }
  }

  for (const line of layout.lines) {
    out.lines++;
    const first = firstChar(line.text);
    const last = lastChar(line.text);
    if (LINE_START_PROHIBITED.has(first)) add(line, 'line-start', first);
    else if (LINE_START_DASHES.has(first) && !splitStarts.has(line.index)) {
      const run = leadingRun(line.text, '—');
      if (first !== '—' || run % 2 === 1) add(line, 'line-start', first);
    }
    if (LINE_END_PROHIBITED.has(last)) add(line, 'line-end', last);
  }
  out.total = out.lineStart + out.lineEnd + out.splitDash + out.splitEllipsis;
  return out;
}

export function mergeProhibitions(parts: ProhibitionSection[]): ProhibitionSection {
  const out = emptyProhibitions();
  for (const p of parts) {
    out.lines += p.lines;
    out.lineStart += p.lineStart;
    out.lineEnd += p.lineEnd;
    out.splitDash += p.splitDash;
    out.splitEllipsis += p.splitEllipsis;
    out.total += p.total;
    out.violations.push(...p.violations);
  }
  return out;
}
