/**
 * Run stage: every article through createProcessor, its messages turned into
 * diagnostics. Images are read here (the only I/O the transform needs).
 */
import { readFile } from 'node:fs/promises';
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

export async function loadImage(file: string): Promise<ImageInfo | { error: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'not found: check the path (relative to the article file)' : `cannot be read (${code})` };
  }
  return readImageInfo(bytes);
}

export async function processArticle(
  ref: ArticleRef,
  options: ProcessOptions,
): Promise<{ article: ProcessedArticle | undefined; diagnostics: Diagnostic[] }> {
  const file = new VFile({ path: ref.path, value: ref.text });
  const processor = createProcessor({
    images: { root: options.root, loadImage },
    // Template and edition settings; the typography plugins apply the article's own
    // front-matter `typography` themselves, once remark-front-matter-data has read it.
    typography: options.typography,
    sourcePositions: options.sourcePositions,
  });
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
