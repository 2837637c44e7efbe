/**
 * The proof overlay as an HTML page the size of the newspaper page: the
 * "校样" watermark, the proof stamp, margin line numbers per column, boxes
 * for the findings and highlights for changed paragraphs. Chromium prints it
 * (with the bundled fonts) and post-processing lays it over the page.
 * Coordinates are pt from the top-left corner.
 */
import type { PageLayout } from '../check/types.ts';
import { escapeHtml } from '../template/index.ts';
import type { Rect } from './collect-positions.ts';
import { gridColumn, gridRow, type Finding, type PageGrid } from './findings.ts';

export interface OverlayInput {
  widthMm: number;
  heightMm: number;
  marginBottomMm: number;
  stamp: string[];
  layout: PageLayout | undefined;
  grid: PageGrid;
  findings: Finding[];
}

export const SEVERITY_COLORS: Record<string, [number, number, number]> = {
  error: [0.85, 0, 0],
  warning: [0.93, 0.45, 0],
  info: [0.1, 0.35, 0.85],
  change: [0.85, 0.65, 0],
};

const rgba = (c: [number, number, number], a: number) => `rgba(${c.map((v) => Math.round(v * 255)).join(',')},${a})`;
const box = (r: Rect) => `left:${r.x.toFixed(2)}pt;top:${r.y.toFixed(2)}pt;width:${r.w.toFixed(2)}pt;height:${r.h.toFixed(2)}pt`;

export function overlayHtml(input: OverlayInput): string {
  const parts: string[] = [];
  if (input.layout) {
    for (const c of input.layout.columns) {
      if (!c.analysable) continue;
      const first = input.layout.lines[c.lines[0]!];
      if (first) parts.push(`<div class="col" style="left:${(c.left - 30).toFixed(2)}pt;top:${(first.baseline - first.size * 2.2).toFixed(2)}pt">第${gridColumn(input.grid, c.left)}栏</div>`);
      c.lines.forEach((i) => {
        const l = input.layout!.lines[i]!;
        const n = gridRow(input.grid, l.baseline);
        parts.push(`<div class="ln${n % 5 === 0 ? ' five' : ''}" style="left:${(c.left - 13).toFixed(2)}pt;top:${(l.baseline - 4.5).toFixed(2)}pt">${n}</div>`);
      });
    }
  }
  for (const f of input.findings) {
    const color = SEVERITY_COLORS[f.source === 'change' ? 'change' : f.severity]!;
    for (const r of f.rects) parts.push(`<div class="mark" style="${box(r)};background:${rgba(color, f.source === 'change' ? 0.22 : 0.13)}"></div>`);
    const r = f.rects[0];
    if (r && f.source !== 'change') parts.push(`<div class="tag" style="left:${r.x.toFixed(2)}pt;top:${(r.y - 7).toFixed(2)}pt;background:${rgba(color, 1)}">${f.id}${f.ruleId === 'overset' ? ' 超版' : ''}</div>`);
    if (r && f.source === 'change') parts.push(`<div class="bar" style="left:${(r.x - 4).toFixed(2)}pt;top:${r.y.toFixed(2)}pt;height:${r.h.toFixed(2)}pt"></div>`);
  }
  return `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">
<link rel="stylesheet" href="/fonts/fonts.css">
<style>
@page { size: ${input.widthMm}mm ${input.heightMm}mm; margin: 0 }
html, body { margin: 0; padding: 0; background: transparent }
body { font-family: 'Noto Sans SC', sans-serif }
/* the page box: overflow clipped here (on body it would pass to the viewport and let Chromium shrink the page) */
.page { position: relative; width: ${input.widthMm}mm; height: ${input.heightMm}mm; overflow: hidden }
.page div { position: absolute; box-sizing: border-box }
.wm { left: 0; top: 0; width: 100%; height: 100%; display: flex; align-items: center; justify-content: center; font-size: 260pt; font-weight: 700; color: rgba(220,0,0,0.09); transform: rotate(-30deg); letter-spacing: 0.3em; padding-left: 0.3em }
.stamp { right: 12mm; bottom: ${Math.max(2, input.marginBottomMm / 2 - 6).toFixed(1)}mm; border: 1.2pt solid #c00; color: #c00; padding: 2pt 6pt; font-size: 8pt; line-height: 1.35; background: rgba(255,255,255,0.85); text-align: left }
.stamp b { font-size: 11pt; letter-spacing: 0.3em; padding-left: 0.3em }
.ln { width: 10pt; text-align: right; font: 5pt/6pt 'Noto Sans SC', sans-serif; color: rgba(200,0,0,0.55) }
.ln.five { font-weight: 700; color: rgba(200,0,0,0.9) }
.col { width: 30pt; text-align: right; font: 6pt/7pt 'Noto Sans SC', sans-serif; color: rgba(200,0,0,0.9) }
.tag { font: 700 5.5pt/7pt 'Noto Sans SC', sans-serif; color: #fff; padding: 0 2pt; border-radius: 1pt; white-space: nowrap }
.bar { width: 2pt; background: rgba(217,166,0,0.95) }
</style></head><body><div class="page">
<div class="wm">校样</div>
${parts.join('\n')}
<div class="stamp"><b>校样</b><br>${input.stamp.map(escapeHtml).join('<br>')}</div>
</div></body></html>`;
}
