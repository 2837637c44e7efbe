/**
 * Run stage: every article through createProcessor, its messages turned into
 * diagnostics. Images are read here (the only I/O the transform needs).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { VFile } from 'vfile';
import type { ArticleFrontMatter, Typography } from '../config/index.ts';
import type { Diagnostic, Severity } from '../diagnostics/index.ts';
import { readImageInfo, type ArticleRef, type ImageInfo } from '../parse/index.ts';
import { createProcessor } from '../transform/index.ts';

export interface ProcessedArticle {
  ref: ArticleRef;
  frontMatter: ArticleFrontMatter & { title: string };
  html: string;
}

export interface ProcessOptions {
  root: string;
  typography: Typography;
  /** mark elements with their source line and column (proofs place findings with them) */
  sourcePositions?: boolean;
}

/**
 * Reads are synchronous: pictures and articles are small, and on a busy machine
 * every asynchronous file call waits for a thread-pool turn (milliseconds each).
 */
export async function loadImage(file: string): Promise<ImageInfo | { error: string }> {
  return loadImageNow(file);
}

function loadImageNow(file: string): ImageInfo | { error: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'not found: check the path (relative to the article file)' : `cannot be read (${code})` };
  }
  return readImageInfo(bytes);
}

function statNow(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Pictures read before in this process, by path, size and modification time
 * (the same test the article cache makes): a changed article that keeps its
 * pictures does not read and decode them again. Bounded: the oldest go first.
 */
const imageInfos = new Map<string, ImageInfo | { error: string }>();
const MAX_IMAGES = 500;

function cachedImage(file: string, s: Stats | undefined): ImageInfo | { error: string } {
  if (!s) return loadImageNow(file);
  const key = JSON.stringify([file, s.size, s.mtimeMs, s.ctimeMs, s.ino]);
  const hit = imageInfos.get(key);
  if (hit) return { ...hit };
  const info = loadImageNow(file);
  imageInfos.set(key, info);
  if (imageInfos.size > MAX_IMAGES) imageInfos.delete(imageInfos.keys().next().value!);
  return { ...info };
}

type Processed = { article: ProcessedArticle | undefined; diagnostics: Diagnostic[] };

/**
 * Articles already processed in this process, by a hash of everything they
 * are made from: the text, the options, and the size and time of each picture
 * they read. A rebuild (preview, a night desk's tenth build) only runs the
 * articles that changed. Bounded: the oldest entries go first.
 */
const processed = new Map<string, { result: Processed; images: { file: string; size: number; mtimeMs: number }[] }>();
const MAX_CACHED = 500;

async function imagesUnchanged(images: { file: string; size: number; mtimeMs: number }[]): Promise<boolean> {
  for (const image of images) {
    const now = statNow(image.file);
    if ((now?.size ?? -1) !== image.size || (now?.mtimeMs ?? -1) !== image.mtimeMs) return false;
  }
  return true;
}

export async function processArticle(ref: ArticleRef, options: ProcessOptions): Promise<Processed> {
  const key = createHash('sha256')
    .update(JSON.stringify([ref.path, ref.display, options.root, options.typography, options.sourcePositions ?? false]))
    .update('\0')
    .update(ref.text)
    .digest('hex');
  const hit = processed.get(key);
  if (hit && (await imagesUnchanged(hit.images))) {
    const { article, diagnostics } = hit.result;
    return { article: article && { ...article, ref }, diagnostics: diagnostics.map((d) => ({ ...d })) };
  }
  const images: { file: string; size: number; mtimeMs: number }[] = [];
  const result = await runArticle(ref, options, async (file) => {
    const s = statNow(file);
    images.push({ file, size: s?.size ?? -1, mtimeMs: s?.mtimeMs ?? -1 }); // a missing picture counts too
    return cachedImage(file, s);
  });
  processed.delete(key);
  processed.set(key, { result, images });
  if (processed.size > MAX_CACHED) processed.delete(processed.keys().next().value!);
  return { article: result.article && { ...result.article }, diagnostics: result.diagnostics.map((d) => ({ ...d })) };
}

/**
 * Processors kept for the next article with the same options: a processor's first run sets up its
 * plugins (the GFM syntax, the sanitizer's schema…), 3-4 ms of a one-article rebuild's 7-10. Each
 * run gets its own image reader through the file (file.data.loadImage). Bounded: the oldest go first.
 */
const processors = new Map<string, ReturnType<typeof createProcessor>>();
const MAX_PROCESSORS = 8;

function processorFor(options: ProcessOptions): ReturnType<typeof createProcessor> {
  const key = JSON.stringify([options.root, options.typography, options.sourcePositions ?? false]);
  let processor = processors.get(key);
  if (!processor) {
    processor = createProcessor({
      images: { root: options.root, loadImage },
      // Template and edition settings; the typography plugins apply the article's own
      // front-matter `typography` themselves, once remark-front-matter-data has read it.
      typography: options.typography,
      sourcePositions: options.sourcePositions,
    }).freeze();
    processors.set(key, processor);
    if (processors.size > MAX_PROCESSORS) processors.delete(processors.keys().next().value!);
  }
  return processor;
}

async function runArticle(ref: ArticleRef, options: ProcessOptions, load: typeof loadImage): Promise<Processed> {
  const file = new VFile({ path: ref.path, value: ref.text, data: { loadImage: load } });
  const processor = processorFor(options);
  let html = '';
  try {
    html = String(await processor.process(file));
  } catch (error) {
    const m = file.message(`could not be processed: ${(error as Error).message}`, { place: { line: 1, column: 1 }, ruleId: 'internal-error' });
    m.fatal = true;
  }
  const diagnostics = file.messages.map((m): Diagnostic => ({
    file: ref.display,
    line: m.line ?? null,
    column: m.column ?? null,
    severity: (m.fatal === true ? 'error' : m.fatal === false ? 'warning' : 'info') as Severity,
    ruleId: m.ruleId ?? 'banmian',
    message: m.reason,
  }));
  const fm = file.data.frontMatter;
  if (!fm?.title) return { article: undefined, diagnostics };
  return { article: { ref, frontMatter: fm as ArticleFrontMatter & { title: string }, html }, diagnostics };
}

/** The plain text of an article body's HTML (for search indexes and text comparisons). */
export function articleText(html: string): string {
  return html
    .replace(/<(rt|rp)\b[^>]*>[\s\S]*?<\/\1>/g, '')
    .replace(/<\/(p|h[1-6]|li|figcaption|td|th|tr|blockquote)>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&amp;/g, '&')
    .replace(/\n{2,}/g, '\n')
    .trim();
}
