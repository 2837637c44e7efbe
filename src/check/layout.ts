/** Builds the page layouts (lines, columns, paragraphs) from the extracted glyphs. */
import { bodySizeOf, detectColumns } from './columns.ts';
import type { RawPage } from './extract-glyphs.ts';
import { foldZeroWidth, rebuildLines } from './rebuild-lines.ts';
import type { PageLayout } from './types.ts';

export function buildLayout(raw: RawPage): PageLayout {
  const glyphs = foldZeroWidth(raw.glyphs);
  const lines = rebuildLines(raw.page, glyphs);
  const bodySize = bodySizeOf(glyphs);
  const columns = detectColumns(raw.page, lines, bodySize);
  return { page: raw.page, width: raw.width, height: raw.height, glyphs, lines, columns, bodySize };
}

/** The page's text in reading order: columns left to right, lines top to bottom, then vertical text. */
export function pageText(layout: PageLayout): string {
  const parts: string[] = [];
  for (const c of layout.columns) for (const i of c.lines) parts.push(layout.lines[i]!.text);
  for (const g of layout.glyphs) if (g.line < 0) parts.push(g.ch);
  return parts.join('\n');
}
