/**
 * `banmian preview` end to end in headless Chromium: open the preview, edit a
 * manuscript file, see the page change without a reload and with the scroll
 * position kept; unchanged pages are not laid out again; overset is marked.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/pipeline/index.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { startPreview, type Preview } from '../../src/preview/index.ts';
import { pdfWords } from '../layout/pdf-text.ts';

const fixture = path.join(import.meta.dirname, '..', 'edition', 'fixtures', 'two-pages');
let session: BrowserSession;
let tmp: string;
let manuscript: string;
let preview: Preview;

beforeAll(async () => {
  session = new BrowserSession();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'banmian-preview-'));
  manuscript = path.join(tmp, 'ms');
  cpSync(fixture, manuscript, { recursive: true });
  preview = await startPreview(manuscript, { session, port: 0, dpi: 40 });
}, 120_000);
afterAll(async () => {
  await preview?.close();
  await session.close();
  rmSync(tmp, { recursive: true, force: true });
});

const edit = (file: string, from: string, to: string) => {
  const p = path.join(manuscript, file);
  writeFileSync(p, readFileSync(p, 'utf8').replace(from, to));
};

describe('preview', () => {
  it('serves on 127.0.0.1 only, and nothing but its own routes', async () => {
    expect(preview.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(new URL('/page/0.png', preview.url))).headers.get('content-type')).toBe('image/png');
    for (const p of ['/page/99.png', '/page/0/patch/1.jpg', '/edition.yaml', '/../first.md', '/manuscript/first.md']) {
      expect((await fetch(new URL(p, preview.url))).status, p).toBe(404);
    }
    const state = (await (await fetch(new URL('/state.json', preview.url))).json()) as { pages: { label: string }[] };
    expect(state.pages.map((p) => p.label)).toEqual(['1', '2']);
  });

  it('updates the page in the open browser when a file is saved, keeping the scroll position', async () => {
    const browser = await session.get();
    const page = await browser.newPage();
    try {
      await page.setViewport({ width: 1000, height: 500 });
      await page.goto(preview.url, { waitUntil: 'load' });
      await page.waitForFunction(() => document.querySelectorAll('section.page img[src]').length === 2 && [...document.images].every((i) => i.complete && i.naturalWidth > 0));
      const before = await page.evaluate(() => ({
        src: [...document.querySelectorAll<HTMLImageElement>('section.page img')].map((i) => i.getAttribute('src')),
      }));
      const png = async (src: string) => Buffer.from(await (await fetch(new URL(src, preview.url))).arrayBuffer());
      const oldPicture = await png(before.src[1]!);
      // what the server pushes: each page's version and whether its picture is the early one
      await page.evaluate(() => {
        const seen: [number, boolean][][] = [];
        (window as unknown as { seen: typeof seen }).seen = seen;
        new EventSource('/events').addEventListener('update', (e) => {
          seen.push((JSON.parse((e as MessageEvent).data) as { pages: { index: number; draft: boolean }[] }).pages.map((p) => [p.index, p.draft]));
        });
      });
      await page.evaluate(() => {
        window.scrollTo(0, 400);
        (window as unknown as { marker: number }).marker = 42; // survives only if the page is not reloaded
      });
      const next = preview.nextRebuild();
      edit('third.md', '方便上班族借阅', '方便上班族和学生借阅，周末还有亲子活动');
      const result = await next;
      expect(result.rendered).toEqual([1]); // only the second page was laid out again
      expect(result.cached).toEqual([0]);
      // polled by timer: the preview's tab is in the background while Chromium takes the pictures, and a
      // tab in the background runs no animation frames (puppeteer's default polling)
      await page.waitForFunction((old) => document.querySelector('#page-1 img')!.getAttribute('src') !== old, { timeout: 30_000, polling: 50 }, before.src[1]);
      const after = await page.evaluate(() => ({
        src: [...document.querySelectorAll<HTMLImageElement>('section.page img')].map((i) => i.getAttribute('src')),
        scrollY: window.scrollY,
        marker: (window as unknown as { marker?: number }).marker,
      }));
      expect(after.src[0]).toBe(before.src[0]);
      expect(after.src[1]).not.toBe(before.src[1]);
      expect(after.scrollY).toBe(400);
      expect(after.marker).toBe(42);
      // the new picture differs from the old one
      expect((await png(after.src[1]!)).equals(oldPicture)).toBe(false);
      // the screen got the laid-out page first (before its PDF was printed), then the picture of the PDF
      const seen = await page.evaluate(() => (window as unknown as { seen: [number, boolean][][] }).seen);
      const draftAt = seen.findIndex((u) => u.some(([i, draft]) => i === 1 && draft));
      const finalAt = seen.findIndex((u, k) => k > draftAt && u.some(([i, draft]) => i === 1 && !draft));
      expect(draftAt).toBeGreaterThanOrEqual(0);
      expect(finalAt).toBeGreaterThan(draftAt);
      expect(seen.at(-1)!.every(([, draft]) => !draft)).toBe(true);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('shows a small change first as a patch of the changed part over the page, then the picture of the new PDF', async () => {
    const browser = await session.get();
    const page = await browser.newPage();
    try {
      await page.setViewport({ width: 1000, height: 800 });
      await page.goto(preview.url, { waitUntil: 'load' });
      await page.waitForFunction(() => document.querySelectorAll('section.page img.base[src]').length === 2 && [...document.images].every((i) => i.complete && i.naturalWidth > 0));
      type Patch = { version: number; x: number; y: number; width: number; height: number };
      await page.evaluate(() => {
        const seen: { index: number; draft: boolean; patches: Patch[]; width: number; height: number }[][] = [];
        (window as unknown as { seen: typeof seen }).seen = seen;
        new EventSource('/events').addEventListener('update', (e) => seen.push((JSON.parse((e as MessageEvent).data) as { pages: (typeof seen)[number] }).pages));
        // the patch pictures the client lays over the page, as they appear
        const shown: { width: number; height: number }[] = [];
        (window as unknown as { shown: typeof shown }).shown = shown;
        new MutationObserver((records) => {
          for (const r of records) for (const n of r.addedNodes) if (n instanceof HTMLImageElement) shown.push({ width: n.naturalWidth, height: n.naturalHeight });
        }).observe(document.querySelector('#page-0 .patches')!, { childList: true });
      });
      // two characters for two: the text keeps its lines, so only the column that holds them changes
      const next = preview.nextRebuild();
      edit('first.md', '欢声笑语', '欢歌笑语');
      expect((await next).rendered).toEqual([0]);
      // the client lays the patch over the page while it is shown, and drops it with the new PDF's picture
      await page.waitForFunction(() => document.querySelector('#page-0')!.getAttribute('data-patches') === '0' && document.querySelector('#page-0 .patches')!.children.length === 0, { timeout: 30_000, polling: 50 });
      const seen = await page.evaluate(() => (window as unknown as { seen: { index: number; draft: boolean; patches: Patch[]; width: number; height: number }[][] }).seen);
      const drafts = seen.map((u) => u.find((p) => p.index === 0)!).filter((p) => p.draft);
      expect(drafts.length).toBeGreaterThan(0);
      const draft = drafts[0]!;
      expect(draft.patches).toHaveLength(1);
      const patch = draft.patches[0]!;
      // a part of the page, not all of it: the other article, the masthead and the rules stayed as they were
      expect(patch.width * patch.height).toBeLessThan(0.6 * draft.width * draft.height);
      expect(seen.at(-1)!.find((p) => p.index === 0)!.patches).toEqual([]);
      // the client showed the patch: a picture of that part at the early pictures' resolution (40 dpi here)
      const shown = await page.evaluate(() => (window as unknown as { shown: { width: number; height: number }[] }).shown);
      expect(shown).toHaveLength(1);
      expect(Math.abs(shown[0]!.width - (patch.width * 40) / 72)).toBeLessThanOrEqual(2);
      expect(Math.abs(shown[0]!.height - (patch.height * 40) / 72)).toBeLessThanOrEqual(2);
      // the patch covers the changed words where the PDF prints them
      const out = path.join(tmp, 'patch-out');
      const built = await build(manuscript, { outDir: out, session });
      expect(built.ok).toBe(true);
      // (words, not lines: pdftotext joins a line with the lines beside it in the next columns)
      const words = pdfWords(path.join(out, 'page-01.pdf')).filter((w) => w.page === 1);
      const line = words.find((w) => w.text.includes('歌笑'));
      expect(line).toBeDefined();
      expect(line!.xMin).toBeGreaterThanOrEqual(patch.x - 1);
      expect(line!.xMax).toBeLessThanOrEqual(patch.x + patch.width + 1);
      expect(line!.yMin).toBeGreaterThanOrEqual(patch.y - 1);
      expect(line!.yMax).toBeLessThanOrEqual(patch.y + patch.height + 1);
      // the other article's text lies outside it
      const other = words.find((w) => w.text.includes('绿道'));
      expect(other).toBeDefined();
      const inside = other!.xMin >= patch.x && other!.xMax <= patch.x + patch.width && other!.yMin >= patch.y && other!.yMax <= patch.y + patch.height;
      expect(inside).toBe(false);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('marks overset on the page and lists it', async () => {
    const browser = await session.get();
    const page = await browser.newPage();
    try {
      await page.goto(preview.url, { waitUntil: 'load' });
      await page.waitForSelector('section.page img[src]');
      const next = preview.nextRebuild();
      edit('second.md', '沿途设置了12处驿站。', `沿途设置了12处驿站。\n\n${'绿道沿江而行，串联起公园、广场和老街区，成为市民休闲健身的好去处。'.repeat(400)}`);
      await next;
      await page.waitForSelector('#page-0 .mark.error', { timeout: 30_000 });
      const shown = await page.evaluate(() => ({
        label: document.querySelector('#page-0 .mark.error span')?.textContent,
        list: document.getElementById('diagnostics')!.textContent,
      }));
      expect(shown.label).toMatch(/超版/);
      expect(shown.list).toMatch(/second\.md:\d+:\d+ error/);
    } finally {
      await page.close();
    }
  }, 120_000);
});
