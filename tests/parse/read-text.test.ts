/**
 * Manuscript files are read again only when their stat changed (a rebuild of a 16-page edition read
 * and decoded some forty unchanged files): the text read is always the file's text now.
 */
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManuscriptText } from '../../src/parse/read-text.ts';
import { scratchIn } from '../helpers/scratch.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 3_200));

describe('reading a manuscript file again', () => {
  it('gives the new text after a save that keeps the size and sets the modification time back', async () => {
    const file = path.join(scratchIn('read-text', 'same-size'), 'a.md');
    writeFileSync(file, '甲乙丙丁\n');
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(file, old, old);
    await settle();
    expect((await readManuscriptText(file, 'a.md')).text).toBe('甲乙丙丁\n');
    expect((await readManuscriptText(file, 'a.md')).text).toBe('甲乙丙丁\n'); // (from what was read)
    // the same number of bytes, the modification time as it was
    writeFileSync(file, '戊己庚辛\n');
    utimesSync(file, old, old);
    expect(statSync(file).size).toBe(13);
    expect((await readManuscriptText(file, 'a.md')).text).toBe('戊己庚辛\n');
    await settle();
    expect((await readManuscriptText(file, 'a.md')).text).toBe('戊己庚辛\n');
  }, 20_000);

  it('reports a file that went away, and gives its diagnostics as new objects each time', async () => {
    const dir = scratchIn('read-text', 'gone');
    const file = path.join(dir, 'b.md');
    writeFileSync(file, Buffer.from([0xb9, 0xfa, 0x0a])); // GBK, not UTF-8
    await settle();
    await readManuscriptText(file, 'b.md');
    const first = await readManuscriptText(file, 'b.md');
    expect(first.text).toBeUndefined();
    expect(first.diagnostics[0]!.ruleId).toBe('not-utf8');
    first.diagnostics[0]!.message = 'changed by a caller';
    expect((await readManuscriptText(file, 'b.md')).diagnostics[0]!.message).not.toBe('changed by a caller');
    writeFileSync(file, '好\n');
    expect((await readManuscriptText(file, 'b.md')).text).toBe('好\n');
    expect((await readManuscriptText(path.join(dir, 'none.md'), 'none.md')).diagnostics[0]!.ruleId).toBe('file-missing');
  }, 20_000);
});
