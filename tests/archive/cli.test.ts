import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveInput, runArchiveCommand } from '../../src/archive/index.ts';
import { type Rendered, inputA, renderFixtures, tempArchive, removeTempArchives } from './fixture.ts';

afterAll(removeTempArchives);

let fx: Rendered;
beforeAll(async () => {
  fx = await renderFixtures();
});

/** runArchiveCommand with captured output and a fake build that returns the fixture edition. */
async function run(argv: string[], input?: () => ArchiveInput): Promise<{ code: number; out: string; err: string; built: string[] }> {
  let out = '';
  let err = '';
  const built: string[] = [];
  const code = await runArchiveCommand(argv, {
    build: async (inp, outDir) => {
      built.push(inp);
      expect((await fs.stat(outDir)).isDirectory()).toBe(true);
      return (input ?? (() => inputA(fx)))();
    },
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    color: false,
  });
  return { code, out, err, built };
}

describe('runArchiveCommand', () => {
  it('archives, searches and verifies with exit code 0', async () => {
    const to = await tempArchive();
    const a = await run(['manuscript', '--to', to]);
    expect(a).toMatchObject({ code: 0, err: '', built: ['manuscript'] });
    expect(a.out).toMatch(/^added: .*株洲日报\/2021\/12\/28\n/);
    expect(a.out).toContain('PDF/A-2b:');

    const again = await run(['manuscript', '--to', to, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ status: 'unchanged', pdfa: { textPreserved: true } });

    const s = await run(['search', '退休民警', '--to', to]);
    expect(s.code).toBe(0);
    expect(s.out).toContain('2021-12-28  株洲日报 总第12345期  第1版  退休民警义务巡逻二十年');
    expect(s.out).toContain('【退休民警】');

    const short = await run(['search', '民警', `--to=${to}`, '--json']);
    expect(short.code).toBe(0);
    const hits = JSON.parse(short.out).hits as { title: string; snippet: string }[];
    expect(hits.map((h) => h.title)).toEqual(['退休民警义务巡逻二十年']);
    expect(hits[0]!.snippet).toContain('【民警】');

    const none = await run(['search', '不存在', '--to', to]);
    expect(none).toMatchObject({ code: 0, out: 'no articles match "不存在"\n' });

    const v = await run(['verify', '--to', to]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^ok: 10 files checked/);
  });

  it('highlights with ANSI colours on a terminal', async () => {
    const to = await tempArchive();
    await run(['m', '--to', to]);
    let out = '';
    const code = await runArchiveCommand(['search', '民警', '--to', to], {
      build: async () => inputA(fx),
      stdout: (t) => (out += t),
      stderr: () => undefined,
      color: true,
    });
    expect(code).toBe(0);
    expect(out).toContain('\x1b[1;31m民警\x1b[0m');
  });

  it('exits 1 when verify finds a problem or archiving fails', async () => {
    const to = await tempArchive();
    await run(['m', '--to', to]);
    const dir = path.join(to, '株洲日报', '2021', '12', '28');
    await fs.appendFile(path.join(dir, 'articles.json'), ' ');
    await fs.rm(path.join(dir, 'pages', '1.pdf'));
    const v = await run(['verify', '--to', to]);
    expect(v.code).toBe(1);
    expect(v.out).toContain('changed  株洲日报/2021/12/28/articles.json');
    expect(v.out).toContain('missing  株洲日报/2021/12/28/pages/1.pdf');
    const vj = await run(['verify', '--to', to, '--json']);
    expect(vj.code).toBe(1);
    expect(JSON.parse(vj.out)).toMatchObject({ ok: false, missing: ['株洲日报/2021/12/28/pages/1.pdf'] });

    const failing = await run(['m', '--to', to], () => inputA(fx, { editionPdf: '/nonexistent/edition.pdf' }));
    expect(failing.code).toBe(1);
    expect(failing.err).toMatch(/edition PDF not found/);

    const throwing = await runArchiveCommand(['m', '--to', to], {
      build: async () => {
        throw new Error('build broke');
      },
      stdout: () => undefined,
      stderr: (t) => expect(t).toContain('build broke'),
    });
    expect(throwing).toBe(1);

    const noIndex = await run(['search', '民警', '--to', await tempArchive()]);
    expect(noIndex.code).toBe(1);
    expect(noIndex.err).toMatch(/no archive index/);
  });

  it('exits 2 on usage errors and 0 for --help', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('banmian archive search');
    for (const argv of [
      [],
      ['manuscript'],
      ['manuscript', '--to'],
      ['search', '--to', '/tmp/x'],
      ['verify', 'extra', '--to', '/tmp/x'],
      ['manuscript', 'other', '--to', '/tmp/x'],
      ['manuscript', '--to', '/tmp/x', '--bogus'],
      ['search', '民警', '--to', '/tmp/x', '--limit', 'zero'],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain('Usage:');
      expect(r.built).toEqual([]);
    }
  });
});
