/**
 * The only place that runs the stages in sequence:
 * collect (load manuscript) → run (transform each article) → template →
 * print (layout engine inside Chromium) → post-process → write.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Edition } from '../config/index.ts';
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/index.ts';
import { layoutEngineSource, type LayoutReport } from '../layout/index.ts';
import { findLine, loadManuscript, type Manuscript } from '../parse/index.ts';
import { postprocessEdition, type EditionPage, type PdfMetadata } from '../postprocess/index.ts';
import { BrowserSession, prepareTab, PrintFailure, trace, type Routes } from '../print/index.ts';
import {
  fontPackageDir,
  FONT_FACES,
  fontsStylesheet,
  isoDate,
  loadTemplate,
  pageGeometry,
  TEMPLATES_DIR,
  type Template,
} from '../template/index.ts';
import { collectWhenIdle } from './idle-gc.ts';
import { layOutPages, type LaidOutPage } from './lay-out-pages.ts';
import { processArticle, type ProcessedArticle } from './process-articles.ts';
import { writeAtomically, type FileData } from './write-outputs.ts';

export interface BuildOptions {
  outDir: string;
  chrome?: string;
  /** a running browser session to reuse (tests, preview); otherwise one is made and closed */
  session?: BrowserSession;
  /**
   * `session` belongs to this build: close it as soon as the pages are printed,
   * as one the build made itself (the command line starts Chromium before the
   * pipeline's modules have loaded, and hands the session over)
   */
  handOverSession?: boolean;
  /** write each page's laid-out HTML here (benchmarks print it bare to compare) */
  snapshotDir?: string;
  /** ms one print step may take before the browser counts as hung (default 60 s) */
  printTimeout?: number;
  /** print-shop output: bleed around the trim, in mm (0 or undefined: none) */
  bleed?: number;
  /** print-shop output: crop marks outside the trim */
  cropMarks?: boolean;
  /**
   * pages laid out by earlier builds in this process (`createBuildCache()`; `build --watch` keeps one):
   * a page whose inputs did not change (same content hash) is not laid out or printed again
   */
  cache?: BuildCache;
}

/** What a build keeps for the next one in the same process: its pages, by position and content hash. */
export interface BuildCache {
  pages: Map<string, LaidOutPage>;
  /** the files the last build wrote: their bytes and what the file system said right after */
  written: Map<string, { data: FileData; size: number; mtimeMs: number; ino: number }>;
}

export function createBuildCache(): BuildCache {
  return { pages: new Map(), written: new Map() };
}

/** The file on disk is still the one this cache wrote, with these very bytes (unchanged since). */
function stillWritten(cache: BuildCache | undefined, file: { path: string; data: FileData }): boolean {
  const before = cache?.written.get(path.resolve(file.path));
  if (!before || before.data !== file.data) return false;
  try {
    const now = statSync(file.path);
    return now.size === before.size && now.mtimeMs === before.mtimeMs && now.ino === before.ino;
  } catch {
    return false;
  }
}

export interface BuildOutput {
  path: string;
  kind: 'page' | 'edition';
  page: string | null;
}

export interface PageTimings {
  page: string;
  load: number;
  layout: number;
  /** the print, with the page checks that run alongside it */
  pdf: number;
}

export interface BuildResult {
  /** per page laid out and printed by this build (not those from the cache), milliseconds of each print step */
  timings?: PageTimings[];
  /** every page, and whether it came from the build cache (unchanged since an earlier build) */
  pages?: { page: string; cached: boolean }[];
  /** milliseconds of each stage of the build (npm run bench reports them) */
  phases?: Partial<Record<'collect' | 'transform' | 'print' | 'postprocess' | 'write', number>>;
  ok: boolean;
  outputs: BuildOutput[];
  diagnostics: Diagnostic[];
  /** blocked requests of the print pages (security log) */
  blockedRequests: string[];
  manuscript?: Manuscript;
  articles?: ProcessedArticle[];
  /** the layout engine's report for each printed page (modules, underset, engine time in ms) */
  layouts?: { page: string; report: LayoutReport }[];
}

export const VERSION: string = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).version;

export async function build(input: string, options: BuildOptions): Promise<BuildResult> {
  const own = !options.session || options.handOverSession === true;
  const session = options.session ?? new BrowserSession({ chrome: options.chrome });
  // A cold build: Chromium starts and opens its first tab now, while the manuscript is read and
  // transformed (a second or more saved); the layout engine is bundled meanwhile too. A warm
  // session (preview, tests) has its tabs already.
  if (own || session.pid() === undefined) prepareTab(session);
  layoutEngineSource().catch(() => undefined);
  try {
    return await runBuild(input, options, session, own);
  } finally {
    // Chromium was killed once the pages were printed; here its exit is awaited, and a session
    // that printed nothing (manuscript errors) is closed
    if (own) await session.close();
    // a rebuilding process (it keeps a build cache) collects this build's young garbage while it waits
    if (options.cache) collectWhenIdle();
  }
}

async function runBuild(input: string, options: BuildOptions, session: BrowserSession, own: boolean): Promise<BuildResult> {
  const phases: NonNullable<BuildResult['phases']> = {};
  let mark = performance.now();
  trace('build');
  const phase = (name: keyof typeof phases) => {
    const now = performance.now();
    trace(`${name} done`);
    phases[name] = now - mark;
    mark = now;
  };
  const manuscript = await loadManuscript(input);
  phase('collect');
  const diagnostics: Diagnostic[] = [...manuscript.diagnostics];
  const fail = (): BuildResult => ({ ok: false, outputs: [], diagnostics: sortDiagnostics(diagnostics), blockedRequests: [], manuscript });
  if (!manuscript.edition) return fail();
  const edition = manuscript.edition;
  const editionDisplay = manuscript.editionFile ? path.relative(process.cwd(), manuscript.editionFile) || manuscript.editionFile : '';

  const template = await loadTemplate(edition.template);
  // A template error does not stop the run here: the articles are still checked, so every error shows at once.
  if ('error' in template) {
    const at = manuscript.editionText ? findLine(manuscript.editionText.split('\n'), `template:`) : undefined;
    diagnostics.push(diagnostic(editionDisplay || input, at, 'error', 'unknown-template', template.error));
  } else {
    try {
      pageGeometry(template.config, edition);
    } catch (error) {
      const lines = manuscript.editionText?.split('\n') ?? [];
      const at = findLine(lines, 'columns:') ?? findLine(lines, 'size:');
      diagnostics.push(diagnostic(editionDisplay || input, at, 'error', 'bad-grid', `${(error as Error).message}: use fewer columns or a larger page`));
    }
  }

  const typography = { ...('error' in template ? {} : template.config.typography), ...edition.typography };
  const processed: ProcessedArticle[] = [];
  for (const ref of manuscript.articles) {
    const result = await processArticle(ref, { root: manuscript.root, typography });
    diagnostics.push(...result.diagnostics);
    if (result.article) processed.push(result.article);
  }
  for (const [i, page] of edition.pages.entries()) {
    if (!manuscript.articles.some((a) => a.pageIndex === i) && !diagnostics.some((d) => d.severity === 'error')) {
      diagnostics.push(diagnostic(editionDisplay || input, undefined, 'error', 'page-empty', `page ${page.number} has no printable article`));
    }
  }
  if ('error' in template || hasErrors(diagnostics)) return fail();
  phase('transform');

  const blockedRequests: string[] = [];
  const timings: PageTimings[] = [];
  const pageList: NonNullable<BuildResult['pages']> = [];
  const layouts: { page: string; report: LayoutReport }[] = [];
  const pagePdfs: { label: string; pdf: Uint8Array }[] = [];
  const titleOf = (id: string) => processed.find((a) => a.ref.id === id.replace(/~[^~]*$/, ''))?.frontMatter.title ?? id;
  try {
    const { pages } = await layOutPages({
      session,
      manuscript: manuscript as Manuscript & { edition: Edition },
      template,
      typography,
      articles: processed,
      routes: printRoutes(manuscript.root, template),
      editionDisplay: editionDisplay || input,
      snapshot: options.snapshotDir !== undefined,
      printTimeout: options.printTimeout,
      cache: options.cache?.pages,
    });
    // the cache keeps this build's pages only
    if (options.cache) {
      const current = new Set(pages.map((p) => `${p.index}:${p.hash}`));
      for (const key of options.cache.pages.keys()) if (!current.has(key)) options.cache.pages.delete(key);
    }
    for (const page of pages) {
      const report = page.layout;
      pageList.push({ page: page.label, cached: page.cached });
      if (!page.cached) timings.push({ page: page.label, ...page.timings });
      if (options.snapshotDir && page.snapshot) writeFileSync(path.join(options.snapshotDir, `page-${page.index + 1}.html`), page.snapshot);
      diagnostics.push(...page.diagnostics);
      blockedRequests.push(...page.blocked);
      layouts.push({ page: page.label, report });
      for (const o of report.overset ?? []) {
        diagnostics.push(
          diagnostic(o.file, { line: 1, column: 1 }, 'error', 'overset',
            `《${titleOf(o.article)}》 on page ${o.page} overflows its module by ${o.characters} characters (${o.lines} lines): cut the text, give the module more room, or set continueOn`),
        );
      }
      for (const u of report.underset ?? []) {
        diagnostics.push(
          diagnostic(u.file, { line: 1, column: 1 }, 'warning', 'underset',
            `《${titleOf(u.article)}》 on page ${u.page} ends ${u.lines} lines short of its module: add text, a picture, or make the module smaller`),
        );
      }
      for (const d of report.diagnostics ?? []) diagnostics.push(diagnostic(d.file, undefined, d.severity, d.ruleId, d.message));
      pagePdfs.push({ label: page.label, pdf: page.pdf });
    }
  } catch (error) {
    if (!(error instanceof PrintFailure)) throw error;
    diagnostics.push(diagnostic(editionDisplay || input, undefined, 'error', 'print-failed', error.message));
  } finally {
    // Chromium is killed at once; its exit and the removal of its profile overlap the post-processing (build() waits for them)
    if (own) session.close().catch(() => undefined);
  }
  if (hasErrors(diagnostics)) return { ...fail(), blockedRequests, layouts };
  phase('print');

  const meta = editionMetadata(edition, processed);
  const marks = options.bleed || options.cropMarks ? { bleedMm: options.bleed ?? 0, cropMarks: options.cropMarks ?? false } : undefined;
  const editionPages = editionPagesFor(edition, processed, pagePdfs, layouts);
  const outputs: BuildOutput[] = [];
  const files: { path: string; data: FileData }[] = [];
  // pages whose PDF did not change since an earlier build in this process are not processed again
  const done = await postprocessEdition(editionPages, meta, (p) => ({ ...meta, title: `${meta.title} 第${p.label}版` }), { marks });
  for (const [i, p] of editionPages.entries()) {
    const file = path.join(options.outDir, `page-${p.label.padStart(2, '0')}.pdf`);
    files.push({ path: file, data: done.pages[i]! });
    outputs.push({ path: file, kind: 'page', page: p.label });
  }
  const editionFile = path.join(options.outDir, 'edition.pdf');
  files.push({ path: editionFile, data: done.editionParts });
  outputs.push({ path: editionFile, kind: 'edition', page: null });
  phase('postprocess');
  // a rebuild writes again only the files whose bytes changed (a page from the cache is the same
  // array as last time) or that someone touched since
  const changed = files.filter((f) => !stillWritten(options.cache, f));
  writeAtomically(changed);
  if (options.cache) {
    for (const f of changed) {
      const now = statSync(f.path);
      options.cache.written.set(path.resolve(f.path), { data: f.data, size: now.size, mtimeMs: now.mtimeMs, ino: now.ino });
    }
  }
  phase('write');
  return { ok: true, outputs, diagnostics: sortDiagnostics(diagnostics), blockedRequests, manuscript, articles: processed, layouts, timings, pages: pageList, phases };
}

export function printRoutes(root: string, template: Template): Omit<Routes, 'documents'> {
  const roots: Record<string, string> = { '/manuscript/': root, '/template/': template.dir, '/shared/': path.join(TEMPLATES_DIR, '_shared') };
  for (const { pkg } of FONT_FACES) roots[`/fonts/${pkg.split('/')[1]}/`] = fontPackageDir(pkg);
  return { roots, texts: { '/fonts/fonts.css': fontsStylesheet() } };
}

export function editionMetadata(edition: Edition, articles: ProcessedArticle[]): PdfMetadata {
  const authors = [...new Set(articles.flatMap((a) => (typeof a.frontMatter.authors === 'string' ? [a.frontMatter.authors] : (a.frontMatter.authors ?? []))))];
  return {
    title: `${edition.paper} ${isoDate(edition.date)}${edition.issue ? ` 第${edition.issue}期` : ''}`,
    author: authors.join('、') || undefined,
    subject: articles.map((a) => a.frontMatter.title).join('；'),
    keywords: [...new Set(articles.flatMap((a) => a.frontMatter.keywords ?? []))],
    date: isoDate(edition.date),
    producer: `Banmian ${VERSION}`,
  };
}

/**
 * Pages for post-processing: label, name and the headlines, with where each
 * headline stands on its page (from the layout engine's report) for the bookmarks.
 */
export function editionPagesFor(
  edition: Edition,
  articles: ProcessedArticle[],
  pdfs: { label: string; pdf: Uint8Array }[],
  layouts: { page: string; report: LayoutReport }[] = [],
): EditionPage[] {
  return pdfs.map((p, index) => {
    const modules = layouts.find((l) => l.page === p.label)?.report.modules ?? [];
    return {
      label: p.label,
      name: edition.pages[index]?.name,
      pdf: p.pdf,
      articles: articles
        .filter((a) => a.ref.pageIndex === index)
        .map((a) => ({ title: a.frontMatter.title, top: modules.find((m) => m.article === a.ref.id)?.titleTop })),
    };
  });
}
