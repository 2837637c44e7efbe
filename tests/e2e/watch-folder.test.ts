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
      /** the calls once none has come for 300 ms (at most 10 s) */
      const settled = async () => {
        for (let waited = 0, seen = -1; waited < 10_000 && seen !== calls; waited += 300) {
          seen = calls;
          await pause(300);
        }
        return calls;
      };
      /** the calls once there are more than `before` (at most 10 s) */
      const after = async (before: number) => {
        for (let waited = 0; waited < 10_000 && calls <= before; waited += 50) await pause(50);
        return calls;
      };
      for (const [i, word] of ['甲', '乙', '丙'].entries()) {
        const before = await settled();
        execFileSync('sed', ['-i', `s/星光不问赶路人/星光不问赶路人${word}/`, path.join(dir, 'seed.md')]);
        expect(await after(before), `save ${i + 1}`).toBeGreaterThan(before);
      }
      // a picture saved in the subfolder
      let before = await settled();
      writeFileSync(path.join(dir, 'img', 'new.png'), 'x');
      expect(await after(before)).toBeGreaterThan(before);
      // the build's own output inside the folder is not a change
      before = await settled();
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
