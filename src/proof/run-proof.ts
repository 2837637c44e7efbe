/**
 * Proofs (校样): render every page with source positions, find what is
 * wrong and where, draw it over the page and write proof PDFs and reports.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isoDate } from '../template/index.ts';
import { editionMetadata } from '../pipeline/build.ts';
import { writeAtomically } from '../pipeline/write-outputs.ts';
import { assembleProof, type ProofAnnotation } from '../postprocess/index.ts';
import { printPage, type BrowserSession } from '../print/index.ts';
import type { ProcessedArticle } from '../pipeline/process-articles.ts';
import { pageFindings, pageGrid, pageLayoutOf, PT_PER_PX, whereOnPage, type Finding } from './findings.ts';
import { overlayHtml, SEVERITY_COLORS } from './overlay.ts';
import { htmlReport, type ProofReport } from './report.ts';
import { renderEdition, type RenderedPage } from './render-pages.ts';
import { loadPrevious } from './since.ts';

export interface ProofOptions {
  outDir: string;
  session: BrowserSession;
  since?: string;
  /** proof number; default: one more than the previous proof's (in --since or the output folder), else 1 */
  number?: number;
  /** stamp time; default now */
  time?: Date;
}

const pad = (n: number) => String(n).padStart(2, '0');
const stampTime = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;

function previousNumber(outDir: string): number | undefined {
  const file = path.join(outDir, 'proof.json');
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { proofNumber?: number }).proofNumber;
  } catch {
    return undefined;
  }
}

export async function runProof(input: string, options: ProofOptions): Promise<ProofReport> {
  const time = options.time ?? new Date();
  const rendered = await renderEdition(input, { session: options.session });
  const edition = rendered.edition;
  const editionFindings: Finding[] = rendered.diagnostics.map((d, i) => ({ ...d, id: i + 1, page: '', where: null, rects: [], source: 'manuscript' }));
  const report: ProofReport = {
    ok: false,
    proofNumber: options.number ?? 1,
    time: time.toISOString(),
    edition: { paper: edition?.paper ?? '', date: edition ? isoDate(edition.date) : '', issue: edition?.issue ?? null },
    since: null,
    outputs: [],
    findings: [],
    diagnostics: editionFindings,
  };
  if (!edition || !rendered.geometry || !rendered.routes || rendered.pages.length === 0) return report;
  const allArticles = rendered.pages.flatMap((p) => p.articles);
  const previous = options.since ? await loadPrevious(options.since, allArticles) : undefined;
  report.since = previous?.label ?? null;
  report.proofNumber = options.number ?? (previous?.proofNumber ?? previousNumber(options.outDir) ?? 0) + 1;

  const geometry = rendered.geometry;
  const files: { path: string; data: Uint8Array | string }[] = [];
  const proofPages: Parameters<typeof assembleProof>[0] = [];
  const links: Record<string, string> = {};
  const dataPages: { label: string; paragraphs: { file: string; line: number; text: string }[] }[] = [];
  let nextId = editionFindings.length + 1;
  for (const page of rendered.pages) {
    const layout = await pageLayoutOf(page.pdf);
    const grid = pageGrid(geometry);
    const findings = pageFindings(page, layout, grid, nextId);
    nextId += findings.length;
    const paragraphs = page.positions.elements.filter((e) => e.text);
    if (previous) {
      for (const e of paragraphs) {
        if (previous.has(e.text!)) continue;
        findings.push({
          id: nextId++, severity: 'info', ruleId: 'changed', message: `changed since ${previous.label}`, file: e.file, line: e.line, column: e.column,
          page: page.label, where: e.rects[0] ? whereOnPage(grid, e.rects[0].x * PT_PER_PX + 1, e.rects[0].y * PT_PER_PX + grid.linePitch * 0.85) : null, source: 'change', rects: e.rects.map((r) => ({ x: r.x * PT_PER_PX, y: r.y * PT_PER_PX, w: r.w * PT_PER_PX, h: r.h * PT_PER_PX })),
        });
      }
    }
    report.findings.push(...findings);
    dataPages.push({ label: page.label, paragraphs: paragraphs.map((e) => ({ file: e.file, line: e.line, text: e.text! })) });
    const stamp = [
      `${edition.paper} ${isoDate(edition.date)}${edition.issue ? ` 第${edition.issue}期` : ''}`,
      `第${page.label}版 ${page.name} · 第${report.proofNumber}次校样`,
      `${stampTime(time)} · ${findings.filter((f) => f.source !== 'change').length} 处标注${previous ? ` · ${findings.filter((f) => f.source === 'change').length} 段改动` : ''}`,
    ];
    const html = overlayHtml({ widthMm: geometry.widthMm, heightMm: geometry.heightMm, marginBottomMm: geometry.margin.bottom, stamp, layout, grid, findings });
    const docPath = `/proof/${page.index + 1}.html`;
    const overlay = await printPage(options.session, { path: docPath, routes: { ...rendered.routes, documents: { [docPath]: html } } });
    const annotations: ProofAnnotation[] = findings.filter((f) => f.rects.length).map((f) => ({
      rect: bounding(f.rects),
      color: SEVERITY_COLORS[f.source === 'change' ? 'change' : f.severity]!,
      title: `校样 ${f.severity}`,
      subject: f.ruleId,
      contents: `[${f.id}] ${f.line == null ? f.file : `${f.file}:${f.line}:${f.column ?? 1}`}${f.where ? ` ${f.where}` : ''}\n${f.message}`,
      name: `banmian-finding-${f.id}`,
    }));
    const input = { label: page.label, page: page.pdf, overlay: overlay.pdf, annotations };
    proofPages.push(input);
    const meta = proofMeta(rendered.pages, edition, page, report.proofNumber);
    const file = path.join(options.outDir, `proof-${page.label.padStart(2, '0')}.pdf`);
    files.push({ path: file, data: await assembleProof([input], meta, { proofNumber: report.proofNumber, time: report.time, pages: [dataPages.at(-1)] }, time) });
    report.outputs.push({ path: file, kind: 'proof-page', page: page.label });
    links[page.label] = path.basename(file);
  }
  const all = path.join(options.outDir, 'proof.pdf');
  const meta = proofMeta(rendered.pages, edition, undefined, report.proofNumber);
  files.push({ path: all, data: await assembleProof(proofPages, meta, { proofNumber: report.proofNumber, time: report.time, pages: dataPages }, time) });
  report.outputs.push({ path: all, kind: 'proof', page: null });
  report.ok = ![...report.diagnostics, ...report.findings].some((f) => f.severity === 'error');
  const htmlFile = path.join(options.outDir, 'proof.html');
  const jsonFile = path.join(options.outDir, 'proof.json');
  report.outputs.push({ path: htmlFile, kind: 'report-html', page: null }, { path: jsonFile, kind: 'report-json', page: null });
  files.push({ path: htmlFile, data: htmlReport(report, links) }, { path: jsonFile, data: `${JSON.stringify(report, null, 2)}\n` });
  writeAtomically(files);
  return report;
}

function bounding(rects: { x: number; y: number; w: number; h: number }[]) {
  const x0 = Math.min(...rects.map((r) => r.x));
  const y0 = Math.min(...rects.map((r) => r.y));
  const x1 = Math.max(...rects.map((r) => r.x + r.w));
  const y1 = Math.max(...rects.map((r) => r.y + r.h));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function proofMeta(pages: RenderedPage[], edition: Parameters<typeof editionMetadata>[0], page: RenderedPage | undefined, n: number) {
  const articles = pages.flatMap((p) => p.articles) as unknown as ProcessedArticle[];
  const meta = editionMetadata(edition, articles);
  return { ...meta, title: `${meta.title}${page ? ` 第${page.label}版` : ''} 第${n}次校样` };
}
