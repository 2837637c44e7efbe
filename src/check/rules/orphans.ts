/**
 * Rule: no one-character last lines (孤字): a paragraph's last line must hold
 * more than one character, punctuation not counted. One-line paragraphs are
 * left alone.
 */
import { isPunctuation } from '../chars.ts';
import { columnLines, lineRef } from '../line-ref.ts';
import type { OrphanSection, PageLayout } from '../types.ts';

export function emptyOrphans(): OrphanSection {
  return { count: 0, lines: [] };
}

export function checkOrphans(layout: PageLayout): OrphanSection {
  const out = emptyOrphans();
  for (const { line, prev } of columnLines(layout)) {
    if (!line.paragraphEnd || line.full || line.paragraphStart) continue;
    if (!prev || prev.paragraphEnd) continue;
    if (line.baseline - prev.baseline > 2.5 * Math.max(line.size, prev.size)) continue;
    const chars = [...line.text.replace(/\s/gu, '')];
    const letters = chars.filter((c) => !isPunctuation(c));
    if (letters.length === 1) {
      out.count++;
      out.lines.push(lineRef(layout, line));
    }
  }
  return out;
}

export function mergeOrphans(parts: OrphanSection[]): OrphanSection {
  const out = emptyOrphans();
  for (const p of parts) {
    out.count += p.count;
    out.lines.push(...p.lines);
  }
  return out;
}
