/**
 * Lay out and print every page of an edition: the one page loop that build,
 * proof and preview share. Pages run in parallel tabs of one browser, bounded
 * by the core count, except where one page waits for another: a page that
 * receives a continuation (转版) is laid out after the pages that send it. A
 * single .md flows onto as many pages as it needs, one after the other.
 * Pages whose inputs did not change (same content hash) come from the cache.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Edition, PageSpec, Typography } from '../config/index.ts';
import { diagnostic, type Diagnostic } from '../diagnostics/index.ts';
import { layoutEngineSource, type LayoutOptions, type LayoutReport } from '../layout/index.ts';
import type { Manuscript } from '../parse/index.ts';
import { printPageWithRetry, trace, type BrowserSession, type PageBlocks, type PicturePart, type PrintResult, type Routes } from '../print/index.ts';
import { pageGeometry, renderPageDocument, type ArticleForPage, type Template } from '../template/index.ts';
import type { ProcessedArticle } from './process-articles.ts';

export interface LaidOutPage<X = unknown> {
  /** 0-based position in the edition (pages added by a flowing single file come last) */
  index: number;
  label: string;
  name: string;
  /** the page's HTML before layout */
  html: string;
  pdf: Uint8Array;
  layout: LayoutReport & X;
  /** problems of this page: what the page itself found, blocked requests, continuations that went nowhere */
  diagnostics: Diagnostic[];
  timings: PrintResult['timings'];
  /** requests the print page made that were refused */
  blocked: string[];
  /** the laid-out document, when asked for */
  snapshot?: string;
  /** sha256 of everything the page was made from */
  hash: string;
  cached: boolean;
}

export interface LayOutOptions<X> {
  session: BrowserSession;
  manuscript: Manuscript & { edition: Edition };
  template: Template;
  typography: Typography;
  articles: ProcessedArticle[];
  routes: Omit<Routes, 'documents'>;
  /** where blocked requests are reported */
  editionDisplay: string;
  /** extra in-page script appended to the engine, and extra engine options per page (proof positions) */
  extra?: { source: string; options: (page: { index: number; articles: ArticleForPage[] }) => Record<string, unknown> };
  cache?: Map<string, LaidOutPage<X>>;
  snapshot?: boolean;
  printTimeout?: number;
  /** parallel tabs; default: the number of cores, at most 4 */
  concurrency?: number;
  /** a picture of each page that is laid out anew, as soon as it is laid out (before its PDF): for screens */
  picture?: {
    scale: number;
    /** the blocks of the picture a screen shows of the page now (only what changed since is taken) */
    since?: (index: number) => PageBlocks | undefined;
    onPicture: (page: { index: number; label: string; name: string }, jpeg: Uint8Array, size: { width: number; height: number }, part: PicturePart) => void;
  };
}

const PX_PER_MM = 96 / 25.4;
const PX_PER_PT = 96 / 72;

export function layoutOptions(template: Template, edition: Edition, typography: Typography, label: string): LayoutOptions {
  const g = pageGeometry(template.config, edition);
  return {
    pageLabel: label,
    typography: {
      hanLatinSpace: typography.hanLatinSpace ?? 0.25,
      lineEndHalfWidth: typography.lineEndHalfWidth ?? true,
      strictness: typography.strictness ?? 'basic',
    },
    pageHeightPx: g.heightMm * PX_PER_MM,
    marginBottomPx: g.margin.bottom * PX_PER_MM,
    pitchPx: g.linePitch * PX_PER_PT,
    grid: {
      columns: g.columns,
      columnPx: g.columnChars * g.bodySize * PX_PER_PT,
      gutterPx: g.gutterChars * g.bodySize * PX_PER_PT,
      pitchPx: g.linePitch * PX_PER_PT,
      bodyPx: g.bodySize * PX_PER_PT,
    },
  };
}

export async function layOutPages<X = unknown>(o: LayOutOptions<X>): Promise<{ pages: LaidOutPage<X>[]; specs: PageSpec[] }> {
  const { manuscript, template, typography } = o;
  const edition = manuscript.edition;
  const engine = (await layoutEngineSource()) + (o.extra?.source ?? '');
  trace('layout engine bundled');
  const templateHash = templateHashOf(template, engine);
  const single = manuscript.editionFile === undefined;
  const specs: PageSpec[] = [...edition.pages];
  /** continuation modules waiting for their page, by 版次 */
  const incoming = new Map<string, { article: ArticleForPage; characters: number }[]>();
  const titleOf = (id: string) => o.articles.find((a) => a.ref.id === id.replace(/~[^~]*$/, ''))?.frontMatter.title ?? id;

  const render = async (index: number, pageCount: number): Promise<LaidOutPage<X>> => {
    const spec = specs[index]!;
    const label = String(spec.number);
    const articles: ArticleForPage[] = o.articles
      .filter((a) => a.ref.pageIndex === index)
      .map((a) => ({
        id: a.ref.id,
        file: a.ref.display,
        frontMatter: a.frontMatter,
        html: a.html,
        placement: single ? { ...a.ref.placement, continueOn: index + 2 } : a.ref.placement,
      }));
    // continuation modules go after the page's own articles, or before the one named by continueAt.before
    for (const { article } of incoming.get(label) ?? []) {
      const before = article.placement.continueAt?.before;
      const at = before === undefined ? -1 : articles.findIndex((a) => !a.continuedFrom && a.placement.file === before);
      articles.splice(at === -1 ? articles.length : at, 0, article);
    }
    const html = renderPageDocument(template, { edition, spec, index, pageCount, articles });
    const extraOptions = o.extra?.options({ index, articles }) ?? {};
    const hash = pageHash(templateHash, html, JSON.stringify(extraOptions), imageHashes(html, manuscript.root));
    const hit = o.cache?.get(`${index}:${hash}`);
    if (hit && !o.snapshot) return { ...hit, diagnostics: [...hit.diagnostics], cached: true };
    const docPath = `/page/${index + 1}.html`;
    const result = await printPageWithRetry<LayoutReport & X>(o.session, {
      snapshot: o.snapshot,
      timeout: o.printTimeout,
      picture: o.picture && {
        scale: o.picture.scale,
        since: o.picture.since?.(index),
        onPicture: (jpeg, size, part) => o.picture!.onPicture({ index, label, name: spec.name }, jpeg, size, part),
      },
      path: docPath,
      routes: { ...o.routes, documents: { [docPath]: html } },
      layout: { source: engine, options: { ...layoutOptions(template, edition, typography, label), ...extraOptions } },
    });
    const diagnostics: Diagnostic[] = [...result.problems];
    if (result.retried) {
      diagnostics.push(diagnostic(o.editionDisplay, undefined, 'info', 'print-retried', `Chromium crashed or hung while printing page ${label}; the page was printed again on a fresh browser`));
    }
    for (const url of result.requests.blocked) {
      diagnostics.push(diagnostic(o.editionDisplay, undefined, 'warning', 'request-blocked', `the print page tried to load ${url}; it was blocked`));
    }
    const layout = (result.layout ?? { overset: [], underset: [], diagnostics: [] }) as LayoutReport & X;
    const page: LaidOutPage<X> = { index, label, name: spec.name, html, pdf: result.pdf, layout, diagnostics, timings: result.timings, blocked: result.requests.blocked, snapshot: result.html, hash, cached: false };
    o.cache?.set(`${index}:${hash}`, { ...page, diagnostics: [...diagnostics] });
    return page;
  };

  /** Hand a page's overflow to the page it continues on; report continuations that cannot go anywhere. */
  const queueContinuations = (page: LaidOutPage<X>) => {
    for (const c of page.layout.continuations ?? []) {
      const base = c.article.replace(/~[^~]*$/, '');
      const source = o.articles.find((a) => a.ref.id === base);
      if (single && !specs.some((s) => String(s.number) === c.toPage)) {
        specs.push({ number: specs.length + 1, name: specs[page.index]!.name, articles: [source?.ref.placement.file ?? c.file] });
      }
      const target = specs.findIndex((s) => String(s.number) === c.toPage);
      const before = incoming.get(page.label)?.find((x) => x.article.id.replace(/~[^~]*$/, '') === base);
      if (!source || target <= page.index || (before && before.characters <= c.characters)) {
        const why = !source ? 'its article is unknown'
          : target === -1 ? `there is no page ${c.toPage} in the edition`
          : target <= page.index ? `page ${c.toPage} is not after page ${page.label}: a continuation goes to a later page`
          : 'the continuation module holds none of it';
        page.diagnostics.push(diagnostic(c.file, { line: 1, column: 1 }, 'error', 'overset',
          `《${titleOf(c.article)}》 on page ${page.label} overflows its module by ${c.characters} characters (${c.lines} lines) and cannot continue on page ${c.toPage}: ${why}`));
        continue;
      }
      const list = incoming.get(c.toPage) ?? [];
      list.push({
        characters: c.characters,
        article: {
          id: `${base}~${c.toPage}`,
          file: c.file,
          frontMatter: source.frontMatter,
          html: c.html,
          placement: source.ref.placement,
          continuedFrom: page.label,
          continueOn: single ? String(target + 2) : undefined,
        },
      });
      incoming.set(c.toPage, list);
    }
  };

  const pages: LaidOutPage<X>[] = [];
  if (single) {
    // One article flowing on: each page needs the one before it.
    for (let index = 0; index < specs.length && index < 500; index++) {
      const page = await render(index, specs.length);
      queueContinuations(page);
      pages.push(page);
    }
    // page 1's masthead says how many pages there are (its layout does not change)
    if (specs.length > edition.pages.length) pages[0] = await render(0, specs.length);
    return { pages, specs };
  }

  // An edition: a page waits only for the pages whose articles continue on it.
  const waitsFor = specs.map((spec) =>
    o.articles.filter((a) => a.ref.placement.continueOn !== undefined && String(a.ref.placement.continueOn) === String(spec.number)).map((a) => a.ref.pageIndex),
  );
  const done: Promise<LaidOutPage<X>>[] = [];
  const limit = o.concurrency ?? Math.min(4, Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  let running = 0;
  const queue: (() => void)[] = [];
  const slot = async () => {
    if (running >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
  };
  const release = () => {
    running--;
    queue.shift()?.();
  };
  for (let index = 0; index < specs.length; index++) {
    done[index] = (async () => {
      await Promise.all(waitsFor[index]!.filter((j) => j < index).map((j) => done[j]));
      await slot();
      try {
        const page = await render(index, specs.length);
        queueContinuations(page);
        return page;
      } finally {
        release();
      }
    })();
  }
  const settled = await Promise.allSettled(done);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  for (const s of settled) pages.push((s as PromiseFulfilledResult<LaidOutPage<X>>).value);
  return { pages, specs };
}

/** The hash of the template and the engine, kept for the last ones (compared, not hashed again: the engine is ~0.3 MB). */
let lastTemplate: { pageHtml: string; config: string; engine: string; hash: string } | undefined;
function templateHashOf(template: Template, engine: string): string {
  const config = JSON.stringify(template.config);
  const l = lastTemplate;
  if (l && l.pageHtml === template.pageHtml && l.config === config && l.engine === engine) return l.hash;
  const hash = createHash('sha256').update(template.pageHtml).update(config).update(engine).digest('hex');
  lastTemplate = { pageHtml: template.pageHtml, config, engine, hash };
  return hash;
}

/** Pictures are part of a page's inputs: their bytes go into its hash. */
function imageHashes(html: string, root: string): string {
  const hash = createHash('sha256');
  for (const f of pictureFiles(html)) hash.update(f).update(imageDigest(path.join(root, ...f.split('/').map(decodeURIComponent))));
  return hash.digest('hex');
}

/**
 * The sha256 of a page's inputs, and the pictures its HTML names, kept for the HTML last seen at each
 * length: a rebuild's unchanged pages have the same HTML as before (compared, not hashed, again: the
 * 16-page edition's HTML is ~0.8 MB).
 */
const known = new Map<number, { html: string; files: string[]; rest: string; hash: string }>();
const MAX_KNOWN = 256;

function pictureFiles(html: string): string[] {
  const k = known.get(html.length);
  if (k && k.html === html) return k.files;
  return [...html.matchAll(/src="\/manuscript\/([^"]+)"/g)].map((m) => m[1]!);
}

function pageHash(templateHash: string, html: string, extra: string, images: string): string {
  const rest = `${templateHash}\0${extra}\0${images}`;
  const k = known.get(html.length);
  if (k && k.rest === rest && k.html === html) return k.hash;
  const hash = createHash('sha256').update(templateHash).update(html).update(extra).update(images).digest('hex');
  known.delete(html.length);
  known.set(html.length, { html, files: pictureFiles(html), rest, hash });
  if (known.size > MAX_KNOWN) known.delete(known.keys().next().value!);
  return hash;
}

/**
 * sha256 of a picture's bytes, read again only when the file's modification time, size or inode
 * changed: a news photo is several MB, and every rebuild hashes every picture of every page.
 * Synchronous, as the articles' pictures are read (process-articles.ts): a stat is microseconds, and
 * on a busy machine each asynchronous one waited its turn in the thread pool (8 ms a rebuild of a
 * 16-page edition, measured).
 */
const imageDigests = new Map<string, { version: string; digest: string }>();
function imageDigest(file: string): string {
  let info: Stats | undefined;
  try {
    info = statSync(file);
  } catch {
    return 'missing';
  }
  if (!info.isFile()) return 'missing';
  const version = `${info.mtimeMs}:${info.size}:${info.ino}`;
  const known = imageDigests.get(file);
  if (known?.version === version) return known.digest;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return 'missing';
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (imageDigests.size > 5000) imageDigests.clear();
  imageDigests.set(file, { version, digest });
  return digest;
}
