/**
 * Where a line of text sits on a PDF page: poppler's `pdftotext -bbox-layout`
 * gives every line's box. Used to point bookmarks at headlines when the
 * layout does not say where they are. Missing pdftotext is not an error: the
 * caller falls back to the top of the page.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TextLineBox {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()] ?? m,
  );

/** Text lines with their boxes (pt, y downward), per page (1-based); undefined when pdftotext is missing. */
export async function textLines(pdf: Uint8Array): Promise<TextLineBox[] | undefined> {
  const dir = await mkdtemp(path.join(tmpdir(), 'banmian-text-'));
  try {
    const file = path.join(dir, 'in.pdf');
    await writeFile(file, pdf);
    let stdout: string;
    try {
      ({ stdout } = await run('pdftotext', ['-bbox-layout', file, '-'], { maxBuffer: 64 * 1024 * 1024 }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const lines: TextLineBox[] = [];
    let page = 0;
    const re = /<page |<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([\s\S]*?)<\/line>/g;
    for (const m of stdout.matchAll(re)) {
      if (m[0] === '<page ') {
        page += 1;
        continue;
      }
      const words = [...m[5]!.matchAll(/<word[^>]*>([\s\S]*?)<\/word>/g)].map((w) => decode(w[1]!));
      lines.push({ page, text: words.join(''), xMin: +m[1]!, yMin: +m[2]!, xMax: +m[3]!, yMax: +m[4]! });
    }
    return lines;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const squash = (s: string) => s.replace(/\s+/g, '');

/** Top (pt from the page top) of the first line on page 1 that starts the given text. */
export function findTop(lines: TextLineBox[], text: string, page = 1): number | undefined {
  const needle = squash(text).slice(0, 6);
  if (!needle) return undefined;
  return lines.find((l) => l.page === page && squash(l.text).includes(needle))?.yMin;
}
