/**
 * Tabs are reused from page to page (a tab that printed a page keeps its fonts
 * in memory). What must hold: the second page in a reused tab does not fetch
 * the fonts again, yet a picture that changed under the same URL is read
 * again and printed new (and one that did not change is not read again); a page with other roots never gets a reused tab; and
 * an article whose picture changed is processed again, though its text did not.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { build, createBuildCache, printRoutes } from '../../src/pipeline/index.ts';
import { bodySwaps, BrowserSession, PICTURE_PIXELS, printPage } from '../../src/print/index.ts';
import { pipeStats } from '../../src/print/spawn-chrome.ts';
import { loadTemplate, type Template } from '../../src/template/index.ts';
import { scratchIn } from '../helpers/scratch.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const session = new BrowserSession();
afterAll(() => session.close());

function scratch(name: string): string {
  return scratchIn('print-tests', name);
}

const doc = `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">
<link rel="stylesheet" href="/fonts/fonts.css"></head><body><div class="bm-page">
<p style="font-family:'Noto Serif SC'">新闻正文，中文排版。</p><img src="/manuscript/img/photo.png" style="width:200px">
</div></body></html>`;

/** width × height of the one image in a PDF (poppler's pdfimages) */
function imageSize(pdf: Uint8Array, dir: string): string {
  const file = path.join(dir, `p-${Date.now()}.pdf`);
  writeFileSync(file, pdf);
  const rows = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').slice(2);
  expect(rows.length).toBeGreaterThan(0);
  const cols = rows[0]!.trim().split(/\s+/);
  return `${cols[3]}x${cols[4]}`;
}

describe('tab reuse', () => {
  it('a reused tab keeps the fonts but reads a changed picture again', async () => {
    const dir = scratch('reuse');
    mkdirSync(path.join(dir, 'm', 'img'), { recursive: true });
    copyFileSync(path.join(ROOT, 'manuscript/img/bridge.png'), path.join(dir, 'm/img/photo.png'));
    const routes = printRoutes(path.join(dir, 'm'), (await loadTemplate('broadsheet')) as Template);
    const job = { path: '/page/1.html', routes: { ...routes, documents: { '/page/1.html': doc } }, timeout: 30_000 };

    const first = await printPage(session, job);
    const fonts = (r: typeof first) => r.requests.served.filter((u) => u.endsWith('.woff2'));
    expect(fonts(first).length).toBeGreaterThan(0);
    const before = imageSize(first.pdf, dir);

    // another picture under the same name
    copyFileSync(path.join(ROOT, 'manuscript/img/cold.png'), path.join(dir, 'm/img/photo.png'));
    const second = await printPage(session, job);
    expect(second.problems).toEqual([]);
    expect(fonts(second)).toEqual([]); // from the tab's memory: not asked for again
    expect(second.requests.served.some((u) => u.includes('/manuscript/img/photo.png'))).toBe(true);
    const after = imageSize(second.pdf, dir);
    expect(after).not.toBe(before);

    // the same picture again: its address names the file's version, so the page's own copy is used, unrequested
    const third = await printPage(session, job);
    expect(third.problems).toEqual([]);
    expect(third.requests.served.some((u) => u.includes('/manuscript/img/photo.png'))).toBe(false);
    expect(imageSize(third.pdf, dir)).toBe(after);

    // other roots (another manuscript folder): a fresh tab, which asks for the fonts itself
    const otherRoutes = printRoutes(path.join(dir, 'other'), (await loadTemplate('broadsheet')) as Template);
    const other = await printPage(session, { ...job, routes: { ...otherRoutes, documents: job.routes.documents } });
    expect(fonts(other).length).toBeGreaterThan(0);
  });

  it('a page with the same head swaps only the body, and prints the new text with every request still filtered', async () => {
    const dir = scratch('swap');
    mkdirSync(path.join(dir, 'm'), { recursive: true });
    const routes = printRoutes(path.join(dir, 'm'), (await loadTemplate('broadsheet')) as Template);
    const head = `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>T</title><link rel="stylesheet" href="/fonts/fonts.css"></head>`;
    const pageWith = (body: string) => ({ path: '/page/1.html', routes: { ...routes, documents: { '/page/1.html': `${head}<body><div class="bm-page">${body}</div></body></html>` } }, timeout: 30_000 });
    const first = await printPage(session, pageWith(`<p style="font-family:'Noto Serif SC'">第一稿的正文。</p>`));
    expect(first.requests.served.some((u) => u.endsWith('/page/1.html'))).toBe(true);
    const second = await printPage(session, pageWith(`<p style="font-family:'Noto Serif SC'">第二稿改了正文。</p><img src="http://example.com/track.png"><img src="/manuscript/../../etc/passwd">`));
    // no navigation: the document itself was not requested again
    expect(second.requests.served.some((u) => u.endsWith('/page/1.html'))).toBe(false);
    const file = path.join(dir, 'second.pdf');
    writeFileSync(file, second.pdf);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    expect(text).toContain('第二稿改了正文');
    expect(text).not.toContain('第一稿');
    const blocked = second.requests.blocked.join('\n');
    expect(blocked).toContain('example.com/track.png');
    expect(blocked).toContain('/etc/passwd');
  });

  it('a swap sends the tab only what changed in its body, and the whole body when the tab lost the one it had', async () => {
    const dir = scratch('swap-change');
    mkdirSync(path.join(dir, 'm'), { recursive: true });
    const routes = printRoutes(path.join(dir, 'm'), (await loadTemplate('broadsheet')) as Template);
    const head = `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>T</title><link rel="stylesheet" href="/fonts/fonts.css"></head>`;
    const filler = '版面日报的正文在这里，'.repeat(60);
    const pageWith = (words: string) => ({ path: '/page/1.html', routes: { ...routes, documents: { '/page/1.html': `${head}<body><div class="bm-page"><p style="font-family:'Noto Serif SC'">${filler}${words}${filler}</p></div></body></html>` } }, timeout: 30_000 });
    const textOf = (pdf: Uint8Array, name: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, pdf);
      return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
    };
    await printPage(session, pageWith('初稿甲'));
    await printPage(session, pageWith('初稿乙')); // a swap: the whole body (the tab had none from a swap)
    const before = { ...bodySwaps };
    const aside = pipeStats.pdfsSetAside;
    const changed = await printPage(session, pageWith('改稿丙'));
    // the PDF came through the pipe as bytes, not as JSON (and reads right below)
    expect(pipeStats.pdfsSetAside).toBe(aside + 1);
    expect(bodySwaps.changed).toBe(before.changed + 1);
    expect(bodySwaps.whole).toBe(before.whole);
    expect(textOf(changed.pdf, 'changed.pdf')).toContain(`${filler}改稿丙${filler}`.replace(/\s+/g, ''));

    // the tab no longer holds the body of that swap (as if something else had run there): it must not
    // take a change to it, but the whole body
    const tabs = await (await session.get()).pages();
    for (const tab of tabs) await tab.evaluate(() => ((globalThis as unknown as { __banmianBody?: unknown }).__banmianBody = { id: 'other', body: '' }));
    const lost = await printPage(session, pageWith('三稿丁'));
    expect(bodySwaps.lost).toBe(before.lost + 1);
    const text = textOf(lost.pdf, 'lost.pdf');
    expect(text).toContain(`${filler}三稿丁${filler}`.replace(/\s+/g, ''));
    expect(text).not.toContain('改稿丙');
  });

  it('a swapped body whose text needs a font the tab has not loaded is measured in that font, not a fallback', async () => {
    // a stand-in engine that measures one line of text (the real one measures every line the same way)
    const engine = `(() => { globalThis.__banmian = { layout: () => ({ width: document.getElementById('t').getBoundingClientRect().width }) }; })()`;
    const head = `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><link rel="stylesheet" href="/fonts/fonts.css"></head>`;
    const line = (font: string, text: string) => `${head}<body><p id="t" style="font-family:${font};font-size:20px;display:inline-block">${text}</p></body></html>`;
    const jobIn = async (dir: string, html: string) => {
      const routes = printRoutes(dir, (await loadTemplate('broadsheet')) as Template);
      return { path: '/page/1.html', routes: { ...routes, documents: { '/page/1.html': html } }, layout: { source: engine, options: {} }, timeout: 30_000 };
    };
    const width = (r: { layout: unknown }) => (r.layout as { width: number }).width;
    const cyrillic = 'Широкая электрификация южных губерний';
    const dir = scratch('late-font');
    // first a page in Latin letters: the tab loads Noto Serif SC's Latin subset, not its Cyrillic one
    await printPage(session, await jobIn(dir, line("'Noto Serif SC'", 'Plain Latin letters')));
    // then, in the same tab, a body in Cyrillic: its subset must load before the engine measures.
    // The tab is in the background (another in front), as most print tabs are: it draws no frames by
    // itself, which in front would lay the new body out and start the font's load anyway.
    const front = await (await session.get()).newPage();
    await front.bringToFront();
    const swapped = width(await printPage(session, await jobIn(dir, line("'Noto Serif SC'", cyrillic))));
    await front.close();
    // the same page in a tab of its own (another folder), loaded with its fonts before the engine runs
    const fresh = width(await printPage(session, await jobIn(scratch('late-font-fresh'), line("'Noto Serif SC'", cyrillic))));
    // what a measurement in the fallback font would have given
    const fallback = width(await printPage(session, await jobIn(scratch('late-font-fallback'), line("'DejaVu Serif'", cyrillic))));
    expect(Math.abs(fresh - fallback)).toBeGreaterThan(5);
    expect(swapped).toBeCloseTo(fresh, 1);
  });

  it('the engine waits for a font subset the text it measures needs, in a tab that swaps bodies (the module bodies stay hidden until it sets them)', async () => {
    const dir = scratch('late-font-engine');
    // Chromium in these sessions knows DejaVu and Liberation only: a fallback for Cyrillic has other widths than
    // Noto Serif SC's (the system's Noto Serif CJK, the fallback otherwise, has the same ones: nothing would show)
    const fontconfig = path.join(dir, 'fonts.conf');
    writeFileSync(fontconfig, `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><dir>/usr/share/fonts/truetype/liberation</dir><cachedir>${path.join(dir, 'fc-cache')}</cachedir></fontconfig>`);
    const before = process.env.FONTCONFIG_FILE;
    process.env.FONTCONFIG_FILE = fontconfig;
    const warm = new BrowserSession();
    const own = new BrowserSession();
    try {
      const md = path.join(dir, 'story.md');
      // enough Chinese text that the Cyrillic paragraph is split between the first two columns
      const chinese = '正文第一段，写一些中文内容，让这一段足够长，可以排成好几行。'.repeat(30);
      const story = (extra: string) => `---\ntitle: 字体后到\n---\n\n${chinese}\n\n${extra}Plain Latin letters in a paragraph of their own.\n`;
      writeFileSync(md, story(''));
      const cache = createBuildCache();
      const out = path.join(dir, 'out');
      expect((await build(md, { outDir: out, session: warm, cache })).ok).toBe(true);
      // the same article with a paragraph in Cyrillic (short words: its line breaks follow the widths closely):
      // Noto Serif SC's Cyrillic subset has not loaded in this tab
      writeFileSync(md, story(`${'да и нет, но как же так, вот и всё, ну что ж, я и ты, мы с ним, он да она. '.repeat(12)}\n\n`));
      const swapped = await build(md, { outDir: out, session: warm, cache });
      expect(swapped.ok).toBe(true);
      expect(swapped.pages!.filter((p) => !p.cached).length).toBe(1);
      expect((swapped.layouts![0]!.report as { typeset?: { fontWait?: boolean } }).typeset?.fontWait).toBe(true);
      // the same manuscript in a browser of its own: the page loads with every font before the engine runs
      const freshOut = path.join(dir, 'fresh');
      expect((await build(md, { outDir: freshOut, session: own })).ok).toBe(true);
      const text = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      expect(text(path.join(out, 'page-01.pdf'))).toBe(text(path.join(freshOut, 'page-01.pdf')));
    } finally {
      if (before === undefined) delete process.env.FONTCONFIG_FILE;
      else process.env.FONTCONFIG_FILE = before;
      await Promise.all([warm.close(), own.close()]);
    }
  });

  it('an article is processed again when its picture changes, not only its text', async () => {
    const dir = scratch('article-cache');
    const md = path.join(dir, 'story.md');
    copyFileSync(path.join(ROOT, 'manuscript/img/bridge.png'), path.join(dir, 'photo.png'));
    writeFileSync(md, `---\ntitle: 图片更新\n---\n\n正文第一段，写一些中文内容，让这一段足够长。\n\n![桥](photo.png)\n`);
    const out = path.join(dir, 'out');
    const first = await build(md, { outDir: out, session });
    expect(first.ok).toBe(true);
    const firstHtml = first.articles![0]!.html;
    const firstImage = imageSize(readFileSync(path.join(out, 'page-01.pdf')), dir);
    // same text, another picture with other pixel dimensions
    copyFileSync(path.join(ROOT, 'manuscript/img/cold.png'), path.join(dir, 'photo.png'));
    const second = await build(md, { outDir: out, session });
    expect(second.ok).toBe(true);
    const img = (html: string) => html.match(/<img[^>]*>/)?.[0];
    expect(img(firstHtml)).toBeDefined();
    expect(img(second.articles![0]!.html)).not.toBe(img(firstHtml)); // the picture's size is in the HTML
    expect(imageSize(readFileSync(path.join(out, 'page-01.pdf')), dir)).not.toBe(firstImage);
  });
});

describe('choosing a tab to reuse', () => {
  it('gives a page back to the tab that printed it before (its typeset paragraphs are cached there)', async () => {
    const browser = await session.get();
    const [a, b] = [await browser.newPage(), await browser.newPage()];
    const key = 'same roots';
    // b went idle first: without the preference any page would get b
    await session.returnTab(key, b, '/page/2.html');
    await session.returnTab(key, a, '/page/1.html');
    expect(session.takeTab(key, '/page/1.html')).toBe(a);
    expect(session.takeTab(key, '/page/1.html')).toBe(b);
    expect(session.takeTab(key, '/page/1.html')).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });

  it('a rebuild prints behind a blank tab; a job that takes a picture brings its tab to the front', async () => {
    const dir = scratch('behind');
    mkdirSync(path.join(dir, 'm', 'img'), { recursive: true });
    copyFileSync(path.join(ROOT, 'manuscript/img/bridge.png'), path.join(dir, 'm/img/photo.png'));
    const routes = printRoutes(path.join(dir, 'm'), (await loadTemplate('broadsheet')) as Template);
    const job = { path: '/page/7.html', routes: { ...routes, documents: { '/page/7.html': doc } }, timeout: 30_000 };
    await printPage(session, job);
    const second = await printPage(session, job); // a rebuild: the tab is reused
    expect(second.problems).toEqual([]);
    const tab = (await (await session.get()).pages()).find((p) => p.url().endsWith('/page/7.html'))!;
    expect(await tab.evaluate(() => document.visibilityState)).toBe('hidden');
    const front = session.frontTab()!;
    expect(front.url()).toBe('about:blank');
    expect(await front.evaluate(() => document.visibilityState)).toBe('visible');
    // a picture is taken of the tab in front
    const pictures: Uint8Array[] = [];
    await printPage(session, { ...job, picture: { scale: 0.2, onPicture: (jpeg) => pictures.push(jpeg) } });
    expect(pictures).toHaveLength(1);
    expect(await tab.evaluate(() => document.visibilityState)).toBe('visible');
    expect(session.frontTab()).toBe(tab);
  });

  it('an early picture of a big page has at most PICTURE_PIXELS pixels; a small one is taken at the scale asked for', async () => {
    const dir = scratch('picture-size');
    mkdirSync(path.join(dir, 'm'), { recursive: true });
    const routes = printRoutes(path.join(dir, 'm'), (await loadTemplate('broadsheet')) as Template);
    const sized = (w: number, h: number) => ({ path: `/page/${w}.html`, routes: { ...routes, documents: { [`/page/${w}.html`]: `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0}</style></head><body><div class="bm-page" style="width:${w}px;height:${h}px;background:#fff"><p>版面</p></div></body></html>` } }, timeout: 30_000 });
    /** width and height of a JPEG, from its frame header */
    const jpegSize = (jpeg: Uint8Array) => {
      for (let i = 2; i < jpeg.length; ) {
        const marker = jpeg[i + 1]!;
        if (marker >= 0xc0 && marker <= 0xc2) return { width: (jpeg[i + 7]! << 8) | jpeg[i + 8]!, height: (jpeg[i + 5]! << 8) | jpeg[i + 6]! };
        i += 2 + ((jpeg[i + 2]! << 8) | jpeg[i + 3]!);
      }
      throw new Error('no frame header');
    };
    const shot = async (w: number, h: number, scale: number) => {
      const pictures: Uint8Array[] = [];
      await printPage(session, { ...sized(w, h), picture: { scale, onPicture: (jpeg) => pictures.push(jpeg) } });
      expect(pictures).toHaveLength(1);
      return jpegSize(pictures[0]!);
    };
    expect(await shot(400, 300, 0.5)).toEqual({ width: 200, height: 150 });
    const big = await shot(1600, 2000, 0.5);
    expect(big.width * big.height).toBeLessThanOrEqual(PICTURE_PIXELS);
    expect(big.width * big.height).toBeGreaterThan(0.97 * PICTURE_PIXELS);
    expect(Math.abs(big.width / big.height - 0.8)).toBeLessThan(0.01);
  });

  it('a cold build of several pages opens no blank tab: its reused tabs print other pages, not a page again', async () => {
    const own = new BrowserSession();
    try {
      const result = await build(path.join(ROOT, 'manuscript'), { outDir: scratch('cold-tabs'), session: own });
      expect(result.ok).toBe(true);
      expect(result.outputs.filter((o) => o.kind === 'page').length).toBeGreaterThan(2); // more pages than tabs at once
      const urls = (await (await own.get()).pages()).map((p) => p.url());
      expect(urls).not.toContain('about:blank');
    } finally {
      await own.close();
    }
  }, 120_000);
});
