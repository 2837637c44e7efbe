/**
 * Template stage: one newspaper page as a full HTML document — the template's
 * shell, its furniture (masthead on page 1, page header elsewhere) and one
 * module per article, each with its headline block and body.
 */
import { PAGE_SIZES, type ArticleFrontMatter, type Edition, type PageSpec, type Placement, type TemplateConfig } from '../config/index.ts';
import type { ElementContent } from 'hast';
import { segmentText } from '../transform/rehype/rehype-cjk-spans.ts';
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
  /** set on a continuation module: the 版次 the text comes from (上接第N版) */
  continuedFrom?: string;
  /** where this module's overflow continues; overrides placement.continueOn (set by the pipeline on continuations) */
  continueOn?: string;
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
  const { margin, bodySize, gutterChars } = template;
  // The pitch is rounded to whole CSS pixels (0.75 pt): Chromium snaps text baselines to pixels, so a
  // fractional pitch (14 pt = 18.67 px) would leave lines up to 0.75 pt off the grid.
  const linePitch = (Math.max(1, Math.round((template.linePitch * 96) / 72)) * 72) / 96;
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
    imprint: page.index === 0 ? renderImprint(page) : '',
    modules: page.articles.map((a) => renderModule(a, page.edition)).join('\n'),
  };
  return template.pageHtml.replace(/\{\{(\w+)\}\}/g, (_, key: string) => fill[key] ?? '');
}

function renderMasthead(page: PageForTemplate): string {
  const e = page.edition;
  const date = formatChineseDate(e.date);
  const [day, weekday] = date.split(' ');
  const left = [
    e.cn ? `国内统一连续出版物号 ${escapeHtml(e.cn)}` : '',
    e.postalCode ? `邮发代号 ${escapeHtml(e.postalCode)}` : '',
  ].filter(Boolean);
  const info = [
    `<div class="bm-masthead-date">${escapeHtml(day ?? date)}</div>`,
    `<div class="bm-masthead-weekday">${escapeHtml(weekday ?? '')}${e.lunarDate ? `　${escapeHtml(e.lunarDate)}` : ''}</div>`,
    `<div>${e.issue ? `总第${e.issue}期　` : ''}今日${page.pageCount}版</div>`,
    e.website ? `<div>${escapeHtml(e.website)}</div>` : '',
  ].filter(Boolean);
  return `<header class="bm-masthead">
<div class="bm-masthead-title"><h1 class="bm-masthead-name">${escapeHtml(e.paper)}</h1>${e.paperLatin ? `<div class="bm-masthead-latin">${escapeHtml(e.paperLatin)}</div>` : ''}${left.length ? `<div class="bm-masthead-codes">${left.join('　')}</div>` : ''}</div>
<div class="bm-masthead-ear">${e.earText ? `<p>${escapeHtml(e.earText)}</p>` : ''}</div>
<div class="bm-masthead-info">${info.join('')}</div>
</header>`;
}

/** 报尾 on page 1: the publishing details the 2020 format rules want in a fixed place. */
function renderImprint(page: PageForTemplate): string {
  const e = page.edition;
  const s = page.spec;
  const items = [
    e.supervisor ? `主管：${escapeHtml(e.supervisor)}` : '',
    e.sponsor ? `主办：${escapeHtml(e.sponsor)}` : '',
    e.publisher ? `出版：${escapeHtml(e.publisher)}` : '',
    e.address ? `地址：${escapeHtml(e.address)}` : '',
    e.phone ? `电话：${escapeHtml(e.phone)}` : '',
    e.printer ? `印刷：${escapeHtml(e.printer)}` : '',
    e.price ? `定价：${escapeHtml(e.price)}` : '',
  ].filter(Boolean);
  const credits = creditsOf(s);
  return `<footer class="bm-imprint"><span class="bm-imprint-items">${items.join('　')}</span>${credits.length ? `<span class="bm-credits">${credits.join('　')}</span>` : ''}</footer>`;
}

function creditsOf(s: PageSpec): string[] {
  return [
    s.editor ? `责任编辑 ${escapeHtml(s.editor)}` : '',
    s.designer ? `美术编辑 ${escapeHtml(s.designer)}` : '',
    s.proofreader ? `校对 ${escapeHtml(s.proofreader)}` : '',
  ].filter(Boolean);
}

/** 眉头: 版次 and 版名 on the outer side, paper and date on the inner side, credits under the rule. */
function renderFolio(page: PageForTemplate): string {
  const e = page.edition;
  const s = page.spec;
  const number = String(s.number);
  const even = /^\d+$/.test(number) ? Number(number) % 2 === 0 : page.index % 2 === 1;
  const credits = creditsOf(s);
  return `<header class="bm-folio ${even ? 'bm-folio-even' : 'bm-folio-odd'}">
<div class="bm-folio-outer"><span class="bm-folio-number">第${escapeHtml(number)}版</span><span class="bm-folio-name">${escapeHtml(s.name)}</span></div>
<div class="bm-folio-inner"><span class="bm-folio-paper">${escapeHtml(e.paper)}</span><span class="bm-folio-date">${escapeHtml(formatChineseDate(e.date))}</span></div>
<div class="bm-folio-credits">${credits.join('　')}</div>
</header>`;
}

/**
 * Headline text (from front matter, so the transform never saw it) as HTML with
 * the body's typography spans: punctuation marks and Han–Latin runs, which get
 * the same 1/4 em Han–Latin space as the body text. No character is added.
 */
export function typesetInline(text: string): string {
  const html = (nodes: ElementContent[]): string =>
    nodes
      .map((n) => {
        if (n.type === 'text') return escapeHtml(n.value);
        if (n.type !== 'element') return '';
        if (n.tagName === 'wbr') return '<wbr>';
        const cls = (n.properties.className as string[] | undefined)?.join(' ');
        return `<${n.tagName}${cls ? ` class="${escapeHtml(cls)}"` : ''}>${html(n.children)}</${n.tagName}>`;
      })
      .join('');
  return html(segmentText(text, '', '', { hanLatin: true, strictness: 'basic' }));
}

/** A jump line (转版): spans like the body's, and its closing bracket at the line's end set half-width. */
export function jumpLine(text: string): string {
  return typesetInline(text).replace(/<span class="bm-p bm-p-close">）<\/span>$/, '<span class="bm-p bm-p-close bm-p-end">）</span>');
}

export function renderHeadline(fm: ArticleFrontMatter & { title: string }): string {
  const authors = typeof fm.authors === 'string' ? [fm.authors] : (fm.authors ?? []);
  return `<header class="bm-headline">
${fm.kicker ? `<p class="bm-kicker">${typesetInline(fm.kicker)}</p>` : ''}<h1 class="bm-title">${typesetInline(fm.title)}</h1>
${fm.subtitle ? `<p class="bm-subtitle">${typesetInline(fm.subtitle)}</p>` : ''}${authors.length ? `<p class="bm-byline">${authors.map(typesetInline).join('　')}</p>` : ''}
${fm.summary ? `<p class="bm-summary">${typesetInline(fm.summary)}</p>` : ''}
</header>`;
}

/** A continuation's repeat headline: the title again, small. */
function renderRepeatHeadline(fm: ArticleFrontMatter & { title: string }): string {
  return `<header class="bm-headline bm-headline-repeat"><h1 class="bm-title">${typesetInline(fm.title)}</h1></header>`;
}

function renderModule(a: ArticleForPage, _edition: Edition): string {
  const p = a.continuedFrom ? { file: a.placement.file, ...a.placement.continueAt, before: undefined } : a.placement;
  const data = [
    ['article', a.id],
    ['file', a.file],
    ['title', a.frontMatter.title],
    ['columns', p.columns],
    ['column', p.column],
    ['line', p.line],
    ['lines', p.lines],
    ['continue-on', a.continueOn ?? (a.continuedFrom ? undefined : a.placement.continueOn)],
    ['continued-from', a.continuedFrom],
    ['figure-columns', a.placement.figureColumns],
    ['figures', a.placement.figures],
  ]
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` data-${k}="${escapeHtml(String(v))}"`)
    .join('');
  const head = a.continuedFrom ? renderRepeatHeadline(a.frontMatter) : renderHeadline(a.frontMatter);
  const from = a.continuedFrom ? `<p class="bm-jump bm-jump-from">${jumpLine(`（上接第${a.continuedFrom}版）`)}</p>\n` : '';
  return `<article class="bm-module${a.continuedFrom ? ' bm-continuation' : ''}" lang="${escapeHtml(a.frontMatter.lang)}"${data}>
${head}
<div class="bm-body bm-text">
${from}${a.html}
</div>
</article>`;
}
