/**
 * The one place the Markdown → HTML pipeline is assembled. Order matters; the
 * reason for each position is written beside it.
 */
import rehypeRaw from 'rehype-raw';
import rehypeSanitize from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import type { Typography } from '../config/index.ts';
import remarkCjkSoftBreak from '../parse/remark-cjk-soft-break.ts';
import remarkFrontMatterData from '../parse/remark-front-matter-data.ts';
import remarkHeadlineFromHeading from '../parse/remark-headline-from-heading.ts';
import remarkParseInBlocks from '../parse/remark-parse-in-blocks.ts';
import rehypeDateline from './rehype/rehype-dateline.ts';
import rehypeFigure from './rehype/rehype-figure.ts';
import rehypeNewspaperBlocks from './rehype/rehype-newspaper-blocks.ts';
import rehypeReportUnsafe from './rehype/rehype-report-unsafe.ts';
import rehypeResolveImages, { type ResolveImagesOptions } from './rehype/rehype-resolve-images.ts';
import rehypeSourcePositions from './rehype/rehype-source-positions.ts';
import { sanitizeSchema } from './rehype/sanitize-schema.ts';
import rehypeCjkSpans from './rehype/rehype-cjk-spans.ts';
import remarkCjkEmphasisDots from './remark/remark-cjk-emphasis-dots.ts';
import remarkCjkPunctuation from './remark/remark-cjk-punctuation.ts';
import remarkCjkRuby from './remark/remark-cjk-ruby.ts';

export interface ProcessorOptions {
  /** image resolution; without it images are left as written (unit tests) */
  images?: ResolveImagesOptions;
  /** typography settings after template, edition and front matter are merged */
  typography?: Typography;
  /** proof/preview only: mark elements with data-source-line/-column (see rehype-source-positions) */
  sourcePositions?: boolean;
}

export function createProcessor(options: ProcessorOptions = {}) {
  const processor = unified()
    // Syntax: CommonMark, then front matter (`---` YAML) and GFM tables/footnotes.
    .use(remarkParse)
    .use(remarkFrontmatter, ['yaml'])
    .use(remarkGfm)
    // Block by block, each kept by its text: an edit parses again only the block it touched (after the
    // syntax plugins, whose extensions the parser it wraps reads).
    .use(remarkParseInBlocks)
    // Reads the `yaml` node remark-frontmatter made; everything below may read file.data.frontMatter.
    .use(remarkFrontMatterData)
    // Needs the front matter: the first `#` is the title only when front matter has none.
    .use(remarkHeadlineFromHeading)
    // Typography (rule 7): after the front matter (reads its `typography`), before the soft-break
    // join: text nodes still equal their source here, so each change is reported at its exact line:col.
    .use(remarkCjkPunctuation, { typography: options.typography })
    // Before remark-rehype: soft breaks are still "\n" inside text nodes here.
    .use(remarkCjkSoftBreak)
    // Typography (rule 8): ruby `{漢字|hàn zì}` and 着重号 `[着重]{.dots}` are text syntax; after the
    // punctuation pass (which needs the unsplit, positioned text nodes), before remark-rehype.
    .use(remarkCjkRuby)
    .use(remarkCjkEmphasisDots)
    // Raw HTML is carried over as `raw` nodes, parsed by rehype-raw, then sanitized.
    .use(remarkRehype, { allowDangerousHtml: true, footnoteLabel: '注释', footnoteBackLabel: '返回正文', clobberPrefix: '' })
    // (clobberPrefix '': rehype-sanitize adds the `user-content-` prefix to ids itself)
    .use(rehypeRaw)
    // Must see the raw elements before rehype-sanitize removes them, to report them with positions.
    .use(rehypeReportUnsafe, sanitizeSchema)
    .use(rehypeSanitize, sanitizeSchema)
    // After sanitize: the classes and elements added from here on are ours and must survive.
    .use(rehypeFigure)
    .use(rehypeNewspaperBlocks)
    // Before the typography plugins: the dateline is text they must see.
    .use(rehypeDateline);
  // Images after figures: a missing image still leaves its figure and caption in place.
  if (options.images) processor.use(rehypeResolveImages, options.images);
  // CJK typography plugins (punctuation, spacing spans) go last: they read the final text.
  // rehype-cjk-spans wraps punctuation and Latin runs next to Han in spans for typography.css and
  // the in-page passes; after every plugin that adds text (dateline, figures, images), so that all
  // text is final; its spans carry no position, so rehype-source-positions may run after it.
  processor.use(rehypeCjkSpans, { typography: options.typography });
  // Source positions after sanitize (which would drop data-* attributes it does not know) and after
  // the plugins that add elements, so that every element with a position is marked.
  if (options.sourcePositions) processor.use(rehypeSourcePositions);
  return processor.use(rehypeStringify);
}
