/**
 * The preview shows each page as a picture of its PDF (poppler's pdftoppm):
 * what the browser shows is exactly what will print — same fonts, same line
 * breaks, same PDF — whatever browser the user has. Diagnostics are drawn
 * over it as HTML boxes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function pdfPageToPng(pdf: Uint8Array, dpi: number): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'banmian-preview-'));
  try {
    const file = path.join(dir, 'page.pdf');
    await writeFile(file, pdf);
    try {
      await run('pdftoppm', ['-r', String(dpi), '-f', '1', '-l', '1', '-png', '-singlefile', file, path.join(dir, 'page')]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('pdftoppm is missing: install poppler-utils (apt-get install poppler-utils)');
      throw error;
    }
    return await readFile(path.join(dir, 'page.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
