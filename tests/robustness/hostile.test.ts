/**
 * Hostile manuscripts cannot reach anything. A local HTTP server stands in
 * for "the network" and counts every request it gets; the manuscripts aim
 * script, event handlers, javascript: links, embedded documents, CSS url()
 * and remote or escaping image paths at it and at /etc/passwd. The PDF must
 * contain no text produced by script and no content of a file outside the
 * manuscript folder, and the server must see no request at all.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, printRoutes } from '../../src/pipeline/index.ts';
import { BrowserSession, ORIGIN, printPage } from '../../src/print/index.ts';
import { loadTemplate, type Template } from '../../src/template/index.ts';
import { pdfText, previousOutputs, ROOT, scratch, snapshot } from './helpers.ts';

const session = new BrowserSession();
let server: http.Server;
let base = '';
const hits: string[] = [];
const PASSWD_MARK = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!; // e.g. root:x:0:0:root:/root:/bin/bash

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/css' });
    res.end('body::after{content:"EXFILTRATED"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await session.close();
  await new Promise((r) => server.close(r));
});

const edition = (articles: string[]) =>
  `paper: 测试报\ndate: 2024-05-01\npages:\n  - number: 1\n    name: 要闻\n    articles:\n${articles.map((a) => `      - ${a}\n`).join('')}`;

function hostileArticle(): string {
  return `---
title: 恶意稿件
---

正文开始，这是一篇普通的新闻。

<script>document.body.innerHTML='SCRIPT-RAN-1'; fetch('${base}/fetch')</script>

<img src="img/ok.png" onerror="document.body.append('SCRIPT-RAN-2')">

<a href="javascript:document.write('SCRIPT-RAN-3')">点我</a>，[链接](javascript:document.write('SCRIPT-RAN-4'))，[正常链接](https://example.com/)。

<iframe src="file:///etc/passwd"></iframe>
<object data="file:///etc/passwd"></object>
<embed src="${base}/embed">
<meta http-equiv="refresh" content="0;url=file:///etc/passwd">
<link rel="stylesheet" href="${base}/link-css">
<style>@import url(${base}/import); body{background:url(${base}/bg)}</style>

<p style="background:url(${base}/style-attr)">带样式的段落。</p>

<video poster="${base}/poster"></video>
<base href="${base}/">
<form action="${base}/form"><button>提交</button></form>
<div><noscript><p title="</noscript><img src=x onerror=document.write('SCRIPT-RAN-5')>"></noscript></div>
<a href="data:text/html,<script>alert(1)</script>">数据链接</a>

正文结束。
`;
}

describe('hostile manuscripts', () => {
  it('raw HTML is sanitized with positioned warnings; no script runs, nothing is fetched, nothing outside leaks into the PDF', async () => {
    const dir = scratch('hostile-html');
    mkdirSync(path.join(dir, 'm/img'), { recursive: true });
    writeFileSync(path.join(dir, 'm/edition.yaml'), edition(['a.md']));
    writeFileSync(path.join(dir, 'm/a.md'), hostileArticle());
    writeFileSync(path.join(dir, 'm/img/ok.png'), readFileSync(path.join(ROOT, 'manuscript/img/bridge.png')));
    hits.length = 0;
    const result = await build(path.join(dir, 'm'), { outDir: path.join(dir, 'out'), session });
    expect(result.diagnostics.filter((d) => d.severity === 'error'), JSON.stringify(result.diagnostics)).toEqual([]);
    expect(result.ok).toBe(true);

    const removed = result.diagnostics.filter((d) => d.ruleId === 'html-removed');
    const at = (line: number, words: string) =>
      expect(removed.some((d) => d.line === line && d.column !== null && d.file.endsWith('a.md') && d.message.includes(words)), `${words} at line ${line}: ${JSON.stringify(removed)}`).toBe(true);
    at(7, '<script>');
    at(9, 'onError');
    at(11, 'javascript:');
    at(13, '<iframe>');
    at(14, '<object>');
    at(15, '<embed>');
    at(16, '<meta>');
    at(17, '<link>');
    at(18, '<style>');
    at(20, 'style');
    at(22, '<video>');
    at(23, '<base>');
    at(24, '<form>');
    at(26, 'data:');

    const text = pdfText(path.join(dir, 'out/page-01.pdf'));
    expect(text).toContain('正文开始');
    expect(text).toContain('正文结束');
    expect(text).toContain('带样式的段落');
    expect(text).not.toMatch(/SCRIPT-RAN|EXFILTRATED|@import|url\(/);
    expect(text).not.toContain(PASSWD_MARK);
    expect(hits).toEqual([]);
    expect(result.blockedRequests).toEqual([]);
  });

  it('images that leave the folder, remote images and links out of the folder are errors, all reported, nothing fetched', async () => {
    const dir = scratch('hostile-images');
    const m = path.join(dir, 'm');
    mkdirSync(path.join(m, 'img'), { recursive: true });
    writeFileSync(path.join(dir, 'outside.png'), readFileSync(path.join(ROOT, 'manuscript/img/bridge.png')));
    symlinkSync('/etc/passwd', path.join(m, 'img/passwd.png'));
    symlinkSync(path.join(dir, 'outside.png'), path.join(m, 'img/outside-link.png'));
    const cases: Record<string, [string, string]> = {
      'up.md': ['![逃逸](../../etc/passwd)', 'image-outside'],
      'abs.md': ['![绝对路径](/etc/passwd)', 'image-outside'],
      'encoded.md': ['![编码](%2e%2e/%2e%2e/etc/passwd)', 'image-outside'],
      'file.md': ['![本地](file:///etc/passwd)', 'image-remote'],
      'remote.md': [`![远程](${base}/remote.png)`, 'image-remote'],
      'protocol-relative.md': [`<img src="//127.0.0.1:${new URL(base).port}/pr.png">`, 'image-remote'],
      'link.md': ['![链接](img/passwd.png)', 'image-outside'],
      'link2.md': ['![链接](img/outside-link.png)', 'image-outside'],
    };
    for (const [file, [md]] of Object.entries(cases)) writeFileSync(path.join(m, file), `# 标题\n\n正文。\n\n${md}\n`);
    writeFileSync(path.join(m, 'edition.yaml'), edition(Object.keys(cases)));
    const out = path.join(dir, 'out');
    const before = previousOutputs(out);
    hits.length = 0;
    const result = await build(m, { outDir: out, session });
    expect(result.ok).toBe(false);
    for (const [file, [, ruleId]] of Object.entries(cases)) {
      const d = result.diagnostics.find((x) => x.file.endsWith(`/${file}`) && x.severity === 'error');
      expect(d, `${file}: ${JSON.stringify(result.diagnostics)}`).toMatchObject({ ruleId, line: 5 });
      expect(d!.message).toMatch(/manuscript folder/);
    }
    expect(hits).toEqual([]);
    expect(snapshot(out)).toEqual(before);
  });

  it('the print page itself refuses everything outside the allowed roots, even if hostile HTML got past the sanitizer', async () => {
    const dir = scratch('hostile-page');
    mkdirSync(path.join(dir, 'm/img'), { recursive: true });
    writeFileSync(path.join(dir, 'm/img/ok.png'), readFileSync(path.join(ROOT, 'manuscript/img/bridge.png')));
    writeFileSync(path.join(dir, 'secret.png'), readFileSync(path.join(ROOT, 'manuscript/img/bridge.png')));
    symlinkSync('/etc/passwd', path.join(dir, 'm/img/passwd.png'));
    symlinkSync(path.join(dir, 'secret.png'), path.join(dir, 'm/img/secret.png'));
    const template = (await loadTemplate('broadsheet')) as Template;
    const routes = printRoutes(path.join(dir, 'm'), template);
    // No template <meta> CSP here: the page server's CSP header and disabled script must hold on their own.
    const html = `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/fonts/fonts.css">
<link rel="stylesheet" href="${base}/link-css">
<link rel="prefetch" href="${base}/prefetch">
<style>@import url(${base}/import); @font-face{font-family:X;src:url(${base}/font.woff2)} p{font-family:X,serif} .bg{background:url(${base}/bg)}</style>
<script>document.title='x'; document.body && (document.body.innerHTML='SCRIPT-RAN-1'); fetch('${base}/fetch'); new Image().src='${base}/beacon';</script>
</head><body><div class="bm-page bg">
<p>安全正文</p>
<script>document.write('SCRIPT-RAN-2')</script>
<img src="x" onerror="this.outerHTML='SCRIPT-RAN-3'">
<img src="/manuscript/img/ok.png">
<img src="file:///etc/passwd"><img src="/manuscript/../../../../etc/passwd"><img src="/manuscript/%2e%2e/%2e%2e/%2e%2e/etc/passwd">
<img src="/manuscript/img/passwd.png"><img src="/manuscript/img/secret.png"><img src="/fonts/noto-serif-sc/../../../../../../etc/passwd">
<iframe src="file:///etc/passwd"></iframe><iframe src="${base}/frame"></iframe><object data="/manuscript/../../../etc/passwd"></object>
<video poster="${base}/poster"></video><audio src="${base}/audio"></audio>
<svg><image href="${base}/svg-image"/></svg>
<meta http-equiv="refresh" content="0;url=${base}/refresh">
</div></body></html>`;
    hits.length = 0;
    const result = await printPage(session, { path: '/page/1.html', routes: { ...routes, documents: { '/page/1.html': html } }, timeout: 30_000 });
    const file = path.join(dir, 'page.pdf');
    writeFileSync(file, result.pdf);
    const text = pdfText(file);
    expect(text).toContain('安全正文');
    expect(text).not.toMatch(/SCRIPT-RAN|EXFILTRATED/);
    expect(text).not.toContain(PASSWD_MARK);
    expect(hits).toEqual([]);
    // everything served came from the allowed roots
    const allowed = ['/page/', '/fonts/', '/manuscript/', '/template/', '/shared/'];
    for (const url of result.requests.served) expect(allowed.some((p) => url.startsWith(ORIGIN + p)), url).toBe(true);
    // (at an address that names its version: the page's pictures do)
    expect(result.requests.served.some((u) => u.startsWith(`${ORIGIN}/manuscript/img/ok.png?v=`)), result.requests.served.join('\n')).toBe(true);
    // a file outside the folder gets no version: not even its size or date reaches the page
    const outside = result.requests.blocked.filter((u) => /passwd|secret/.test(u));
    expect(outside.length).toBeGreaterThan(0);
    for (const u of outside) expect(u).not.toMatch(/[?&]v=/);
    // and the attempts are on record
    const blocked = result.requests.blocked.join('\n');
    for (const what of ['/link-css', '/import', '/bg', '/font.woff2', '/etc/passwd', '/manuscript/img/passwd.png', '/manuscript/img/secret.png']) {
      expect(blocked, what).toContain(what);
    }
  });
});
