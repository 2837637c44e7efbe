/**
 * A font that cannot be loaded is an error, not a silent fallback. Fonts are
 * named by templates only (a manuscript cannot set font-family: style
 * attributes and <style> are removed); the bundled faces come from
 * @fontsource. Here the bundled woff2 files are replaced by damaged or
 * missing ones (in a copy: the shared node_modules stay untouched) and the
 * page reports it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printRoutes } from '../../src/pipeline/index.ts';
import { BrowserSession, printPage, reprints, type Routes } from '../../src/print/index.ts';
import { fontPackageDir, loadTemplate, type Template } from '../../src/template/index.ts';
import { scratch } from './helpers.ts';

const session = new BrowserSession();
afterAll(() => session.close());

const page = (body: string) => `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">
<link rel="stylesheet" href="/fonts/fonts.css"></head><body><div class="bm-page">${body}</div></body></html>`;

async function routesWith(fontDir: string | undefined): Promise<Omit<Routes, 'documents'>> {
  const template = (await loadTemplate('broadsheet')) as Template;
  const routes = printRoutes(scratch('fonts-m'), template);
  if (fontDir) routes.roots['/fonts/noto-serif-sc/'] = fontDir;
  return routes;
}

async function print(routes: Omit<Routes, 'documents'>, body: string) {
  return printPage(session, { path: '/page/1.html', routes: { ...routes, documents: { '/page/1.html': page(body) } }, timeout: 30_000 });
}

describe('fonts that cannot be loaded', () => {
  it('bundled fonts load: no font problem on a normal page', async () => {
    const result = await print(await routesWith(undefined), `<p style="font-family:'Noto Serif SC'">新闻正文，中文排版。</p>`);
    expect(result.problems).toEqual([]);
  });

  it('a damaged bundled woff2 is an error naming the font and what to do', async () => {
    const dir = scratch('fonts-damaged');
    mkdirSync(path.join(dir, 'files'));
    for (const name of readdirSync(path.join(fontPackageDir('@fontsource/noto-serif-sc'), 'files'))) {
      writeFileSync(path.join(dir, 'files', name), 'wOF2 this is not a font, it was cut short by a bad copy');
    }
    const result = await print(await routesWith(dir), `<p style="font-family:'Noto Serif SC'">新闻正文，中文排版。</p>`);
    const font = result.problems.find((p) => p.ruleId === 'font-failed');
    expect(font, JSON.stringify(result.problems)).toBeDefined();
    expect(font!.severity).toBe('error');
    expect(font!.message).toContain('Noto Serif SC');
    expect(font!.message).toContain('npm ci');
  });

  it('a missing bundled woff2 is an error too, and the refused request is on record', async () => {
    const dir = scratch('fonts-missing');
    mkdirSync(path.join(dir, 'files'));
    const result = await print(await routesWith(dir), `<p style="font-family:'Noto Serif SC'">新闻正文，中文排版。</p>`);
    const font = result.problems.find((p) => p.ruleId === 'font-failed');
    expect(font, JSON.stringify(result.problems)).toBeDefined();
    expect(font!.message).toMatch(/noto-serif-sc\/files\/.*\.woff2/);
    expect(result.requests.blocked.some((u) => u.includes('/fonts/noto-serif-sc/files/'))).toBe(true);
  });

  it('a font the template names that is not bundled is a warning (the browser fell back to a system font)', async () => {
    const result = await print(await routesWith(undefined), `<p style="font-family:'Fancy Headline Font', serif">标题文字</p>`);
    const warn = result.problems.find((p) => p.ruleId === 'font-not-bundled');
    expect(warn, JSON.stringify(result.problems)).toMatchObject({ severity: 'warning' });
    expect(warn!.message).toContain('Fancy Headline Font');
  });

  it('text only the print lays out is printed in its bundled face: the page is printed again once the face has loaded', async () => {
    // 鬱蔥 come from subsets of Noto Serif SC that 新闻正文 does not: the screen never needs them
    const before = reprints.count;
    const result = await print(await routesWith(undefined), `<style>.late { display: none } @media print { .late { display: block } }</style>
<p style="font-family:'Noto Serif SC'">新闻正文</p><p class="late" style="font-family:'Noto Serif SC'">鬱鬱蔥蔥</p>`);
    // (the <style> element's own text counts as text in the browser's default font: not checked here)
    expect(result.problems.filter((p) => p.ruleId !== 'font-not-bundled')).toEqual([]);
    expect(reprints.count).toBe(before + 1);
    const file = path.join(scratch('fonts-print-only'), 'page.pdf');
    writeFileSync(file, result.pdf);
    expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain('鬱鬱蔥蔥');
    // every font in the PDF is a bundled subset (a fallback would be a system font, or no glyph at all)
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter((l) => l.trim());
    expect(fonts.length).toBeGreaterThanOrEqual(2);
    for (const line of fonts) expect(line).toMatch(/^[A-Z]{6}\+NotoSerifSC/);
  });
});
