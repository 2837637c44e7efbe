/** Reading printed PDFs for the layout tests: text lines with boxes (pdftotext -bbox-layout) and image rectangles (mutool trace). */
import { execFileSync } from 'node:child_process';

export interface PdfLine {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface PdfRect {
  page: number;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

export function pdfLines(file: string): PdfLine[] {
  const xml = execFileSync('pdftotext', ['-bbox-layout', file, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const out: PdfLine[] = [];
  let page = 0;
  for (const chunk of xml.split(/<page /).slice(1)) {
    page++;
    for (const m of chunk.matchAll(/<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([\s\S]*?)<\/line>/g)) {
      const words = [...m[5]!.matchAll(/<word[^>]*>([^<]*)<\/word>/g)].map((w) => decode(w[1]!));
      out.push({ page, text: words.join(''), xMin: +m[1]!, yMin: +m[2]!, xMax: +m[3]!, yMax: +m[4]! });
    }
  }
  return out;
}

export function pdfImages(file: string): PdfRect[] {
  const xml = execFileSync('mutool', ['trace', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const out: PdfRect[] = [];
  let page = 0;
  for (const line of xml.split('\n')) {
    if (line.includes('<page ')) page++;
    const m = line.match(/<fill_image[^>]*transform="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"/);
    if (!m) continue;
    const [a, , , d, e, f] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    out.push({ page, xMin: Math.min(e, e + a), xMax: Math.max(e, e + a), yMin: Math.min(f, f + d), yMax: Math.max(f, f + d) });
  }
  return out;
}

export function pdfText(file: string): string {
  return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
}

export const squeeze = (s: string) => s.replace(/\s+/g, '');

/** Words (runs of characters without a gap) with their boxes; pdftotext never joins words across a column gutter. */
export function pdfWords(file: string): PdfLine[] {
  const xml = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const out: PdfLine[] = [];
  let page = 0;
  for (const chunk of xml.split(/<page /).slice(1)) {
    page++;
    for (const m of chunk.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
      out.push({ page, text: decode(m[5]!), xMin: +m[1]!, yMin: +m[2]!, xMax: +m[3]!, yMax: +m[4]! });
    }
  }
  return out;
}
