/**
 * Every finding of a proof page with its place on the page: manuscript
 * diagnostics (file:line:col → the element or the exact text that carries
 * it), overset, missing images, and the typographic findings of the PDF
 * check (line-start/end prohibitions, full-width line-end marks, loose lines,
 * one-character last lines), which are found on the printed lines and
 * traced back to the manuscript line through the element positions.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Diagnostic, Severity } from '../diagnostics/index.ts';
import { extractGlyphs } from '../check/extract-glyphs.ts';
import { buildLayout } from '../check/layout.ts';
import { checkLineEndPunctuation } from '../check/rules/line-end-punctuation.ts';
import { checkLooseLines } from '../check/rules/loose-lines.ts';
import { checkOrphans } from '../check/rules/orphans.ts';
import { checkProhibitions } from '../check/rules/prohibitions.ts';
import type { LineRef, PageLayout } from '../check/types.ts';
import type { PageGeometry } from '../template/index.ts';
import type { Rect } from './collect-positions.ts';
import type { RenderedPage } from './render-pages.ts';

export const PT_PER_PX = 0.75;

export interface Finding {
  id: number;
  severity: Severity;
  ruleId: string;
  message: string;
  file: string;
  line: number | null;
  column: number | null;
  /** 版次 */
  page: string;
  /** "第3栏第12行" when the finding sits on a body line */
  where: string | null;
  /** boxes on the page, pt from the top-left corner */
  rects: Rect[];
  source: 'manuscript' | 'layout' | 'check' | 'change';
}

const toPt = (r: Rect): Rect => ({ x: r.x * PT_PER_PX, y: r.y * PT_PER_PX, w: r.w * PT_PER_PX, h: r.h * PT_PER_PX });

/** Glyph lines and columns of the printed page (first PDF page), read back with mutool like `banmian check`. */
export async function pageLayoutOf(pdf: Uint8Array): Promise<PageLayout | undefined> {
  const dir = await mkdtemp(path.join(tmpdir(), 'banmian-proof-'));
  try {
    const file = path.join(dir, 'page.pdf');
    await writeFile(file, pdf);
    const raw = await extractGlyphs(file);
    return raw[0] ? buildLayout(raw[0]) : undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The page grid in pt: where the type area starts, the column pitch and the line pitch. */
export interface PageGrid {
  typeLeft: number;
  typeTop: number;
  columns: number;
  columnPitch: number;
  linePitch: number;
}

const MM = 72 / 25.4;

export function pageGrid(g: PageGeometry): PageGrid {
  const inner = (g.widthMm - g.margin.left - g.margin.right) * MM;
  return {
    typeLeft: g.margin.left * MM + (inner - g.typeWidthPt) / 2,
    typeTop: g.margin.top * MM,
    columns: g.columns,
    columnPitch: (g.columnChars + g.gutterChars) * g.bodySize,
    linePitch: g.linePitch,
  };
}

/** Grid column (1-based) of an x position. */
export function gridColumn(grid: PageGrid, x: number): number {
  return Math.min(grid.columns, Math.max(1, Math.floor((x - grid.typeLeft + 1) / grid.columnPitch) + 1));
}

/** Grid line (1-based, counted from the top of the type area) of a baseline. */
export function gridRow(grid: PageGrid, baseline: number): number {
  return Math.max(1, Math.ceil((baseline - grid.typeTop - 0.5) / grid.linePitch));
}

/** "第3栏第12行": the page's grid column and grid line, as printed in the proof's margins. */
export function whereOnPage(grid: PageGrid | undefined, x: number, baseline: number): string | null {
  if (!grid) return null;
  return `第${gridColumn(grid, x)}栏第${gridRow(grid, baseline)}行`;
}

function lineRect(layout: PageLayout, ref: LineRef): Rect | undefined {
  const column = ref.column === null ? undefined : layout.columns[ref.column - 1];
  const index = column ? column.lines[ref.line - 1] : layout.lines.findIndex((l) => Math.abs(l.baseline - ref.baseline) < 0.5);
  const line = index === undefined ? undefined : layout.lines[index];
  if (!line) return undefined;
  return { x: line.x0, y: line.baseline - line.size * 0.9, w: line.x1 - line.x0, h: line.size * 1.15 };
}

function sourceOf(page: RenderedPage, rect: Rect, text: string): { file: string; line: number | null; column: number | null } {
  const cx = (rect.x + rect.w / 2) / PT_PER_PX;
  const cy = (rect.y + rect.h / 2) / PT_PER_PX;
  const hit = page.positions.elements
    .filter((e) => e.text !== undefined && e.rects.some((r) => cx >= r.x && cx <= r.x + r.w && cy >= r.y && cy <= r.y + r.h))
    .pop();
  if (!hit) return { file: page.articles[0]?.ref.display ?? '', line: null, column: null };
  const article = page.articles.find((a) => a.ref.display === hit.file);
  const lines = article?.ref.text.split('\n') ?? [];
  const needle = text.replace(/\s+/g, '').slice(0, 4);
  for (let l = hit.line; l <= hit.endLine; l++) {
    const at = needle ? (lines[l - 1] ?? '').indexOf(needle) : -1;
    if (at >= 0) return { file: hit.file, line: l, column: at + 1 };
  }
  return { file: hit.file, line: hit.line, column: hit.column };
}

export function pageFindings(page: RenderedPage, layout: PageLayout | undefined, grid: PageGrid | undefined, firstId = 1): Finding[] {
  const findings: Finding[] = [];
  const push = (f: Omit<Finding, 'id' | 'page' | 'where'>) => {
    const r = f.rects[0];
    findings.push({ ...f, id: firstId + findings.length, page: page.label, where: r ? whereOnPage(grid, r.x + 1, r.y + Math.min(r.h, grid?.linePitch ?? 12) * 0.85) : null });
  };
  const { positions } = page;
  page.diagnostics.forEach((d: Diagnostic, i) => {
    let rects: Rect[] = [];
    if (d.ruleId === 'overset') {
      const mod = positions.modules.find((m) => m.file === d.file);
      // the last lines of the module, where the text is cut off
      if (mod) {
        const bottom = Math.min(positions.limit, mod.rect.y + mod.rect.h);
        rects = [{ x: mod.rect.x, y: bottom - 40, w: mod.rect.w, h: 40 }];
      }
    } else {
      // images: the figure that is missing its picture, not its caption text
      const needle = d.ruleId.startsWith('image-') ? undefined : positions.needles.find((n) => n.id === i);
      if (needle?.rects.length) rects = needle.rects;
      else if (d.line) {
        const here = positions.elements.filter((e) => e.file === d.file && e.line <= d.line! && e.endLine >= d.line! && e.rects.length);
        const el = (d.ruleId.startsWith('image-') ? here.find((e) => e.tag === 'figure') ?? here.find((e) => e.tag === 'img') : undefined) ?? here.pop();
        if (el) rects = el.rects.map((r) => (r.w === 0 && r.h === 0 ? { ...r, w: 40, h: 20 } : r));
        if (el?.tag === 'img' && el.rects.every((r) => r.h < 4)) {
          const fig = positions.elements.find((e) => e.file === d.file && e.tag === 'figure' && e.line === el.line);
          if (fig) rects = fig.rects;
        }
      }
      if (!rects.length) {
        const mod = positions.modules.find((m) => m.file === d.file);
        if (mod) rects = [{ x: mod.rect.x, y: mod.rect.y, w: mod.rect.w, h: Math.min(mod.rect.h, 60) }];
      }
    }
    push({ severity: d.severity, ruleId: d.ruleId, message: d.message, file: d.file, line: d.line, column: d.column, rects: rects.map(toPt), source: d.ruleId === 'overset' || d.line === null ? 'layout' : 'manuscript' });
  });
  if (!layout) return findings;
  // Typographic findings count in article bodies only (masthead and folio are set on purpose).
  const bodies = positions.modules.flatMap((m) => m.frames).map(toPt);
  const inBody = (r: Rect) => bodies.some((b) => r.x + r.w / 2 >= b.x && r.x + r.w / 2 <= b.x + b.w && r.y + r.h / 2 >= b.y && r.y + r.h / 2 <= b.y + b.h);
  const check = (ref: LineRef, ruleId: string, message: string, severity: Severity = 'warning') => {
    const rect = lineRect(layout, ref);
    if (!rect || (bodies.length > 0 && !inBody(rect))) return;
    const src = sourceOf(page, rect, ref.text);
    push({ severity, ruleId, message, ...src, rects: [rect], source: 'check' });
  };
  const kinds = { 'line-start': '行首禁则: a line starts with', 'line-end': '行尾禁则: a line ends with', 'split-dash': '破折号被拆开:', 'split-ellipsis': '省略号被拆开:' } as const;
  for (const v of checkProhibitions(layout).violations) check(v, `prohibition-${v.kind}`, `${kinds[v.kind]} “${v.char}” (${v.text.slice(0, 12)}…)`);
  for (const v of checkLineEndPunctuation(layout).fullWidthLines) check(v, 'line-end-full-width', `line-end “${v.char}” is set full width (${v.distanceEm} em from the column edge); it should be half width`);
  for (const v of checkLooseLines(layout).worst) check(v, 'loose-line', `loose line: ${v.extraPerGapEm} em extra between characters`);
  for (const v of checkOrphans(layout).lines) check(v, 'orphan', `one-character last line “${v.text}”`, 'info');
  return findings;
}
