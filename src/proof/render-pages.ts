/**
 * Lays out and prints the pages of an edition for proofs and the preview,
 * through the same page loop as build() (pipeline/lay-out-pages.ts). Unlike
 * build(), it does not stop at manuscript errors (an overset page or a
 * missing image is exactly what a proof must show), it marks elements with
 * their source positions, and it returns where every element landed on the
 * page. Pages whose inputs did not change come from the cache.
 */
import path from 'node:path';
import type { Edition } from '../config/index.ts';
import { diagnostic, type Diagnostic } from '../diagnostics/index.ts';
import type { LayoutReport } from '../layout/index.ts';
import { findLine, loadManuscript, type Manuscript } from '../parse/index.ts';
import { layOutPages, type LaidOutPage, type LayOutOptions } from '../pipeline/lay-out-pages.ts';
import { printRoutes } from '../pipeline/build.ts';
import { processArticle, type ProcessedArticle } from '../pipeline/process-articles.ts';
import type { BrowserSession, Routes } from '../print/index.ts';
import { loadTemplate, pageGeometry, type PageGeometry, type Template } from '../template/index.ts';
import { COLLECT_POSITIONS_SOURCE, type Needle, type Positions } from './collect-positions.ts';

export type RenderedArticle = ProcessedArticle;

export interface RenderedPage {
  index: number;
  label: string;
  name: string;
  /** the page as Chromium printed it (all its PDF pages; overset text may spill onto a second) */
  pdf: Uint8Array;
  layout: LayoutReport;
  positions: Positions;
  /** manuscript and layout diagnostics of this page's articles */
  diagnostics: Diagnostic[];
  articles: RenderedArticle[];
  /** sha256 of everything the page was made from */
  hash: string;
  /** true when this render reused the cached page */
  cached: boolean;
}

export interface RenderedEdition {
  manuscript: Manuscript;
  edition: Edition | undefined;
  geometry: PageGeometry | undefined;
  template: Template | undefined;
  pages: RenderedPage[];
  /** diagnostics that belong to no page (edition file, template) */
  diagnostics: Diagnostic[];
  routes: Omit<Routes, 'documents'> | undefined;
}

/** pages laid out before, by position and content hash (the preview keeps one across saves) */
export type PageCache = Map<string, LaidOutPage<{ positions: Positions }>>;

export interface RenderOptions {
  session: BrowserSession;
  cache?: PageCache;
  /** a picture of each page laid out anew, before its PDF is printed (the preview shows it at once) */
  picture?: LayOutOptions<unknown>['picture'];
}

const PX_PER_MM = 96 / 25.4;

/** The manuscript text at a diagnostic's position, as it will read on the page (markup removed). */
export function snippetAt(text: string, line: number | null, column: number | null): string {
  if (!line) return '';
  const src = text.split('\n')[line - 1] ?? '';
  return src
    .slice(Math.max(0, (column ?? 1) - 1))
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>|[*_`#>]|^\s*[-+]\s+|^\s*\d+\.\s+/g, '')
    .trim()
    .slice(0, 8);
}

export async function renderEdition(input: string, options: RenderOptions): Promise<RenderedEdition> {
  const manuscript = await loadManuscript(input);
  const diagnostics: Diagnostic[] = [...manuscript.diagnostics];
  const empty = { manuscript, edition: manuscript.edition, geometry: undefined, template: undefined, pages: [], diagnostics, routes: undefined };
  if (!manuscript.edition) return empty;
  const edition = manuscript.edition;
  const editionDisplay = manuscript.editionFile ? path.relative(process.cwd(), manuscript.editionFile) || manuscript.editionFile : input;
  const template = await loadTemplate(edition.template);
  if ('error' in template) {
    const at = manuscript.editionText ? findLine(manuscript.editionText.split('\n'), 'template:') : undefined;
    diagnostics.push(diagnostic(editionDisplay, at, 'error', 'unknown-template', template.error));
    return empty;
  }
  let geometry: PageGeometry;
  try {
    geometry = pageGeometry(template.config, edition);
  } catch (error) {
    diagnostics.push(diagnostic(editionDisplay, undefined, 'error', 'bad-grid', (error as Error).message));
    return empty;
  }
  const typography = { ...template.config.typography, ...edition.typography };
  const routes = printRoutes(manuscript.root, template);
  const articles: RenderedArticle[] = [];
  const ownDiagnostics = new Map<number, Diagnostic[]>();
  for (const ref of manuscript.articles) {
    const r = await processArticle(ref, { root: manuscript.root, typography, sourcePositions: true });
    ownDiagnostics.set(ref.pageIndex, [...(ownDiagnostics.get(ref.pageIndex) ?? []), ...r.diagnostics]);
    if (r.article) articles.push(r.article);
  }
  const limit = (geometry.heightMm - geometry.margin.bottom) * PX_PER_MM;
  const needlesOf = (index: number): Needle[] =>
    (ownDiagnostics.get(index) ?? [])
      .map((d, id) => ({ id, file: d.file, line: d.line ?? 0, text: snippetAt(manuscript.articles.find((r) => r.display === d.file)?.text ?? '', d.line, d.column) }))
      .filter((n) => n.line > 0);
  const { pages: laidOut } = await layOutPages<{ positions: Positions }>({
    session: options.session,
    manuscript: manuscript as Manuscript & { edition: Edition },
    template,
    typography,
    articles,
    routes,
    editionDisplay,
    cache: options.cache,
    picture: options.picture,
    extra: { source: COLLECT_POSITIONS_SOURCE, options: ({ index }) => ({ __positions: { needles: needlesOf(index), limit } }) },
  });
  const pages = laidOut.map((p): RenderedPage => {
    const own = articles.filter((a) => a.ref.pageIndex === p.index);
    const titleOf = (id: string) => articles.find((a) => a.ref.id === id.replace(/~[^~]*$/, ''))?.frontMatter.title ?? id;
    const positions = p.layout.positions ?? { page: { width: geometry.widthMm * PX_PER_MM, height: geometry.heightMm * PX_PER_MM }, limit, elements: [], modules: [], needles: [] };
    const pageDiagnostics: Diagnostic[] = [...(ownDiagnostics.get(p.index) ?? [])];
    for (const o of p.layout.overset ?? []) {
      // Point the overset at the first paragraph that does not fit: one cut by the module's (or the type
      // area's) bottom, or one the engine left without a box; else the text after the last paragraph shown.
      const mod = positions.modules.find((m) => m.file === o.file);
      const bottom = Math.min(limit, mod ? mod.rect.y + mod.rect.h : limit) + 1;
      const paras = positions.elements.filter((e) => e.file === o.file && e.text !== undefined);
      const first = paras.find((e) => e.rects.length === 0 || e.rects.some((r) => r.y + r.h > bottom)) ?? paras.at(-1);
      pageDiagnostics.push(
        diagnostic(o.file, { line: first?.line ?? 1, column: first?.column ?? 1 }, 'error', 'overset', `《${titleOf(o.article)}》 overflows its module by ${o.lines} lines: cut the text, give the module more room, or set continueOn`),
      );
    }
    for (const u of p.layout.underset ?? []) {
      pageDiagnostics.push(diagnostic(u.file, undefined, 'warning', 'underset', `《${titleOf(u.article)}》 ends ${u.lines} lines short of its module: add text, a picture, or make the module smaller`));
    }
    for (const d of p.layout.diagnostics ?? []) pageDiagnostics.push(diagnostic(d.file, undefined, d.severity, d.ruleId, d.message));
    pageDiagnostics.push(...p.diagnostics);
    return { index: p.index, label: p.label, name: p.name, pdf: p.pdf, layout: p.layout, positions, diagnostics: pageDiagnostics, articles: own, hash: p.hash, cached: p.cached };
  });
  return { manuscript, edition, geometry, template, pages, diagnostics, routes };
}

