/**
 * Real fixtures for the archive tests: Chinese text printed to PDF by Chromium (the same engine
 * the pipeline uses), with Noto Serif SC from @fontsource. Rendered once and cached in the OS temp
 * folder (keyed by the content), so the test files share them.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArchiveInput } from '../../src/archive/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const fixturesDir = path.join(repoRoot, 'tests/fixtures/archive');

export interface FixtureArticle {
  id: string;
  page: string;
  kicker?: string;
  title: string;
  authors: string[];
  text: string;
}

export const ARTICLES_A: FixtureArticle[] = [
  {
    id: '01-退休民警',
    page: '1',
    kicker: '坚守',
    title: '退休民警义务巡逻二十年',
    authors: ['张三'],
    text: '本报讯（记者 张三）一位退休民警坚持在社区义务巡逻二十年，风雨无阻，守护邻里平安。',
  },
  {
    id: '02-湘江',
    page: '2',
    title: '湘江风光带冬日游人如织',
    authors: ['李四', '王五'],
    text: '本报讯（通讯员 李四 王五）冬日暖阳下，湘江风光带游人如织，市民在江边散步、锻炼。',
  },
];

export const ARTICLES_B: FixtureArticle[] = [
  {
    id: '01-长跑',
    page: '1',
    title: '冬季长跑比赛鸣枪开跑',
    authors: ['赵六'],
    text: '本报讯（记者 赵六）全市冬季长跑比赛今日开跑，近千名选手参赛，交警和民警在沿途维持秩序。',
  },
];

function pageHtml(masthead: string, articles: FixtureArticle[]): string {
  return articles
    .map(
      (a) => `<section>
  <p class="masthead">${masthead} 第${a.page}版</p>
  ${a.kicker ? `<p class="kicker">${a.kicker}</p>` : ''}
  <h1>${a.title}</h1>
  <p>${a.text}</p>
</section>`,
    )
    .join('\n');
}

async function fontCss(): Promise<string> {
  const dir = path.join(repoRoot, 'node_modules/@fontsource/noto-serif-sc');
  const css = await fs.readFile(path.join(dir, '400.css'), 'utf8');
  return css.replace(/url\(\.\/files\//g, `url(file://${dir}/files/`);
}

function documentHtml(css: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>fixture</title><style>
${css}
@page { size: 148mm 210mm; margin: 12mm; }
body { font-family: 'Noto Serif SC', serif; font-size: 11pt; }
section { break-after: page; }
section:last-child { break-after: auto; }
h1 { font-size: 18pt; }
</style></head><body>${body}</body></html>`;
}

export interface RenderedEdition {
  editionPdf: string;
  pagePdfs: { page: string; path: string }[];
}

export interface Rendered {
  a: RenderedEdition;
  b: RenderedEdition;
}

let rendering: Promise<Rendered> | undefined;

/** Edition A (two pages) and edition B (one page), as real Chromium PDFs. */
export function renderFixtures(): Promise<Rendered> {
  rendering ??= doRender();
  return rendering;
}

async function doRender(): Promise<Rendered> {
  const css = await fontCss();
  const masthead = '株洲日报 2021年12月28日 星期二';
  const docs: Record<string, string> = {
    'a-edition.pdf': documentHtml(css, pageHtml(masthead, ARTICLES_A)),
    'a-page-1.pdf': documentHtml(css, pageHtml(masthead, ARTICLES_A.filter((x) => x.page === '1'))),
    'a-page-2.pdf': documentHtml(css, pageHtml(masthead, ARTICLES_A.filter((x) => x.page === '2'))),
    'b-edition.pdf': documentHtml(css, pageHtml(masthead, ARTICLES_B)),
    'b-page-1.pdf': documentHtml(css, pageHtml(masthead, ARTICLES_B)),
  };
  const key = createHash('sha256').update(JSON.stringify(docs)).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `banmian-archive-fixture-${key}`);
  const result: Rendered = {
    a: {
      editionPdf: path.join(dir, 'a-edition.pdf'),
      pagePdfs: [
        { page: '1', path: path.join(dir, 'a-page-1.pdf') },
        { page: '2', path: path.join(dir, 'a-page-2.pdf') },
      ],
    },
    b: { editionPdf: path.join(dir, 'b-edition.pdf'), pagePdfs: [{ page: '1', path: path.join(dir, 'b-page-1.pdf') }] },
  };
  try {
    await fs.access(path.join(dir, 'done'));
    return result;
  } catch {
    /* render */
  }
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await fs.mkdir(tmp, { recursive: true });
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: process.env.BANMIAN_CHROME ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    for (const [name, html] of Object.entries(docs)) {
      const page = await browser.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      await page.pdf({ path: path.join(tmp, name), preferCSSPageSize: true, printBackground: true });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  await fs.writeFile(path.join(tmp, 'done'), key);
  try {
    await fs.rename(tmp, dir);
  } catch {
    // Another worker finished first; use its copy.
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return result;
}

const build: ArchiveInput['build'] = {
  tool: 'banmian',
  toolVersion: '0.1.0',
  fonts: [{ name: 'Noto Serif SC', version: '5.3.0' }],
  options: { pageSize: '148mm 210mm', columns: 4 },
};

export function inputA(r: Rendered, over: Partial<ArchiveInput> = {}): ArchiveInput {
  return {
    paper: '株洲日报',
    date: '2021-12-28',
    issueNumber: 12345,
    editionPdf: r.a.editionPdf,
    pagePdfs: r.a.pagePdfs,
    manuscriptDir: path.join(fixturesDir, 'manuscript-a'),
    articles: ARTICLES_A.map((a) => ({ ...a })),
    build,
    ...over,
  };
}

export function inputB(r: Rendered, over: Partial<ArchiveInput> = {}): ArchiveInput {
  return {
    paper: '株洲日报',
    date: '2021-12-28',
    issueNumber: 12346,
    editionPdf: r.b.editionPdf,
    pagePdfs: r.b.pagePdfs,
    manuscriptDir: path.join(fixturesDir, 'manuscript-b'),
    articles: ARTICLES_B.map((a) => ({ ...a })),
    build,
    ...over,
  };
}

const temps: string[] = [];

/** A fresh empty folder; removed by `removeTempArchives` (call it in afterAll). */
export async function tempArchive(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'banmian-archive-test-'));
  temps.push(dir);
  return dir;
}

export async function removeTempArchives(): Promise<void> {
  for (const d of temps.splice(0)) await fs.rm(d, { recursive: true, force: true });
}

export async function sha256Of(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}
