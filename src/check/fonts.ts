/** Rule: every font embedded, none of Type 3 (from poppler's `pdffonts`). */
import { runTool } from './run-tool.ts';
import type { FontInfo, FontSection } from './types.ts';

const TYPES = [
  'CID TrueType (OT)',
  'CID TrueType',
  'CID Type 0C (OT)',
  'CID Type 0C',
  'CID Type 0',
  'Type 1C (OT)',
  'Type 1C',
  'Type 1',
  'Type 3',
  'TrueType (OT)',
  'TrueType',
  'unknown',
];
const ROW = new RegExp(
  `^(.*?)\\s+(${TYPES.map((t) => t.replace(/[()]/g, '\\$&')).join('|')})\\s+(\\S+)\\s+(yes|no)\\s+(yes|no)\\s+(yes|no)\\s+(\\d+\\s+\\d+)\\s*$`,
);

export function parsePdffonts(output: string): FontInfo[] {
  const fonts: FontInfo[] = [];
  for (const line of output.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    fonts.push({
      name: m[1]!.trim(),
      type: m[2]!,
      encoding: m[3]!,
      embedded: m[4] === 'yes',
      subset: m[5] === 'yes',
      unicode: m[6] === 'yes',
      object: m[7]!.replace(/\s+/, ' '),
    });
  }
  return fonts;
}

export function fontViolations(fonts: FontInfo[]): FontSection {
  const violations: FontSection['violations'] = [];
  for (const f of fonts) {
    if (!f.embedded) violations.push({ ...f, reason: 'not embedded' });
    else if (f.type === 'Type 3') violations.push({ ...f, reason: 'Type 3 font (bitmap/procedure glyphs; print shops reject it)' });
  }
  return { fonts, violations };
}

export async function checkFonts(pdfPath: string): Promise<FontSection> {
  const out = await runTool('pdffonts', [pdfPath], 'install poppler-utils (apt-get install poppler-utils) so that `pdffonts` is on PATH');
  return fontViolations(parsePdffonts(out));
}
