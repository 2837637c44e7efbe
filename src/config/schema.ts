/**
 * One schema for everything a user writes: article front matter and the edition file.
 * Types, validation and the messages that point into the YAML all come from here.
 * This module imports nothing else from src/.
 */
import { z } from 'zod';

export const STRICTNESS = ['none', 'basic', 'gb', 'strict'] as const;

/** Typography settings: a template default, overridable per edition and per article. */
export const TypographySchema = z.strictObject({
  /** clreq line-start/line-end prohibition level (避头尾). */
  strictness: z.enum(STRICTNESS).optional(),
  /** Space between Han and Latin letters or digits, in em (clreq: up to 1/4 em). 0 turns it off. */
  hanLatinSpace: z.number().min(0).max(0.5).optional(),
  /** Set a full-width mark at line end half-width (GB/T 15834 §5.1.10). */
  lineEndHalfWidth: z.boolean().optional(),
  /** Set ASCII punctuation between Han characters as full-width Chinese marks. */
  fullWidthPunctuation: z.boolean().optional(),
});
export type Typography = z.infer<typeof TypographySchema>;

const nameOrList = z.union([z.string().min(1), z.array(z.string().min(1))]);

export const ArticleFrontMatterSchema = z.strictObject({
  /** 引题 */
  kicker: z.string().optional(),
  /** 主题 */
  title: z.string().min(1).optional(),
  /** 副题 */
  subtitle: z.string().optional(),
  /** 提要题: a short summary of a lead story, set in a box in the headline block under the byline (one or more sentences) */
  summary: z.string().optional(),
  authors: nameOrList.optional(),
  /** e.g. 本报讯 */
  dateline: z.string().optional(),
  /** photo credit line, closes the last caption */
  credit: z.string().optional(),
  lang: z.string().default('zh-Hans'),
  /** words for the PDF metadata */
  keywords: z.array(z.string()).optional(),
  typography: TypographySchema.optional(),
});
export type ArticleFrontMatter = z.infer<typeof ArticleFrontMatterSchema>;

/** Named page sizes in millimetres (trimmed page). */
export const PAGE_SIZES = {
  broadsheet: { width: 390, height: 545 },
  tabloid: { width: 273, height: 390 },
  A3: { width: 297, height: 420 },
  A4: { width: 210, height: 297 },
} as const;
export type PageSizeName = keyof typeof PAGE_SIZES;

export const PageSizeSchema = z.union([
  z.enum(Object.keys(PAGE_SIZES) as [PageSizeName, ...PageSizeName[]]),
  z.strictObject({ width: z.number().positive().max(2000), height: z.number().positive().max(2000) }),
]);
export type PageSize = z.infer<typeof PageSizeSchema>;

/** A rectangle on the page grid. All optional: the engine decides what is missing. */
const GridRectShape = {
  /** number of columns the module spans */
  columns: z.number().int().positive().optional(),
  /** first column (1-based, from the left) */
  column: z.number().int().positive().optional(),
  /** first line (1-based, counted on the page grid below the masthead or page header) */
  line: z.number().int().positive().optional(),
  /** height in lines, headline included */
  lines: z.number().int().positive().optional(),
};

/** Where an article sits on the page grid: columns across, lines down. All optional: the engine places the rest. */
export const PlacementSchema = z.strictObject({
  file: z.string().min(1),
  ...GridRectShape,
  /** page number (版次) where the remainder continues when the module overflows (转版) */
  continueOn: z.union([z.number().int().positive(), z.string().min(1)]).optional(),
  /** where the continuation module sits on that page; default: placed automatically after the page's own articles */
  continueAt: z
    .strictObject({
      ...GridRectShape,
      /** reading order on that page: the continuation module goes before this article (file name); default: after all */
      before: z.string().min(1).optional(),
    })
    .optional(),
  /** how many of the module's columns its figures span (default: half the module, rounded up) */
  figureColumns: z.number().int().positive().optional(),
  /** where figures go: the first at the top and the others at the bottom (split, default), all at the top, all at the bottom,
   *  or wrap: the first in the middle of the module with the text running above and below it, the others at the bottom */
  figures: z.enum(['split', 'top', 'bottom', 'wrap']).optional(),
});
export type Placement = z.infer<typeof PlacementSchema>;

export const PageSchema = z.strictObject({
  /** 版次 */
  number: z.union([z.number().int().positive(), z.string().min(1)]),
  /** 版名 */
  name: z.string().min(1),
  /** 责任编辑 */
  editor: z.string().optional(),
  /** 美术编辑 */
  designer: z.string().optional(),
  /** 校对 */
  proofreader: z.string().optional(),
  articles: z.array(z.union([z.string().min(1), PlacementSchema])).min(1, 'a page needs at least one article'),
});
export type PageSpec = z.infer<typeof PageSchema>;

export const EditionSchema = z.strictObject({
  /** the paper's name (报名) */
  paper: z.string().min(1),
  /** romanised name shown under the masthead */
  paperLatin: z.string().optional(),
  /** publication date, YYYY-MM-DD */
  date: z.union([z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD'), z.date()]),
  /** 总第N期 */
  issue: z.number().int().positive().optional(),
  /** 国内统一连续出版物号, e.g. CN43-0017 */
  cn: z.string().optional(),
  /** 主管 / 主办 / 出版单位 */
  supervisor: z.string().optional(),
  sponsor: z.string().optional(),
  publisher: z.string().optional(),
  address: z.string().optional(),
  phone: z.string().optional(),
  printer: z.string().optional(),
  /** 邮发代号 */
  postalCode: z.string().optional(),
  price: z.string().optional(),
  /** 报社网址, e-mail or other contacts printed with the masthead */
  website: z.string().optional(),
  /** 农历 date or any second date line for the masthead */
  lunarDate: z.string().optional(),
  /** 报眼: a short text beside the masthead (weather, slogan, index) */
  earText: z.string().optional(),
  template: z.string().default('broadsheet'),
  size: PageSizeSchema.optional(),
  columns: z.number().int().min(1).max(20).optional(),
  typography: TypographySchema.optional(),
  pages: z.array(PageSchema).min(1, 'an edition needs at least one page'),
});
export type Edition = z.infer<typeof EditionSchema>;

/** A template's own settings (templates/<name>/template.json). */
export const TemplateConfigSchema = z.strictObject({
  name: z.string(),
  description: z.string(),
  size: PageSizeSchema,
  columns: z.number().int().min(1).max(20),
  /** margins around the type area (版心), mm */
  margin: z.strictObject({ top: z.number(), right: z.number(), bottom: z.number(), left: z.number() }),
  /** body size in pt and line pitch in pt */
  bodySize: z.number().positive(),
  linePitch: z.number().positive(),
  /** gutter between columns, in body characters */
  gutterChars: z.number().int().min(0),
  typography: TypographySchema,
});
export type TemplateConfig = z.infer<typeof TemplateConfigSchema>;
