/**
 * Rebuilds in one process: build() with a build cache lays out and prints only
 * the pages whose inputs changed, and writes what a build without the cache
 * writes, byte for byte; `banmian build --watch` rebuilds on a save, keeps the
 * last good PDFs when a rebuild fails, and leaves no Chromium when stopped.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { build, createBuildCache } from '../../src/pipeline/index.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { ROOT } from '../helpers/cli.ts';
import { scratchIn } from '../helpers/scratch.ts';

const session = new BrowserSession();
afterAll(() => session.close());

const pageText = (pdf: string) => execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });

describe('build cache', () => {
  it('a rebuild lays out only the changed page, and writes what a build without the cache writes', async () => {
    const dir = scratchIn('watch', 'cache');
    const input = path.join(dir, 'm');
    cpSync(path.join(ROOT, 'manuscript'), input, { recursive: true });
    const cache = createBuildCache();
    const first = await build(input, { outDir: path.join(dir, 'a'), session, cache });
    expect(first.ok).toBe(true);
    expect(first.pages!.map((p) => p.cached)).toEqual([false, false, false, false]);
    const before = pageText(path.join(dir, 'a', 'page-03.pdf'));

    // one paragraph of the seed feature (page 3) changes
    const file = path.join(input, 'seed.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('星光不问赶路人', '星光不问赶路人，也照归家人'));
    const written = (name: string) => statSync(path.join(dir, 'a', name)).mtimeMs;
    const [page1, page3] = [written('page-01.pdf'), written('page-03.pdf')];
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await build(input, { outDir: path.join(dir, 'a'), session, cache });
    expect(second.ok).toBe(true);
    expect(second.pages).toEqual([
      { page: '1', cached: true },
      { page: '2', cached: true },
      { page: '3', cached: false },
      { page: '4', cached: true },
    ]);
    expect(second.timings!.map((t) => t.page)).toEqual(['3']);
    expect(cache.pages.size).toBe(4); // the first build's page 3 is gone from the cache
    // only the changed files are written again
    expect(written('page-01.pdf')).toBe(page1);
    expect(written('page-03.pdf')).not.toBe(page3);

    expect(pageText(path.join(dir, 'a', 'page-03.pdf'))).not.toBe(before);

    // a picture of page 3 saved again with other bytes but the same size in pixels (a text chunk added):
    // its article's HTML stays the same, the page is still made again
    const picture = path.join(input, 'img', 'helicopter.png');
    const png = readFileSync(picture);
    const type = Buffer.from('tEXt');
    const data = Buffer.from('Comment\0saved again');
    const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    const chunk = Buffer.concat([u32(data.length), type, data, u32(crc32(Buffer.concat([type, data])))]);
    writeFileSync(picture, Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)])); // after the signature and IHDR
    // and a page PDF deleted meanwhile is written again, though its page came from the cache
    rmSync(path.join(dir, 'a', 'page-04.pdf'));
    const third = await build(input, { outDir: path.join(dir, 'a'), session, cache });
    expect(third.pages!.filter((p) => !p.cached).map((p) => p.page)).toEqual(['3']);
    expect(existsSync(path.join(dir, 'a', 'page-04.pdf'))).toBe(true);

    // a build without the cache writes the same files, byte for byte
    const fresh = await build(input, { outDir: path.join(dir, 'b'), session });
    expect(fresh.ok).toBe(true);
    const a = readdirSync(path.join(dir, 'a')).filter((f) => f.endsWith('.pdf')).sort();
    expect(readdirSync(path.join(dir, 'b')).filter((f) => f.endsWith('.pdf')).sort()).toEqual(a);
    for (const name of a) expect(readFileSync(path.join(dir, 'a', name)).equals(readFileSync(path.join(dir, 'b', name))), name).toBe(true);
  }, 180_000);
});

/** The command line with --watch --json: one JSON object per build on stdout. */
function watchProcess(input: string, out: string) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'banmian.js'), 'build', input, '--out', out, '--watch', '--json'], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const builds: { ok: boolean; rebuilt: string[]; cached: string[]; diagnostics: { ruleId: string; line: number | null }[] }[] = [];
  let buffer = '';
  let stderr = '';
  const waiting: (() => void)[] = [];
  child.stdout.on('data', (d) => {
    buffer += d;
    let end: number;
    while ((end = buffer.indexOf('\n')) !== -1) {
      builds.push(JSON.parse(buffer.slice(0, end)));
      buffer = buffer.slice(end + 1);
    }
    for (const check of [...waiting]) check();
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    builds,
    exited,
    stderr: () => stderr,
    /**
     * Resolves with the index of the first build from the `from`-th (0-based) on that rebuilt a page or
     * failed: the build a save started. One save may reach the watch as more than one burst of file
     * events (sed -i's temporary file, then its rename, further apart than the debounce on a loaded
     * machine); the builds it starts beyond the first find nothing changed, and the test checks that
     * they say so.
     */
    changed: (from: number) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no build from the ${from + 1}th on changed anything within 90 s; stderr: ${stderr}`)), 90_000);
        const check = () => {
          const at = builds.findIndex((b, i) => i >= from && (!b.ok || b.rebuilt.length > 0));
          if (at === -1) return;
          clearTimeout(timer);
          waiting.splice(waiting.indexOf(check), 1);
          const between = builds.slice(from, at).filter((b) => !b.ok || b.rebuilt.length > 0);
          if (between.length) reject(new Error(`a build between saves rebuilt a page or failed: ${JSON.stringify(between)}`));
          else resolve(at);
        };
        waiting.push(check);
        check();
      }),
  };
}

describe('build --watch', () => {
  it('rebuilds on a save, keeps the last good PDFs when a rebuild fails, and stops on Ctrl-C without leaving Chromium', async () => {
    const dir = scratchIn('watch', 'cli');
    const input = path.join(dir, 'story.md');
    const text = (body: string) => `---\ntitle: 江边的早市\n---\n\n${body}\n`;
    writeFileSync(input, text('清晨六点，江边的早市已经热闹起来。卖菜的老人把青菜摆得整整齐齐。'));
    const out = path.join(dir, 'out');
    const w = watchProcess(input, out);
    let chromium: number[] = [];
    try {
      expect(await w.changed(0)).toBe(0);
      expect(w.builds[0]!.ok).toBe(true);
      expect(w.builds[0]!.rebuilt).toEqual(['1']);
      const good = readFileSync(path.join(out, 'page-01.pdf'));

      // edited with sed -i, twice in a row: a new file renamed over the old one, as many editors save
      execFileSync('sed', ['-i', 's/卖菜的老人把青菜摆得整整齐齐。/卖鱼的摊主刚从船上回来。/', input]);
      const second = await w.changed(1);
      expect(w.builds[second]!.ok).toBe(true);
      expect(w.builds[second]!.rebuilt).toEqual(['1']);
      const pdftext = execFileSync('pdftotext', [path.join(out, 'page-01.pdf'), '-'], { encoding: 'utf8' }).replace(/\s/g, '');
      expect(pdftext).toContain('卖鱼的摊主');
      const secondPdf = readFileSync(path.join(out, 'page-01.pdf'));
      expect(secondPdf.equals(good)).toBe(false);

      // a picture that does not exist: the rebuild fails with its position, the PDFs stay as they were
      execFileSync('sed', ['-i', 's/卖鱼的摊主刚从船上回来。/\\n\\n![早市](img\\/none.png)/', input]);
      const third = w.builds[await w.changed(second + 1)]!;
      expect(third.ok).toBe(false);
      expect(third.diagnostics.some((d) => d.ruleId === 'image-missing' && d.line === 7), JSON.stringify(third.diagnostics)).toBe(true);
      expect(readFileSync(path.join(out, 'page-01.pdf')).equals(secondPdf)).toBe(true);
    } finally {
      // the watch's Chromium, started once for all three builds, runs until the watch stops
      chromium = execFileSync('ps', ['-eo', 'pid,ppid'], { encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim().split(/\s+/).map(Number))
        .filter(([, ppid]) => ppid === w.child.pid)
        .map(([pid]) => pid!);
      w.child.kill('SIGINT');
    }
    expect(await w.exited).toBe(0);
    expect(chromium.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // (a killed process whose parent has gone may stay a zombie until PID 1 reaps it: it is not running)
    const alive = chromium.filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  }, 240_000);
});
