/**
 * The only place that runs the stages in sequence:
 * collect (load manuscript) → run (transform each article) → template →
 * print (layout engine inside Chromium) → post-process → write.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { Edition } from '../config/index.ts';
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/index.ts';
import { layoutEngineSource, type LayoutReport } from '../layout/index.ts';
import { findLine, loadManuscript, type Manuscript } from '../parse/index.ts';
import { finalizePage, mergeEdition, type PdfMetadata } from '../postprocess/index.ts';
import { BrowserSession, printPage, type Routes } from '../print/index.ts';
import {
  fontPackageDir,
  FONT_FACES,
  fontsStylesheet,
  isoDate,
  loadTemplate,
  pageGeometry,
  renderPageDocument,
  type ArticleForPage,
  TEMPLATES_DIR,
  type Template,
} from '../template/index.ts';
import { processArticle, type ProcessedArticle } from './process-articles.ts';
import { writeAtomically } from './write-outputs.ts';

export interface BuildOptions {
  outDir: string;
  chrome?: string;
  allowRemoteImages?: boolean;
  /** a running browser session to reuse (tests, preview); otherwise one is made and closed */
  session?: BrowserSession;
}

export interface BuildOutput {
  path: string;
  kind: 'page' | 'edition';
  page: string | null;
}

export interface BuildResult {
  ok: boolean;
  outputs: BuildOutput[];
  diagnostics: Diagnostic[];
  /** blocked requests of the print pages (security log) */
  blockedRequests: string[];
  manuscript?: Manuscript;
  articles?: ProcessedArticle[];
}

export const VERSION: string = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).version;

export async function build(input: string, options: BuildOptions): Promise<BuildResult> {
  const manuscript = await loadManuscript(input);
  const diagnostics: Diagnostic[] = [...manuscript.diagnostics];
  const fail = (): BuildResult => ({ ok: false, outputs: [], diagnostics: sortDiagnostics(diagnostics), blockedRequests: [], manuscript });
  if (!manuscript.edition) return fail();
  const edition = manuscript.edition;
  const editionDisplay = manuscript.editionFile ? path.relative(process.cwd(), manuscript.editionFile) || manuscript.editionFile : '';

  const template = await loadTemplate(edition.template);
  if ('error' in template) {
    const at = manuscript.editionText ? findLine(manuscript.editionText.split('\n'), `template:`) : undefined;
    diagnostics.push(diagnostic(editionDisplay || input, at, 'error', 'unknown-template', template.error));
    return fail();
  }
  try {
    pageGeometry(template.config, edition);
  } catch (error) {
    const at = manuscript.editionText ? findLine(manuscript.editionText.split('\n'), 'columns:') : undefined;
    diagnostics.push(diagnostic(editionDisplay || input, at, 'error', 'bad-grid', `${(error as Error).message}: use fewer columns or a larger page`));
    return fail();
  }

  const typography = { ...template.config.typography, ...edition.typography };
  const processed: ProcessedArticle[] = [];
  for (const ref of manuscript.articles) {
    const result = await processArticle(ref, { root: manuscript.root, typography, allowRemoteImages: options.allowRemoteImages });
    diagnostics.push(...result.diagnostics);
    if (result.article) processed.push(result.article);
  }
  for (const [i, page] of edition.pages.entries()) {
    if (!manuscript.articles.some((a) => a.pageIndex === i) && !diagnostics.some((d) => d.severity === 'error')) {
      diagnostics.push(diagnostic(editionDisplay || input, undefined, 'error', 'page-empty', `page ${page.number} has no printable article`));
    }
  }
  if (hasErrors(diagnostics)) return fail();

  const session = options.session ?? new BrowserSession({ chrome: options.chrome });
  const blockedRequests: string[] = [];
  const pagePdfs: { label: string; pdf: Uint8Array }[] = [];
  try {
    const source = await layoutEngineSource();
    const routes = printRoutes(manuscript.root, template);
    const geometry = pageGeometry(template.config, edition);
    for (const [index, spec] of edition.pages.entries()) {
      const articles: ArticleForPage[] = processed
        .filter((a) => a.ref.pageIndex === index)
        .map((a) => ({ id: a.ref.id, file: a.ref.display, frontMatter: a.frontMatter, html: a.html, placement: a.ref.placement }));
      const html = renderPageDocument(template, { edition, spec, index, pageCount: edition.pages.length, articles });
      const docPath = `/page/${index + 1}.html`;
      const pxPerMm = 96 / 25.4;
      const result = await printPage<LayoutReport>(session, {
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
            pageHeightPx: geometry.heightMm * pxPerMm,
            marginBottomPx: geometry.margin.bottom * pxPerMm,
            pitchPx: (geometry.linePitch * 96) / 72,
          },
        },
      });
      blockedRequests.push(...result.requests.blocked);
      for (const o of result.layout?.overset ?? []) {
        const article = processed.find((a) => a.ref.id === o.article);
        diagnostics.push(
          diagnostic(o.file, { line: 1, column: 1 }, 'error', 'overset',
            `《${article?.frontMatter.title ?? o.article}》 on page ${o.page} overflows its module by ${o.characters} characters (${o.lines} lines): cut the text, give the module more room, or set continueOn`),
        );
      }
      for (const d of result.layout?.diagnostics ?? []) diagnostics.push(diagnostic(d.file, undefined, d.severity, d.ruleId, d.message));
      pagePdfs.push({ label: String(spec.number), pdf: result.pdf });
    }
  } finally {
    if (!options.session) await session.close();
  }
  for (const url of blockedRequests) {
    diagnostics.push(diagnostic(editionDisplay || input, undefined, 'warning', 'request-blocked', `the print page tried to load ${url}; it was blocked`));
  }
  if (hasErrors(diagnostics)) return { ...fail(), blockedRequests };

  const meta = editionMetadata(edition, processed);
  const outputs: BuildOutput[] = [];
  const files: { path: string; data: Uint8Array }[] = [];
  for (const p of pagePdfs) {
    const file = path.join(options.outDir, `page-${p.label.padStart(2, '0')}.pdf`);
    files.push({ path: file, data: await finalizePage(p.pdf, { ...meta, title: `${meta.title} 第${p.label}版` }) });
    outputs.push({ path: file, kind: 'page', page: p.label });
  }
  const editionFile = path.join(options.outDir, 'edition.pdf');
  files.push({ path: editionFile, data: await mergeEdition(pagePdfs.map((p) => p.pdf), meta) });
  outputs.push({ path: editionFile, kind: 'edition', page: null });
  writeAtomically(files);
  return { ok: true, outputs, diagnostics: sortDiagnostics(diagnostics), blockedRequests, manuscript, articles: processed };
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
