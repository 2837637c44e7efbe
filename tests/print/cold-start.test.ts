/**
 * A cold build starts Chromium at once, while it still loads and transforms
 * the manuscript, and prints the first page in the tab Chromium opened at
 * launch. What must hold: the launch begins before the transform ends (the
 * command line: before the pipeline has even loaded); no second tab is
 * started; a tab opened ahead of need whose browser died fails the print that
 * takes it, which is printed again on a fresh browser; Chromium is driven over
 * a pipe (no DevTools port); and closing kills it at once and leaves no
 * process and no profile behind, also when the manuscript had errors.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { build, printRoutes } from '../../src/pipeline/index.ts';
import puppeteer from 'puppeteer-core';
import { BrowserSession, ORIGIN, prepareTab, printPageWithRetry } from '../../src/print/index.ts';
import { chromeArgs } from '../../src/print/spawn-chrome.ts';
import { loadTemplate, type Template } from '../../src/template/index.ts';
import { scratchIn } from '../helpers/scratch.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const session = new BrowserSession();
afterAll(() => session.close());

function scratch(name: string): string {
  return scratchIn('print-tests', name);
}

function manuscript(name: string, body = '这是一段用来测试的新闻正文，内容平常。'): string {
  const dir = path.join(scratch(name), 'm');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'edition.yaml'), 'paper: 测试报\ndate: 2024-05-01\npages:\n  - number: 1\n    name: 要闻\n    articles:\n      - a.md\n');
  writeFileSync(path.join(dir, 'a.md'), `---\ntitle: 冷启动测试\n---\n\n${body.repeat(8)}\n`);
  return dir;
}

/** The BANMIAN_DEBUG trace lines that `fn` writes (console.error), in order. */
async function traced<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  const before = process.env.BANMIAN_DEBUG;
  process.env.BANMIAN_DEBUG = '1';
  try {
    return { value: await fn(), lines };
  } finally {
    if (before === undefined) delete process.env.BANMIAN_DEBUG;
    else process.env.BANMIAN_DEBUG = before;
    spy.mockRestore();
  }
}

/** pids of the live processes in a process group (Chromium runs in its own) */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cold start', () => {
  it('build starts Chromium before it reads the manuscript, and prints the first page in the tab Chromium opened at launch', async () => {
    const m = manuscript('early');
    await session.restart(); // no browser: as in a new process
    const { value: result, lines } = await traced(async () => {
      const running = build(m, { outDir: path.join(path.dirname(m), 'out'), session });
      // started synchronously, before build() awaited anything (the manuscript is not read yet)
      expect(session.hasSpare()).toBe(true);
      return running;
    });
    expect(result.ok, JSON.stringify(result.diagnostics)).toBe(true);
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(at('launching Chromium')).toBeGreaterThanOrEqual(0);
    expect(at('transform done')).toBeGreaterThan(at('launching Chromium'));
    // one tab in the whole browser: the launch tab printed the page, no second renderer was started
    const pages = await (await session.get()).pages();
    expect(pages.map((p) => p.url())).toEqual([`${ORIGIN}/page/1.html`]);
  });

  it('a tab opened ahead of need whose browser died fails the print that takes it; the page is printed again on a fresh browser', async () => {
    const dir = scratch('spare-dead');
    const routes = printRoutes(path.join(dir, 'm'), (await loadTemplate('broadsheet')) as Template);
    const doc = `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><link rel="stylesheet" href="/fonts/fonts.css"></head><body><p style="font-family:'Noto Serif SC'">备用标签页</p></body></html>`;
    await session.restart();
    prepareTab(session);
    await session.get();
    const first = session.pid()!;
    process.kill(first, 'SIGKILL');
    const result = await printPageWithRetry(session, { path: '/page/1.html', routes: { ...routes, documents: { '/page/1.html': doc } }, timeout: 30_000 });
    expect(result.retried).toBe(true);
    expect(result.problems).toEqual([]);
    expect(Buffer.from(result.pdf.subarray(0, 5)).toString()).toBe('%PDF-');
    expect(session.pid()).not.toBe(first);
  });

  it('drives Chromium over a pipe: no DevTools port is opened', async () => {
    await session.get();
    const args = cmdline(session.pid()!);
    expect(args).toContain('--remote-debugging-pipe');
    expect(args.some((a) => a.startsWith('--remote-debugging-port'))).toBe(false);
  });

  it('starts no browser UI pages: the address bar suggestion list is not built as a page at launch', async () => {
    const browser = await session.get();
    // (Chromium builds it a moment after launch, when it is on)
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const cdp = await browser.target().createCDPSession();
    try {
      const { targetInfos } = await cdp.send('Target.getTargets');
      expect(targetInfos.filter((t) => t.url.startsWith('chrome://')).map((t) => t.url)).toEqual([]);
    } finally {
      await cdp.detach();
    }
  });

  it('spawns Chromium with the flags puppeteer.launch() would pass (some shape the PDF: tagged, outline, colour profile)', () => {
    const ours = ['--disable-gpu', '--disable-features=SpareRendererForSitePerProcess'];
    const theirs = puppeteer.defaultArgs({ headless: true, args: [...ours], userDataDir: '/tmp/profile' });
    const mine = chromeArgs('/tmp/profile', ours);
    expect(mine.filter((a) => a !== '--remote-debugging-pipe').sort()).toEqual(theirs.sort());
    expect(mine).toContain('--export-tagged-pdf');
  });

  it('close() kills Chromium at once: no process and no profile are left', async () => {
    const own = new BrowserSession();
    prepareTab(own);
    await own.get();
    const pid = own.pid()!;
    const profile = cmdline(pid).find((a) => a.startsWith('--user-data-dir='))!.slice('--user-data-dir='.length);
    expect(existsSync(profile)).toBe(true);
    expect(groupMembers(pid).length).toBeGreaterThan(1); // browser, zygote, renderer…
    await own.close();
    await waitFor(() => groupMembers(pid).length === 0, 10_000, 'every Chromium process of the session to exit');
    expect(existsSync(profile)).toBe(false);
    expect(existsSync(path.dirname(profile))).toBe(false);
  });

  it('the command line starts Chromium before the pipeline has loaded, and closes it when the manuscript has errors', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(ROOT, 'bin/banmian.js'), ...args], { cwd: ROOT, env: { ...process.env, BANMIAN_DEBUG: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const good = manuscript('cli-good');
    const ok = await run(['build', good, '--out', path.join(path.dirname(good), 'out')]);
    expect(ok.code, ok.stderr).toBe(0);
    const lines = ok.stderr.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/launching Chromium/)).toBeGreaterThanOrEqual(0);
    // "build" is traced when build() begins: after its modules (zod, unified, pdf-lib…) have loaded
    expect(at(/\] build$/)).toBeGreaterThan(at(/launching Chromium/));
    expect(existsSync(path.join(path.dirname(good), 'out', 'page-01.pdf'))).toBe(true);

    // a manuscript error: Chromium was started at once all the same, and must not outlive the run
    const bad = manuscript('cli-bad');
    writeFileSync(path.join(bad, 'edition.yaml'), 'paper: 测试报\ndate: 2024-05-01\npages:\n  - number: 1\n    name: 要闻\n    articles:\n      - missing.md\n');
    const failed = await run(['build', bad, '--out', path.join(path.dirname(bad), 'out')]);
    expect(failed.code, failed.stderr).toBe(1);
    const launched = /Chromium launched \(pid (\d+)\)/.exec(failed.stderr);
    expect(launched, failed.stderr).not.toBeNull();
    expect(groupMembers(Number(launched![1]))).toEqual([]);
  });
});
