/** Rule: no text outside the page (glyph origin or the centre of its box outside the page box). */
import { isSpace } from '../chars.ts';
import { round } from '../stats.ts';
import type { OutsideSection, PageLayout } from '../types.ts';

const LIST = 20;
const EPS = 0.01;

export function emptyOutside(): OutsideSection {
  return { count: 0, glyphs: [] };
}

export function checkOutsidePage(layout: PageLayout): OutsideSection {
  const out = emptyOutside();
  const inside = (x: number, y: number) => x >= -EPS && y >= -EPS && x <= layout.width + EPS && y <= layout.height + EPS;
  for (const g of layout.glyphs) {
    if (isSpace(g.ch)) continue;
    const cx = (g.x0 + g.x1) / 2;
    const cy = (g.top + g.bottom) / 2;
    if (inside(g.x, g.y) && inside(cx, cy)) continue;
    out.count++;
    if (out.glyphs.length < LIST) out.glyphs.push({ page: layout.page, char: g.ch, x: round(g.x, 2), y: round(g.y, 2) });
  }
  return out;
}

export function mergeOutside(parts: OutsideSection[]): OutsideSection {
  const out = emptyOutside();
  for (const p of parts) {
    out.count += p.count;
    for (const g of p.glyphs) if (out.glyphs.length < LIST) out.glyphs.push(g);
  }
  return out;
}
