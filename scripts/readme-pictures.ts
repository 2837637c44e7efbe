/**
 * `npm run pictures`: regenerates the README's pictures in docs/img/.
 *
 *   page-1.png … page-4.png        the sample edition (manuscript/), built with the
 *                                  real pipeline and rendered with `pdftoppm -r 60`
 *   typography-before.png / -after the seed article's body in a 13-character column,
 *                                  bare Chromium CSS vs Banmian (tests/typography/harness.ts),
 *                                  cropped to the same part of the column in both
 *
 * Needs Chromium (as for `banmian build`) and poppler's pdftoppm.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from '../src/pipeline/index.ts';
import { BrowserSession } from '../src/print/index.ts';
import { markdownToHtml, printColumns } from '../tests/typography/harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const IMG = path.join(ROOT, 'docs/img');

/** Page pictures: 60 dpi (a broadsheet page comes out about 920 × 1290 px). */
const PAGE_DPI = 60;

/**
 * Typography pictures: one 13-character column (9 pt type on a 14 pt pitch, the harness
 * defaults), 160 dpi, cropped to the column's first 20 lines: a white border of 15 px above and
 * on both sides, and at the foot 3 px (the 2.5 pt above the 21st line's glyphs, 6 px, less what the
 * tallest glyphs reach into it: measured), so no line is cut in half.
 * The harness puts the column at the page's 12 mm margin, top left, in both PDFs.
 */
const COLUMN_CHARS = 13;
const TYPO_DPI = 160;
const PAGE_MARGIN_MM = 12;
const BODY_PT = 9;
const PITCH_PT = 14;
const LINES = 20;
const BORDER_PX = 15;

const px = (pt: number) => Math.round((pt / 72) * TYPO_DPI);
const mmToPt = (mm: number) => (mm / 25.4) * 72;

function pdftoppm(args: string[], pdf: string, target: string): void {
  // Render next to the target under a temporary name, then rename, so a failed run never leaves half a file.
  const prefix = `${target}.tmp-${process.pid}`;
  execFileSync('pdftoppm', [...args, '-png', '-singlefile', pdf, prefix], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(`${prefix}.png`, `${target}.png`);
}

/** The crop's edge that has ink on it (a glyph cut in half), or undefined when all four edges are white. */
function cropCutsInk(pdf: string, args: string[], prefix: string): string | undefined {
  execFileSync('pdftoppm', [...args, '-gray', '-singlefile', pdf, prefix]);
  const pgm = readFileSync(`${prefix}.pgm`);
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.toString('latin1', 0, 40));
  if (!header) throw new Error('pdftoppm -gray did not write a PGM');
  const [w, h] = [Number(header[1]), Number(header[2])];
  const at = (x: number, y: number) => pgm[header[0].length + y * w + x]!;
  const inked = (points: [number, number][]) => points.some(([x, y]) => at(x, y) < 240);
  const range = (n: number) => [...Array(n).keys()];
  if (inked(range(w).map((x) => [x, 0]))) return 'top';
  if (inked(range(w).map((x) => [x, h - 1]))) return 'bottom';
  if (inked(range(h).map((y) => [0, y]))) return 'left';
  if (inked(range(h).map((y) => [w - 1, y]))) return 'right';
  return undefined;
}

function pngSize(file: string): string {
  const b = readFileSync(file);
  return `${b.readUInt32BE(16)} × ${b.readUInt32BE(20)}`;
}

async function pages(session: BrowserSession, work: string): Promise<void> {
  const t = performance.now();
  const outDir = path.join(work, 'edition');
  const result = await build(path.join(ROOT, 'manuscript'), { outDir, session });
  const counts = { error: 0, warning: 0 };
  for (const d of result.diagnostics) {
    if (d.severity === 'error' || d.severity === 'warning') {
      counts[d.severity]++;
      console.error(`  ${d.file}:${d.line ?? 0}:${d.column ?? 0} ${d.severity} ${d.ruleId} ${d.message}`);
    }
  }
  if (!result.ok) throw new Error(`the sample edition did not build (${counts.error} errors)`);
  const pdfs = result.outputs.filter((o) => o.kind === 'page').map((o) => o.path);
  if (pdfs.length === 0) throw new Error('the build wrote no page PDFs');
  console.log(`built the sample edition: ${pdfs.length} pages, ${counts.warning} warnings, ${((performance.now() - t) / 1000).toFixed(1)} s`);
  for (const [i, pdf] of pdfs.entries()) {
    const target = path.join(IMG, `page-${i + 1}`);
    pdftoppm(['-r', String(PAGE_DPI), '-f', '1', '-l', '1'], pdf, target);
    console.log(`  docs/img/page-${i + 1}.png  ${pngSize(`${target}.png`)}`);
  }
}

async function typography(session: BrowserSession, work: string): Promise<void> {
  const t = performance.now();
  // The seed article's body: the transform drops the front matter.
  const { html } = await markdownToHtml(readFileSync(path.join(ROOT, 'manuscript/seed.md'), 'utf8'));
  const crop = [
    '-x', String(px(mmToPt(PAGE_MARGIN_MM)) - BORDER_PX),
    '-y', String(px(mmToPt(PAGE_MARGIN_MM)) - BORDER_PX),
    '-W', String(px(COLUMN_CHARS * BODY_PT) + 2 * BORDER_PX),
    '-H', String(px(LINES * PITCH_PT) + BORDER_PX + px((PITCH_PT - BODY_PT) / 2) - 3),
  ];
  for (const [name, banmian] of [['before', false], ['after', true]] as const) {
    const { pdf } = await printColumns(session, { html, widths: [COLUMN_CHARS], banmian, bodyPt: BODY_PT, pitchPt: PITCH_PT, out: path.join(work, `seed-${name}.pdf`) });
    const target = path.join(IMG, `typography-${name}`);
    const args = ['-r', String(TYPO_DPI), '-f', '1', '-l', '1', ...crop];
    const cut = cropCutsInk(pdf, args, path.join(work, `seed-${name}`));
    if (cut) throw new Error(`typography-${name}: the crop cuts through text at its ${cut} edge (did the harness's page margin or type size change?); docs/img/typography-${name}.png not written`);
    pdftoppm(args, pdf, target);
    console.log(`  docs/img/typography-${name}.png  ${pngSize(`${target}.png`)}`);
  }
  console.log(`typography pictures: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const started = performance.now();
const work = mkdtempSync(path.join(os.tmpdir(), 'banmian-pictures-'));
const session = new BrowserSession();
mkdirSync(IMG, { recursive: true });
try {
  await pages(session, work);
  await typography(session, work);
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await session.close();
  rmSync(work, { recursive: true, force: true });
}
