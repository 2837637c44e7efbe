/**
 * Faults: Chromium killed or frozen mid-build, two builds into one folder,
 * Ctrl-C. The build retries a page once on a fresh browser, then fails with a
 * clear message; no Chromium outlives it; the PDFs already in the output
 * folder stay as they were; no temporary files are left.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/pipeline/index.ts';
import { LOCK_NAME, lockFolder, writeAtomically } from '../../src/pipeline/write-outputs.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { BIN, descendants, group, pdfText, previousOutputs, processes, ROOT, runCli, scratch, snapshot, waitFor } from './helpers.ts';

const session = new BrowserSession();
afterAll(() => session.close());

function manuscript(name: string, paper = '测试报'): string {
  const dir = path.join(scratch(name), 'm');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'edition.yaml'), `paper: ${paper}\ndate: 2024-05-01\npages:\n  - number: 1\n    name: 要闻\n    articles:\n      - a.md\n`);
  writeFileSync(path.join(dir, 'a.md'), `---\ntitle: ${paper}头条新闻\n---\n\n${'这是一段用来测试的新闻正文，内容平常。'.repeat(8)}\n\n${'第二段也是正文。'.repeat(10)}\n`);
  return dir;
}

/** Kill every Chromium the session starts (up to `times`), recording each one's process group. */
function killer(times: number, signal: NodeJS.Signals = 'SIGKILL') {
  const killed: number[] = [];
  const groups: number[][] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop && killed.length < times) {
      const pid = session.pid();
      if (pid && !killed.includes(pid)) {
        groups.push(group(pid));
        process.kill(pid, signal);
        killed.push(pid);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { killed, groups, done: async () => ((stop = true), await loop) };
}

function noneAlive(pids: number[]): boolean {
  const all = processes();
  return pids.every((p) => !all.has(p));
}

describe('faults', () => {
  it('Chromium killed mid-build: the page is printed again on a fresh browser and the build succeeds', async () => {
    const m = manuscript('crash-once');
    const out = path.join(path.dirname(m), 'out');
    await session.restart(); // start from no browser, so the first one launched is the one printing
    const k = killer(1);
    const result = await build(m, { outDir: out, session });
    await k.done();
    expect(k.killed).toHaveLength(1);
    expect(result.ok, JSON.stringify(result.diagnostics)).toBe(true);
    expect(result.diagnostics.some((d) => d.ruleId === 'print-retried' && d.severity === 'info')).toBe(true);
    expect(pdfText(path.join(out, 'page-01.pdf'))).toContain('测试报头条新闻');
    await waitFor(() => noneAlive(k.groups.flat()), 10_000, 'the killed Chromium and its children to be gone');
  });

  it('Chromium killed again on the retry: a clear failure, previous PDFs unchanged, no Chromium left', async () => {
    const m = manuscript('crash-twice');
    const out = path.join(path.dirname(m), 'out');
    const before = previousOutputs(out);
    await session.restart();
    const k = killer(2);
    const result = await build(m, { outDir: out, session });
    await k.done();
    expect(k.killed).toHaveLength(2);
    expect(result.ok).toBe(false);
    const failure = result.diagnostics.find((d) => d.ruleId === 'print-failed');
    expect(failure, JSON.stringify(result.diagnostics)).toMatchObject({ severity: 'error' });
    expect(failure!.message).toMatch(/failed twice.*Chromium crashed or hung.*Nothing was written/);
    expect(snapshot(out)).toEqual(before);
    await waitFor(() => noneAlive(k.groups.flat()), 10_000, 'the killed Chromiums and their children to be gone');
  });

  it('Chromium frozen (SIGSTOP) mid-build: the hang times out, the page is retried, the frozen browser is killed', async () => {
    const m = manuscript('hang');
    const out = path.join(path.dirname(m), 'out');
    await session.restart();
    const k = killer(1, 'SIGSTOP');
    const started = Date.now();
    const result = await build(m, { outDir: out, session, printTimeout: 4_000 });
    await k.done();
    expect(k.killed).toHaveLength(1);
    expect(result.ok, JSON.stringify(result.diagnostics)).toBe(true);
    expect(result.diagnostics.some((d) => d.ruleId === 'print-retried')).toBe(true);
    expect(Date.now() - started).toBeLessThan(60_000);
    await waitFor(() => noneAlive(k.groups.flat()), 15_000, 'the frozen Chromium to be killed');
  });

  it('a session closed after a crash leaves no Chromium behind', async () => {
    const own = new BrowserSession();
    const m = manuscript('close-after-crash');
    const out = path.join(path.dirname(m), 'out');
    const result = await build(m, { outDir: out, session: own });
    expect(result.ok).toBe(true);
    const pid = own.pid()!;
    const members = group(pid);
    expect(members.length).toBeGreaterThan(1); // browser, zygote, renderer…
    await own.close();
    await waitFor(() => noneAlive(members), 10_000, 'all Chromium processes of the session to exit');
  });

  it('two builds into the same folder at once: each file is whole, and the folder holds one build’s set', async () => {
    const a = manuscript('concurrent-a', '甲报');
    const b = manuscript('concurrent-b', '乙报');
    const out = scratch('concurrent-out');
    const [ra, rb] = await Promise.all([
      runCli(['build', a, '--out', out, '--json'], { timeoutMs: 180_000 }),
      runCli(['build', b, '--out', out, '--json'], { timeoutMs: 180_000 }),
    ]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['edition.pdf', 'page-01.pdf']); // no *.tmp, no lock
    const page = pdfText(path.join(out, 'page-01.pdf'));
    const edition = pdfText(path.join(out, 'edition.pdf'));
    const paper = page.includes('甲报头条') ? '甲报' : '乙报';
    expect(page).toContain(`${paper}头条新闻`);
    expect(edition).toContain(`${paper}头条新闻`); // same build as the page
    for (const f of ['page-01.pdf', 'edition.pdf']) expect(readFileSync(path.join(out, f)).subarray(-6).toString('latin1')).toMatch(/%%EOF/);
  });

  it('a file given in pieces (the edition) is written as the pieces one after the other, empty ones and more than one writev takes included', () => {
    const out = scratch('pieces');
    const pieces = Array.from({ length: 2500 }, (_, i) => Uint8Array.from({ length: i % 7 }, (_, k) => (i * 7 + k) % 251));
    writeAtomically([{ path: path.join(out, 'edition.pdf'), data: pieces }]);
    const expected = Buffer.concat(pieces);
    expect(expected.length).toBeGreaterThan(5000);
    expect(readFileSync(path.join(out, 'edition.pdf')).equals(expected)).toBe(true);
    expect(readdirSync(out)).toEqual(['edition.pdf']);
  });

  it('a file written over another replaces it, and the old one’s descriptor (held open so that the rename does not free it) is closed', async () => {
    const out = scratch('over');
    const file = path.join(out, 'edition.pdf');
    writeAtomically([{ path: file, data: new Uint8Array(3_000_000).fill(1) }]);
    const open = () => readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } }).filter((l) => l.startsWith(out)).length;
    writeAtomically([{ path: file, data: new Uint8Array(2_000_000).fill(2) }]);
    const after = readFileSync(file);
    expect(after.length).toBe(2_000_000);
    expect(after.every((b) => b === 2)).toBe(true);
    expect(readdirSync(out)).toEqual(['edition.pdf']);
    // the old file's descriptor closes in the thread pool, a moment later
    await waitFor(() => open() === 0, 5_000, 'the old file to be closed');
  });

  it('the write lock makes a second writer wait, and a lock left by a dead process is taken over', async () => {
    const out = scratch('lock');
    const release = lockFolder(out);
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
      const { writeAtomically } = await import(${JSON.stringify(path.join(ROOT, 'src/pipeline/write-outputs.ts'))});
      console.error('writing');
      writeAtomically([{ path: ${JSON.stringify(path.join(out, 'page-01.pdf'))}, data: 'second writer' }]);
      console.error('written');
    `], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    await waitFor(() => err.includes('writing'), 60_000, 'the child to start writing');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(err).not.toContain('written');
    expect(existsSync(path.join(out, 'page-01.pdf'))).toBe(false);
    release();
    expect(await exited).toBe(0);
    expect(readFileSync(path.join(out, 'page-01.pdf'), 'utf8')).toBe('second writer');

    // a lock whose owner is gone, and its half-written temporary file
    writeFileSync(path.join(out, LOCK_NAME), '999999999\n');
    writeFileSync(path.join(out, '.page-01.pdf.999999999.0123abcd.tmp'), 'half');
    const again = lockFolder(out, 2_000);
    again();
    expect(readdirSync(out).sort()).toEqual(['page-01.pdf']);
  });

  it('Ctrl-C during a build closes the browser and leaves no partial files', async () => {
    const m = manuscript('sigint');
    const out = path.join(path.dirname(m), 'out');
    const before = previousOutputs(out);
    const tmp = path.join(path.dirname(m), 'tmp');
    mkdirSync(tmp);
    const child = spawn(process.execPath, [BIN, 'build', m, '--out', out], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
    // wait until Chromium runs under the build
    const chrome = await waitFor(() => {
      const all = processes();
      const kids = descendants(child.pid!, all).filter((p) => /chrom/i.test(all.get(p)!.cmd));
      return kids.length ? kids : undefined;
    }, 90_000, 'Chromium to start under the build');
    const members = [...new Set(chrome.flatMap((p) => group(p)))];
    child.kill('SIGINT');
    const end = await exited;
    expect(end.signal === 'SIGINT' || end.code === 130, JSON.stringify(end)).toBe(true);
    await waitFor(() => noneAlive([...chrome, ...members]), 10_000, 'Chromium to exit after Ctrl-C');
    expect(snapshot(out)).toEqual(before); // no new PDF, no *.tmp, no lock
    expect(readdirSync(tmp).filter((n) => n.startsWith('banmian'))).toEqual([]); // the browser profile is removed too (tsx keeps its cache there)
  });
});
