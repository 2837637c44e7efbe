/** Test helper: prints HTML fixtures to PDF with a real Chromium and the bundled Noto Serif SC. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fontDir = join(root, 'node_modules/@fontsource/noto-serif-sc');

export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: process.env.BANMIAN_CHROME ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

let fontCss: string | null = null;
async function fontFaces(): Promise<string> {
  if (fontCss === null) {
    const css = await readFile(join(fontDir, '400.css'), 'utf8');
    const base = pathToFileURL(join(fontDir, 'files')).href;
    fontCss = css
      .replace(/,\s*url\([^)]*\.woff\) format\('woff'\)/g, '')
      .replace(/url\(\.\/files\//g, `url(${base}/`);
  }
  return fontCss;
}

export interface Fixture {
  /** Page size and margin, e.g. `160mm 100mm`. */
  size?: string;
  margin?: string;
  css?: string;
  body: string;
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'banmian-check-test-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Prints one fixture; returns the PDF's path. */
export async function renderPdf(browser: Browser, dir: string, name: string, f: Fixture): Promise<string> {
  const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
${await fontFaces()}
@page { size: ${f.size ?? '160mm 100mm'}; margin: ${f.margin ?? '10mm'}; }
html, body { margin: 0; padding: 0; }
body { font-family: 'Noto Serif SC'; font-size: 14px; line-height: 24px; }
p { margin: 0; }
${f.css ?? ''}
</style></head><body>${f.body}</body></html>`;
  const htmlPath = join(dir, `${name}.html`);
  const pdfPath = join(dir, `${name}.pdf`);
  await writeFile(htmlPath, html);
  const page = await browser.newPage();
  try {
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    await page.evaluate(async () => {
      await document.fonts.ready;
    });
    await writeFile(pdfPath, await page.pdf({ preferCSSPageSize: true, printBackground: true }));
  } finally {
    await page.close();
  }
  return pdfPath;
}

/** Deterministic Han text without punctuation, for filling lines. */
const POOL =
  '本报讯记者从市交通运输局获悉今年以来全市公共交通客运量稳步回升地铁日均客流再创新高' +
  '城市更新项目陆续开工老旧小区改造惠及居民数万户社区服务中心延长开放时间方便群众办事' +
  '春耕时节田间地头一派繁忙景象农技人员深入乡村指导农户科学施肥合理用药保障粮食丰收' +
  '图书馆推出夜间阅读服务市民下班后也能借书还书文化生活更加丰富多彩受到广泛欢迎与好评';

export class HanSource {
  private i = 0;
  take(n: number): string {
    let s = '';
    for (let k = 0; k < n; k++) {
      s += POOL[this.i % POOL.length];
      this.i++;
    }
    return s;
  }
}
