/**
 * `banmian check`: reads the glyph positions of any PDF, rebuilds lines per
 * column and reports typographic figures and violations (clreq, GB/T 15834).
 */
import { access, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { extractGlyphs } from './extract-glyphs.ts';
import { checkFonts } from './fonts.ts';
import { buildLayout, pageText } from './layout.ts';
import { stripMarkdown } from './manuscript.ts';
import { evaluateRules, formatReport } from './report.ts';
import { checkBaselineGrid, mergeBaselineGrid } from './rules/baseline-grid.ts';
import { checkHanLatin, mergeHanLatin } from './rules/han-latin.ts';
import { checkLineEndPunctuation, mergeLineEndPunctuation } from './rules/line-end-punctuation.ts';
import { checkLooseLines, mergeLooseLines } from './rules/loose-lines.ts';
import { checkOrphans, mergeOrphans } from './rules/orphans.ts';
import { checkOutsidePage, mergeOutside } from './rules/outside-page.ts';
import { checkOverlaps, mergeOverlaps } from './rules/overlaps.ts';
import { checkProhibitions, mergeProhibitions } from './rules/prohibitions.ts';
import { ToolMissingError } from './run-tool.ts';
import { diffText } from './text-diff.ts';
import type { CheckOptions, CheckReport, PageLayout, PageReport } from './types.ts';

export type * from './types.ts';
export { stripMarkdown } from './manuscript.ts';
export { formatReport } from './report.ts';

function pageReport(layout: PageLayout): PageReport {
  return {
    page: layout.page,
    width: layout.width,
    height: layout.height,
    bodySize: layout.bodySize,
    columns: layout.columns.map((c) => ({
      column: c.index + 1,
      left: Math.round(c.left * 100) / 100,
      right: Math.round(c.right * 100) / 100,
      size: c.size,
      lines: c.lines.length,
      analysable: c.analysable,
    })),
    lines: layout.lines.length,
    prohibitions: checkProhibitions(layout),
    lineEndPunctuation: checkLineEndPunctuation(layout),
    looseLines: checkLooseLines(layout),
    hanLatin: checkHanLatin(layout),
    orphans: checkOrphans(layout),
    baselineGrid: checkBaselineGrid(layout),
    outsidePage: checkOutsidePage(layout),
    overlaps: checkOverlaps(layout),
  };
}

/** Analyses a PDF; rejects when the PDF cannot be read or a tool is missing. */
export async function checkPdf(pdfPath: string, options: CheckOptions = {}): Promise<CheckReport> {
  const [raw, fonts] = await Promise.all([extractGlyphs(pdfPath), checkFonts(pdfPath)]);
  const layouts = raw.map(buildLayout);
  const pages = layouts.map(pageReport);
  const text =
    options.manuscriptText === undefined
      ? null
      : diffText(layouts.map(pageText).join('\n'), options.manuscriptText, options.allowExtra ?? '');
  const base = {
    file: pdfPath,
    lang: options.lang ?? 'zh',
    pageCount: pages.length,
    prohibitions: mergeProhibitions(pages.map((p) => p.prohibitions)),
    lineEndPunctuation: mergeLineEndPunctuation(pages.map((p) => p.lineEndPunctuation)),
    looseLines: mergeLooseLines(pages.map((p) => p.looseLines)),
    hanLatin: mergeHanLatin(pages.map((p) => p.hanLatin)),
    orphans: mergeOrphans(pages.map((p) => p.orphans)),
    baselineGrid: mergeBaselineGrid(pages.map((p) => p.baselineGrid)),
    outsidePage: mergeOutside(pages.map((p) => p.outsidePage)),
    overlaps: mergeOverlaps(pages.map((p) => p.overlaps)),
    fonts,
    text,
    pages,
  };
  const rules = evaluateRules(base);
  return { ...base, rules, passed: rules.every((r) => r.passed) };
}

export const CHECK_USAGE = `Usage: banmian check <pdf> [--manuscript <md>] [--allow-extra <chars>] [--json]

Reads the glyph positions of a PDF and reports line-start/end prohibitions,
line-end half-width marks, loose lines, Han–Latin spacing, one-character last
lines, the baseline grid, fonts, text outside the page, overlapping text and,
with --manuscript, characters lost or added against the Markdown manuscript.

  --manuscript <md>     compare the PDF's characters with this Markdown file
  --allow-extra <chars> characters the PDF may add (page numbers, dates …)
  --json                print one JSON object instead of the table
  -h, --help            show this help

Exit code: 0 all rules met, 1 a rule broken, 2 usage error.`;

/** Strips the internal arrays that only serve merging pages. */
function forJson(report: CheckReport): unknown {
  return JSON.parse(
    JSON.stringify(report, (key, value) => (key === 'values' && Array.isArray(value) ? undefined : value)),
  );
}

/** Runs `banmian check`; `argv` holds the arguments after the subcommand. Returns the exit code. */
export async function runCheckCommand(argv: string[]): Promise<number> {
  const args = argv[0] === 'check' && argv.length > 1 ? argv.slice(1) : argv;
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        manuscript: { type: 'string' },
        'allow-extra': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`banmian check: ${(err as Error).message}\n\n${CHECK_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(
      `banmian check: ${positionals.length === 0 ? 'no PDF given' : `expected one PDF, got ${positionals.length}`}: pass the path of the PDF to check.\n\n${CHECK_USAGE}\n`,
    );
    return 2;
  }
  const pdf = positionals[0]!;
  try {
    await access(pdf);
  } catch {
    process.stderr.write(`banmian check: ${pdf} does not exist: pass the path of an existing PDF (build one with \`banmian build\`).\n`);
    return 2;
  }
  let manuscriptText: string | undefined;
  if (values.manuscript !== undefined) {
    try {
      manuscriptText = stripMarkdown(await readFile(values.manuscript, 'utf8'));
    } catch {
      process.stderr.write(`banmian check: cannot read the manuscript ${values.manuscript}: pass the path of an existing Markdown file to --manuscript.\n`);
      return 2;
    }
  }
  let report: CheckReport;
  try {
    report = await checkPdf(pdf, { manuscriptText, allowExtra: values['allow-extra'] });
  } catch (err) {
    if (err instanceof ToolMissingError) process.stderr.write(`banmian check: ${err.message}\n`);
    else process.stderr.write(`banmian check: cannot read ${pdf} as a PDF: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.json) process.stdout.write(`${JSON.stringify(forJson(report), null, 2)}\n`);
  else process.stdout.write(`${formatReport(report)}\n`);
  return report.passed ? 0 : 1;
}
