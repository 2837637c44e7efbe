/**
 * Template stage: one newspaper page as a full HTML document — the template's
 * shell, its furniture (masthead on page 1, page header elsewhere) and one
 * module per article, each with its headline block and body.
 */
import { PAGE_SIZES, type ArticleFrontMatter, type Edition, type PageSpec, type Placement, type TemplateConfig } from '../config/index.ts';
import { formatChineseDate } from './format-date.ts';
import type { Template } from './load-template.ts';

export interface ArticleForPage {
  id: string;
  /** display path of the article file */
  file: string;
  frontMatter: ArticleFrontMatter & { title: string };
  /** body HTML from the transform stage */
  html: string;
  placement: Placement;
}

export interface PageForTemplate {
  edition: Edition;
  spec: PageSpec;
  /** 0-based position in the edition */
  index: number;
  pageCount: number;
  articles: ArticleForPage[];
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface PageGeometry {
  widthMm: number;
  heightMm: number;
  columns: number;
  margin: TemplateConfig['margin'];
  bodySize: number;
  linePitch: number;
  gutterChars: number;
  /** characters per column line */
  columnChars: number;
  /** type area width in pt: columns and gutters in whole characters */
  typeWidthPt: number;
}

const MM = 72 / 25.4;

export function pageGeometry(template: TemplateConfig, edition: Edition): PageGeometry {
  const size = edition.size ?? template.size;
  const { width: widthMm, height: heightMm } = typeof size === 'string' ? PAGE_SIZES[size] : size;
  const columns = edition.columns ?? template.columns;
  const { margin, bodySize, linePitch, gutterChars } = template;
  const availableChars = Math.floor(((widthMm - margin.left - margin.right) * MM) / bodySize);
  const columnChars = Math.floor((availableChars + gutterChars) / columns) - gutterChars;
  if (columnChars < 4) throw new Error(`${columns} columns do not fit ${widthMm} mm at ${bodySize} pt`);
  const typeWidthPt = (columns * columnChars + (columns - 1) * gutterChars) * bodySize;
  return { widthMm, heightMm, columns, margin, bodySize, linePitch, gutterChars, columnChars, typeWidthPt };
}

export function renderPageDocument(template: Template, page: PageForTemplate): string {
  const g = pageGeometry(template.config, page.edition);
  const variables = `:root{--page-width:${g.widthMm}mm;--page-height:${g.heightMm}mm;--margin-top:${g.margin.top}mm;--margin-right:${g.margin.right}mm;--margin-bottom:${g.margin.bottom}mm;--margin-left:${g.margin.left}mm;--body-size:${g.bodySize}pt;--pitch:${g.linePitch}pt;--columns:${g.columns};--column-chars:${g.columnChars};--gutter-chars:${g.gutterChars};--type-width:${g.typeWidthPt}pt}`;
  const lang = page.articles[0]?.frontMatter.lang ?? 'zh-Hans';
  const fill: Record<string, string> = {
    lang: escapeHtml(lang),
    title: escapeHtml(`${page.edition.paper} 第${page.spec.number}版 ${page.spec.name}`),
    variables,
    pageNumber: escapeHtml(String(page.spec.number)),
    furniture: page.index === 0 ? renderMasthead(page) : renderFolio(page),
    modules: page.articles.map((a) => renderModule(a, page.edition)).join('\n'),
  };
  return template.pageHtml.replace(/\{\{(\w+)\}\}/g, (_, key: string) => fill[key] ?? '');
}

function renderMasthead(page: PageForTemplate): string {
  const e = page.edition;
  const info = [
    `<b>${escapeHtml(formatChineseDate(e.date))}</b>`,
    e.issue ? `总第${e.issue}期` : '',
    `今日${page.pageCount}版`,
    e.cn ? `国内统一连续出版物号 ${escapeHtml(e.cn)}` : '',
    e.supervisor ? `主管 ${escapeHtml(e.supervisor)}` : '',
    e.sponsor ? `主办 ${escapeHtml(e.sponsor)}` : '',
    e.publisher ? `出版 ${escapeHtml(e.publisher)}` : '',
    e.postalCode ? `邮发代号 ${escapeHtml(e.postalCode)}` : '',
    e.price ? `定价 ${escapeHtml(e.price)}` : '',
  ].filter(Boolean);
  return `<header class="bm-masthead">
<div><h1 class="bm-masthead-name">${escapeHtml(e.paper)}</h1>${e.paperLatin ? `<div class="bm-masthead-latin">${escapeHtml(e.paperLatin)}</div>` : ''}</div>
<div class="bm-masthead-info">${info.map((i) => `<div>${i}</div>`).join('')}</div>
</header>`;
}

function renderFolio(page: PageForTemplate): string {
  const e = page.edition;
  const s = page.spec;
  const credits = [
    s.editor ? `责任编辑 ${escapeHtml(s.editor)}` : '',
    s.designer ? `美术编辑 ${escapeHtml(s.designer)}` : '',
    s.proofreader ? `校对 ${escapeHtml(s.proofreader)}` : '',
  ].filter(Boolean);
  return `<header class="bm-folio">
<span class="bm-folio-number">第${escapeHtml(String(s.number))}版</span>
<span class="bm-folio-name">${escapeHtml(s.name)}</span>
<span class="bm-folio-credits">${credits.join('　')}</span>
<span class="bm-folio-date">${escapeHtml(e.paper)}　${escapeHtml(formatChineseDate(e.date))}</span>
</header>`;
}

export function renderHeadline(fm: ArticleFrontMatter & { title: string }): string {
  const authors = typeof fm.authors === 'string' ? [fm.authors] : (fm.authors ?? []);
  return `<header class="bm-headline">
${fm.kicker ? `<p class="bm-kicker">${escapeHtml(fm.kicker)}</p>` : ''}<h1 class="bm-title">${escapeHtml(fm.title)}</h1>
${fm.subtitle ? `<p class="bm-subtitle">${escapeHtml(fm.subtitle)}</p>` : ''}${authors.length ? `<p class="bm-byline">${authors.map(escapeHtml).join('　')}</p>` : ''}
</header>`;
}

function renderModule(a: ArticleForPage, _edition: Edition): string {
  const p = a.placement;
  const data = [
    ['article', a.id],
    ['file', a.file],
    ['columns', p.columns],
    ['column', p.column],
    ['line', p.line],
    ['lines', p.lines],
    ['continue-on', p.continueOn],
    ['figure-columns', p.figureColumns],
  ]
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` data-${k}="${escapeHtml(String(v))}"`)
    .join('');
  return `<article class="bm-module" lang="${escapeHtml(a.frontMatter.lang)}"${data}>
${renderHeadline(a.frontMatter)}
<div class="bm-body">
${a.html}
</div>
</article>`;
}
