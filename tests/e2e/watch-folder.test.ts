/**
 * The manuscript watcher sees every save, also saves that replace the file
 * (sed -i, editors' safe save: a new file renamed over the old one), in a
 * manuscript folder with subfolders, and not the output written into it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchManuscript } from '../../src/parse/index.ts';
import { ROOT } from '../helpers/cli.ts';
import { scratchIn } from '../helpers/scratch.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watching a manuscript folder', () => {
  it('sees each of several saves by rename, in a folder with subfolders, and ignores the output folder', async () => {
    const dir = path.join(scratchIn('watch', 'folder'), 'm');
    cpSync(path.join(ROOT, 'manuscript'), dir, { recursive: true });
    let calls = 0;
    const watcher = watchManuscript(dir, async () => void calls++, { ignore: [path.join(dir, 'out')] });
    try {
      await pause(300);
      // (a save is one call, or more on a loaded machine: sed's temporary file and its rename can come
      // further apart than the debounce; a save that calls nothing is the failure)
      for (const [i, word] of ['甲', '乙', '丙'].entries()) {
        const before = calls;
        execFileSync('sed', ['-i', `s/星光不问赶路人/星光不问赶路人${word}/`, path.join(dir, 'seed.md')]);
        await pause(400);
        expect(calls, `save ${i + 1}`).toBeGreaterThan(before);
      }
      // a picture saved in the subfolder
      let before = calls;
      writeFileSync(path.join(dir, 'img', 'new.png'), 'x');
      await pause(400);
      expect(calls).toBeGreaterThan(before);
      // the build's own output inside the folder is not a change
      before = calls;
      mkdirSync(path.join(dir, 'out'));
      await pause(200);
      writeFileSync(path.join(dir, 'out', 'page-01.pdf'), 'x');
      await pause(400);
      expect(calls).toBe(before);
    } finally {
      await watcher.close();
    }
  });
});
