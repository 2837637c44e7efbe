/**
 * Lays out and prints the pages of an edition for proofs and the preview.
 * Unlike build(), it does not stop at manuscript errors (an overset page or a
 * missing image is exactly what a proof must show), it marks elements with
 * their source positions, and it returns where every element landed on the
 * page. Pages whose inputs did not change (same content hash) are taken
 * from the cache instead of being printed again.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { VFile } from 'vfile';
import type { ArticleFrontMatter, Edition, PageSpec } from '../config/index.ts';
import { diagnostic, type Diagnostic, type Severity } from '../diagnostics/index.ts';
import { layoutEngineSource, type LayoutReport } from '../layout/index.ts';
import { findLine, loadManuscript, type ArticleRef, type Manuscript } from '../parse/index.ts';
import { loadImage } from '../pipeline/process-articles.ts';
import { printRoutes } from '../pipeline/build.ts';
import { printPageWithRetry, type BrowserSession, type Routes } from '../print/index.ts';
import { loadTemplate, pageGeometry, renderPageDocument, type ArticleForPage, type PageGeometry, type Template } from '../template/index.ts';
import { createProcessor } from '../transform/index.ts';
import { COLLECT_POSITIONS_SOURCE, type Needle, type Positions } from './collect-positions.ts';

export interface RenderedArticle {
  ref: ArticleRef;
  frontMatter: ArticleFrontMatter & { title: string };
  html: string;
}

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

export type PageCache = Map<string, RenderedPage>;

export interface RenderOptions {
  session: BrowserSession;
  cache?: PageCache;
}

const PX_PER_MM = 96 / 25.4;

async function processForProof(ref: ArticleRef, root: string, typography: object) {
  const file = new VFile({ path: ref.path, value: ref.text });
  const processor = createProcessor({
    images: { root, loadImage },
    typography: { ...typography, ...file.data.frontMatter?.typography },
    sourcePositions: true,
  });
  let html = '';
  try {
    html = String(await processor.process(file));
  } catch (error) {
    file.message(`could not be processed: ${(error as Error).message}`, { place: { line: 1, column: 1 }, ruleId: 'internal-error' }).fatal = true;
  }
  const diagnostics = file.messages.map((m): Diagnostic => ({
    file: ref.display,
    line: m.line ?? null,
    column: m.column ?? null,
    severity: (m.fatal === true ? 'error' : m.fatal === false ? 'warning' : 'info') as Severity,
    ruleId: m.ruleId ?? 'banmian',
    message: m.reason,
  }));
  const fm = file.data.frontMatter as (ArticleFrontMatter & { title?: string }) | undefined;
  const article = fm?.title ? { ref, frontMatter: fm as ArticleFrontMatter & { title: string }, html } : undefined;
  return { article, diagnostics };
}

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

async function imageHashes(html: string, root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const m of html.matchAll(/src="\/manuscript\/([^"]+)"/g)) {
    const file = path.join(root, ...m[1]!.split('/').map(decodeURIComponent));
    hash.update(m[1]!);
    hash.update(await readFile(file).catch(() => Buffer.from('missing')));
  }
  return hash.digest('hex');
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
  const source = (await layoutEngineSource()) + COLLECT_POSITIONS_SOURCE;
  const templateHash = createHash('sha256').update(template.pageHtml).update(JSON.stringify(template.config)).update(source).digest('hex');
  const pages: RenderedPage[] = [];
  // As in build(): a single .md flows onto as many pages as it needs; continuations (转版) wait for their page.
  const single = manuscript.editionFile === undefined;
  const specs: PageSpec[] = [...edition.pages];
  const incoming = new Map<string, { article: ArticleForPage; characters: number }[]>();
  const processedByPage = new Map<number, { articles: RenderedArticle[]; diagnostics: Diagnostic[] }>();
  const allArticles: RenderedArticle[] = [];
  for (const [index] of edition.pages.entries()) {
    const entry = { articles: [] as RenderedArticle[], diagnostics: [] as Diagnostic[] };
    for (const ref of manuscript.articles.filter((a) => a.pageIndex === index)) {
      const r = await processForProof(ref, manuscript.root, typography);
      entry.diagnostics.push(...r.diagnostics);
      if (r.article) entry.articles.push(r.article);
    }
    allArticles.push(...entry.articles);
    processedByPage.set(index, entry);
  }
  for (let index = 0; index < specs.length && index < 500; index++) {
    const spec = specs[index]!;
    const label = String(spec.number);
    const own = processedByPage.get(index) ?? { articles: [], diagnostics: [] };
    const articles = own.articles;
    const pageDiagnostics: Diagnostic[] = [...own.diagnostics];
    const forPage: ArticleForPage[] = articles.map((a) => ({
      id: a.ref.id,
      file: a.ref.display,
      frontMatter: a.frontMatter,
      html: a.html,
      placement: single ? { ...a.ref.placement, continueOn: index + 2 } : a.ref.placement,
    }));
    for (const { article } of incoming.get(label) ?? []) {
      const before = article.placement.continueAt?.before;
      const at = before === undefined ? -1 : forPage.findIndex((a) => !a.continuedFrom && a.placement.file === before);
      forPage.splice(at === -1 ? forPage.length : at, 0, article);
    }
    const html = renderPageDocument(template, { edition, spec, index, pageCount: specs.length, articles: forPage });
    const needles: Needle[] = pageDiagnostics
      .map((d, id) => ({ id, file: d.file, line: d.line ?? 0, text: snippetAt(manuscript.articles.find((r) => r.display === d.file)?.text ?? '', d.line, d.column) }))
      .filter((n) => n.line > 0);
    const limit = (geometry.heightMm - geometry.margin.bottom) * PX_PER_MM;
    const hash = createHash('sha256')
      .update(templateHash)
      .update(html)
      .update(JSON.stringify(needles))
      .update(await imageHashes(html, manuscript.root))
      .digest('hex');
    const hit = options.cache?.get(`${index}:${hash}`);
    if (hit) {
      pages.push({ ...hit, cached: true });
      queueContinuations(hit, false);
      continue;
    }
    const docPath = `/page/${index + 1}.html`;
    const result = await printPageWithRetry<LayoutReport & { positions: Positions }>(options.session, {
      path: docPath,
      routes: { ...routes, documents: { [docPath]: html } },
      layout: {
        source,
        options: {
          pageLabel: String(spec.number),
          typography: {
            hanLatinSpace: typography.hanLatinSpace ?? 0.25,
            lineEndHalfWidth: typography.lineEndHalfWidth ?? true,
            strictness: typography.strictness ?? 'basic',
          },
          pageHeightPx: geometry.heightMm * PX_PER_MM,
          marginBottomPx: geometry.margin.bottom * PX_PER_MM,
          pitchPx: (geometry.linePitch * 96) / 72,
          // the same grid options as build() passes (pipeline/build.ts)
          grid: {
            columns: geometry.columns,
            columnPx: (geometry.columnChars * geometry.bodySize * 96) / 72,
            gutterPx: (geometry.gutterChars * geometry.bodySize * 96) / 72,
            pitchPx: (geometry.linePitch * 96) / 72,
            bodyPx: (geometry.bodySize * 96) / 72,
          },
          __positions: { needles, limit },
        },
      },
    });
    const layout = result.layout ?? { overset: [], underset: [], diagnostics: [], positions: undefined };
    const positions = layout.positions ?? { page: { width: geometry.widthMm * PX_PER_MM, height: geometry.heightMm * PX_PER_MM }, limit, elements: [], modules: [], needles: [] };
    for (const o of layout.overset ?? []) {
      // Point the overset at the first paragraph that does not fit: one cut by the module's (or the type
      // area's) bottom, or one the engine left without a box; else the text after the last paragraph shown.
      const mod = positions.modules.find((m) => m.file === o.file);
      const bottom = Math.min(limit, mod ? mod.rect.y + mod.rect.h : limit) + 1;
      const paras = positions.elements.filter((e) => e.file === o.file && e.text !== undefined);
      const first = paras.find((e) => e.rects.length === 0 || e.rects.some((r) => r.y + r.h > bottom)) ?? paras.at(-1);
      const title = articles.find((a) => a.ref.id === o.article)?.frontMatter.title ?? o.article;
      pageDiagnostics.push(
        diagnostic(o.file, { line: first?.line ?? 1, column: first?.column ?? 1 }, 'error', 'overset', `《${title}》 overflows its module by ${o.lines} lines: cut the text, give the module more room, or set continueOn`),
      );
    }
    for (const u of layout.underset ?? []) {
      const title = articles.find((a) => a.ref.id === u.article)?.frontMatter.title ?? u.article;
      pageDiagnostics.push(diagnostic(u.file, undefined, 'warning', 'underset', `《${title}》 ends ${u.lines} lines short of its module: add text, a picture, or make the module smaller`));
    }
    for (const d of layout.diagnostics ?? []) pageDiagnostics.push(diagnostic(d.file, undefined, d.severity, d.ruleId, d.message));
    pageDiagnostics.push(...result.problems);
    for (const url of result.requests.blocked) pageDiagnostics.push(diagnostic(editionDisplay, undefined, 'warning', 'request-blocked', `the print page tried to load ${url}; it was blocked`));
    const page: RenderedPage = {
      index,
      label,
      name: spec.name,
      pdf: result.pdf,
      layout,
      positions,
      diagnostics: pageDiagnostics,
      articles,
      hash,
      cached: false,
    };
    options.cache?.set(`${index}:${hash}`, page);
    pages.push(page);
    queueContinuations(page, true);
  }

  /** Hand the overflow of a page's modules to the page it continues on; report continuations that cannot go anywhere. */
  function queueContinuations(page: RenderedPage, report: boolean) {
    for (const c of page.layout.continuations ?? []) {
      const base = c.article.replace(/~[^~]*$/, '');
      const source = allArticles.find((a) => a.ref.id === base);
      if (single && !specs.some((s) => String(s.number) === c.toPage)) {
        specs.push({ number: specs.length + 1, name: specs[page.index]!.name, articles: [source?.ref.placement.file ?? c.file] });
      }
      const target = specs.findIndex((s) => String(s.number) === c.toPage);
      if (!source || target <= page.index) {
        if (report) page.diagnostics.push(diagnostic(c.file, { line: 1, column: 1 }, 'error', 'overset', `《${source?.frontMatter.title ?? c.article}》 on page ${page.label} cannot continue on page ${c.toPage}: ${target === -1 ? 'there is no such page' : 'a continuation goes to a later page'}`));
        continue;
      }
      const list = incoming.get(c.toPage) ?? [];
      list.push({
        characters: c.characters,
        article: {
          id: `${base}~${c.toPage}`, file: c.file, frontMatter: source.frontMatter, html: c.html, placement: source.ref.placement,
          continuedFrom: page.label, continueOn: single ? String(target + 2) : undefined,
        },
      });
      incoming.set(c.toPage, list);
    }
  }
  return { manuscript, edition, geometry, template, pages, diagnostics, routes };
}
