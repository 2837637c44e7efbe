/**
 * Prints Markdown through the transform and the shared typography stylesheet
 * into columns of many widths, with or without the in-page passes, and
 * returns the PDF path — for the stress tests and the docs pictures.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { VFile } from 'vfile';
import { BrowserSession, printPage } from '../../src/print/index.ts';
import { fontPackageDir, FONT_FACES, fontsStylesheet } from '../../src/template/index.ts';
import { createProcessor } from '../../src/transform/index.ts';
import type { TypesetOptions, TypesetReport } from '../../src/layout/browser/typography/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let source: Promise<string> | undefined;
export function typesetSource(): Promise<string> {
  source ??= build({
    entryPoints: [path.join(ROOT, 'src/layout/browser/typography/standalone.ts')],
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    write: false,
  }).then((r) => r.outputFiles[0]!.text);
  return source;
}

export async function markdownToHtml(markdown: string, typography: Record<string, unknown> = {}): Promise<{ html: string; messages: string[] }> {
  const file = new VFile({ path: 'stress.md', value: markdown });
  const html = String(await createProcessor({ typography }).process(file));
  return { html, messages: file.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.reason}`) };
}

export interface ColumnsJob {
  /** body HTML (transformed Markdown) */
  html: string;
  /** column widths in characters (em of the body size) */
  widths: number[];
  /** true: Banmian (typography.css + typesetText); false: bare Chromium CSS */
  banmian: boolean;
  bodyPt?: number;
  pitchPt?: number;
  pageWidthMm?: number;
  pageHeightMm?: number;
  typography?: Partial<TypesetOptions>;
  out: string;
}

export const DEFAULT_TYPESET: TypesetOptions = { hanLatinSpace: 0.25, lineEndHalfWidth: true, strictness: 'basic' };

export function columnsDocument(job: ColumnsJob): string {
  const body = job.bodyPt ?? 9;
  const pitch = job.pitchPt ?? 14;
  const w = job.pageWidthMm ?? 420;
  const h = job.pageHeightMm ?? 594;
  const cols = job.widths
    .map((n) => `<div class="col${job.banmian ? ' bm-typeset' : ''}" style="width:${n}em" data-width="${n}">\n${job.html}\n</div>`)
    .join('\n');
  // Bare Chromium: justified, strict line breaking, two-character indent — plain CSS, no spans styled.
  return `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">${process.env.BM_DEBUG ? '<title>banmian-typography-debug</title>' : ''}
<link rel="stylesheet" href="/fonts/fonts.css">
${job.banmian ? '<link rel="stylesheet" href="/shared/typography.css">' : ''}
<style>
@page { size: ${w}mm ${h}mm; margin: 12mm; }
body { margin: 0; font-family: 'Noto Serif SC', serif; font-size: ${body}pt; line-height: ${pitch}pt; }
.sheet { display: flex; flex-wrap: wrap; align-items: flex-start; gap: ${pitch * 3}pt 3em; }
.col { flex: none; }
.col p { margin-top: 0; margin-bottom: 0; text-indent: 2em; text-align: justify; line-break: strict; }
.col h2 { font-size: ${body}pt; line-height: ${pitch}pt; margin: 0; font-family: 'Noto Sans SC', sans-serif; }
${job.banmian ? '' : '.col span { margin: 0 !important; }'}
</style></head><body><div class="sheet">
${cols}
</div></body></html>`;
}

export async function printColumns(session: BrowserSession, job: ColumnsJob): Promise<{ pdf: string; reports: TypesetReport[] }> {
  const roots: Record<string, string> = { '/shared/': path.join(ROOT, 'templates/_shared') };
  for (const { pkg } of FONT_FACES) roots[`/fonts/${pkg.split('/')[1]}/`] = fontPackageDir(pkg);
  const result = await printPage<TypesetReport[]>(session, {
    path: '/columns.html',
    routes: { documents: { '/columns.html': columnsDocument(job) }, roots, texts: { '/fonts/fonts.css': fontsStylesheet() } },
    layout: { source: await typesetSource(), options: { typography: job.banmian ? { ...DEFAULT_TYPESET, ...job.typography } : null } },
    timeout: 120_000,
  });
  mkdirSync(path.dirname(job.out), { recursive: true });
  writeFileSync(job.out, result.pdf);
  return { pdf: job.out, reports: result.layout ?? [] };
}
