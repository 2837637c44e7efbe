import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveEdition, verifyArchive } from '../../src/archive/index.ts';
import { type Rendered, inputA, inputB, renderFixtures, tempArchive, removeTempArchives } from './fixture.ts';

afterAll(removeTempArchives);

let fx: Rendered;
beforeAll(async () => {
  fx = await renderFixtures();
});

async function twoEditions(): Promise<{ root: string; a: string; b: string }> {
  const root = await tempArchive();
  await archiveEdition(inputA(fx), root);
  const b = await archiveEdition(inputB(fx), root);
  return { root, a: path.join(path.dirname(b.dir), '第12345期'), b: b.dir };
}

describe('verifyArchive', () => {
  it('passes on an untouched archive and counts the files it re-hashed', async () => {
    const { root } = await twoEditions();
    const r = await verifyArchive(root);
    // A: manifest + 9 files, B: manifest + 6 files
    expect(r).toEqual({ ok: true, checked: 10 + 7, changed: [], missing: [], extra: [] });
  });

  it('reports a tampered file, a deleted one and an unexpected one', async () => {
    const { root, a, b } = await twoEditions();
    await fs.appendFile(path.join(a, 'manuscript', '01-退休民警.md'), '篡改\n');
    const pdf = path.join(b, 'edition.pdf');
    const bytes = await fs.readFile(pdf);
    bytes[bytes.length - 20] ^= 0xff; // same size, one byte flipped
    await fs.writeFile(pdf, bytes);
    await fs.rm(path.join(a, 'pages', '2.pdf'));
    await fs.writeFile(path.join(b, 'stray.txt'), 'not archived');
    await fs.writeFile(path.join(root, '株洲日报', 'README'), 'not archived either');

    const r = await verifyArchive(root);
    expect(r.ok).toBe(false);
    expect(r.changed).toEqual(['株洲日报/2021/12/28/第12345期/manuscript/01-退休民警.md', '株洲日报/2021/12/28/第12346期/edition.pdf']);
    expect(r.missing).toEqual(['株洲日报/2021/12/28/第12345期/pages/2.pdf']);
    expect(r.extra).toEqual(['株洲日报/2021/12/28/第12346期/stray.txt', '株洲日报/README']);
  });

  it('notices an edited manifest (hash kept in the index) and a whole edition gone', async () => {
    const { root, a, b } = await twoEditions();
    const mPath = path.join(a, 'manifest.json');
    const m = JSON.parse(await fs.readFile(mPath, 'utf8'));
    // someone "fixes" a hash in the manifest to hide a change
    m.files[0].sha256 = '0'.repeat(64);
    await fs.writeFile(mPath, `${JSON.stringify(m, null, 2)}\n`);
    await fs.rm(b, { recursive: true });

    const r = await verifyArchive(root);
    expect(r.ok).toBe(false);
    expect(r.changed).toContain('株洲日报/2021/12/28/第12345期/manifest.json');
    expect(r.changed).toContain(`株洲日报/2021/12/28/第12345期/${m.files[0].path}`);
    expect(r.missing).toEqual(['株洲日报/2021/12/28/第12346期/']);
  });

  it('reports an unreadable manifest without judging the files under it', async () => {
    const { root, a } = await twoEditions();
    await fs.writeFile(path.join(a, 'manifest.json'), '{ broken');
    const r = await verifyArchive(root);
    expect(r.changed).toEqual(['株洲日报/2021/12/28/第12345期/manifest.json']);
    expect(r.extra).toEqual([]);
    // and archiving onto that day is refused rather than guessed
    await expect(archiveEdition(inputB(fx, { issueNumber: 99 }), root)).rejects.toThrow(/unreadable manifest/);
  });
});
