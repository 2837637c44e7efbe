/**
 * A font that cannot be loaded is an error, not a silent fallback. Fonts are
 * named by templates only (a manuscript cannot set font-family: style
 * attributes and <style> are removed); the bundled faces come from
 * @fontsource. Here the bundled woff2 files are replaced by damaged or
 * missing ones (in a copy: the shared node_modules stay untouched) and the
 * page reports it.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printRoutes } from '../../src/pipeline/index.ts';
import { BrowserSession, printPage, type Routes } from '../../src/print/index.ts';
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
});
