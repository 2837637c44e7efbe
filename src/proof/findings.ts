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

/** Column/line of the body line nearest to a point (pt), as a proofreader names it. */
export function whereOnPage(layout: PageLayout | undefined, x: number, y: number): string | null {
  if (!layout) return null;
  for (const c of layout.columns) {
    if (!c.analysable || x < c.left - 2 || x > c.right + 2) continue;
    for (const [row, i] of c.lines.entries()) {
      const l = layout.lines[i]!;
      if (y >= l.baseline - l.size && y <= l.baseline + l.size * 0.3) return `第${c.index + 1}栏第${row + 1}行`;
    }
  }
  return null;
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

export function pageFindings(page: RenderedPage, layout: PageLayout | undefined, firstId = 1): Finding[] {
  const findings: Finding[] = [];
  const push = (f: Omit<Finding, 'id' | 'page' | 'where'>) => {
    const r = f.rects[0];
    findings.push({ ...f, id: firstId + findings.length, page: page.label, where: r ? whereOnPage(layout, r.x + Math.min(r.w / 2, 6), r.y + r.h / 2) : null });
  };
  const { positions } = page;
  page.diagnostics.forEach((d: Diagnostic, i) => {
    let rects: Rect[] = [];
    if (d.ruleId === 'overset') {
      const mod = positions.modules.find((m) => m.file === d.file);
      const box = mod?.body ?? mod?.rect;
      // the last lines above the bottom of the type area: where the text is cut off
      if (box) rects = [{ x: box.x, y: positions.limit - 40, w: box.w, h: 40 }];
    } else {
      const needle = positions.needles.find((n) => n.id === i);
      if (needle?.rects.length) rects = needle.rects;
      else if (d.line) {
        const el = positions.elements.filter((e) => e.file === d.file && e.line <= d.line! && e.endLine >= d.line!).pop();
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
  const check = (ref: LineRef, ruleId: string, message: string, severity: Severity = 'warning') => {
    const rect = lineRect(layout, ref);
    if (!rect) return;
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
