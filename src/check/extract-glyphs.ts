/** Reads every character's position from a PDF with mutool's structured text output. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './run-tool.ts';
import type { Glyph } from './types.ts';

export interface RawPage {
  page: number;
  width: number;
  height: number;
  glyphs: Glyph[];
}

const MUTOOL_HINT = 'install mupdf-tools (apt-get install mupdf-tools) so that `mutool` is on PATH';

export async function extractGlyphs(pdfPath: string): Promise<RawPage[]> {
  const dir = await mkdtemp(join(tmpdir(), 'banmian-check-'));
  try {
    const out = join(dir, 'page.stext');
    await runTool(
      'mutool',
      ['convert', '-F', 'stext', '-O', 'inhibit-spaces,mediabox-clip=no,preserve-whitespace', '-o', out, pdfPath],
      MUTOOL_HINT,
    );
    return parseStext(await readFile(out, 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w-]+)="([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** Parses mutool's stext XML (one element per line of output is not assumed). */
export function parseStext(xml: string): RawPage[] {
  const pages: RawPage[] = [];
  let page: RawPage | null = null;
  let horizontal = true;
  let font = '';
  let size = 0;
  for (const m of xml.matchAll(/<(page|line|font|char)\b([^>]*)>/g)) {
    const a = attrs(m[2]!);
    switch (m[1]) {
      case 'page':
        page = { page: pages.length + 1, width: Number(a.width), height: Number(a.height), glyphs: [] };
        pages.push(page);
        break;
      case 'line': {
        const dir = (a.dir ?? '1 0').split(/\s+/).map(Number);
        horizontal = (a.wmode ?? '0') === '0' && Math.abs((dir[0] ?? 1) - 1) < 0.01 && Math.abs(dir[1] ?? 0) < 0.01;
        break;
      }
      case 'font':
        font = decodeXml(a.name ?? '');
        size = Number(a.size ?? 0);
        break;
      case 'char': {
        if (!page) break;
        const q = (a.quad ?? '').split(/\s+/).map(Number);
        const xs = [q[0], q[2], q[4], q[6]].filter((v): v is number => Number.isFinite(v));
        const ys = [q[1], q[3], q[5], q[7]].filter((v): v is number => Number.isFinite(v));
        const x = Number(a.x);
        const y = Number(a.y);
        page.glyphs.push({
          page: page.page,
          ch: decodeXml(a.c ?? ''),
          x,
          y,
          x0: xs.length ? Math.min(...xs) : x,
          x1: xs.length ? Math.max(...xs) : x,
          top: ys.length ? Math.min(...ys) : y - size,
          bottom: ys.length ? Math.max(...ys) : y,
          size: size > 0 ? size : Math.max(1, (ys.length ? Math.max(...ys) - Math.min(...ys) : 10)),
          font,
          horizontal,
          line: -1,
        });
        break;
      }
    }
  }
  return pages;
}
