/** `banmian build`: argument parsing and output only; the work is in pipeline/. */
import { parseArgs } from 'node:util';
import { formatDiagnostic, UsageError } from '../diagnostics/index.ts';
import { BrowserSession } from '../print/browser.ts';
import { prepareTab } from '../print/print-page.ts';

export const BUILD_HELP = `Usage: banmian build <input> [--out DIR] [--json] [--chrome PATH] [--bleed MM] [--crop-marks]

Typesets a manuscript and prints its pages to PDF.
  <input>                a manuscript folder (edition.yaml + article files) or one .md file
  --out DIR              where the PDFs go (default: dist)
  --json                 print one JSON object: { ok, outputs, diagnostics }
  --chrome PATH          the Chrome/Chromium to drive (default: BANMIAN_CHROME, then chromium on the PATH)
  --bleed MM             print-shop output: enlarge every page by MM millimetres of bleed (TrimBox/BleedBox set)
  --crop-marks           print-shop output: draw crop marks outside the trim

Exit status: 0 built (warnings allowed), 1 the manuscript has errors, 2 wrong usage.`;

export async function buildCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'dist' },
      json: { type: 'boolean', default: false },
      chrome: { type: 'string' },
      bleed: { type: 'string' },
      'crop-marks': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(BUILD_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`build takes one input, got ${positionals.length}\n\n${BUILD_HELP}`);
  const bleed = values.bleed === undefined ? undefined : Number(values.bleed.replace(/mm$/, ''));
  if (bleed !== undefined && !(Number.isFinite(bleed) && bleed >= 0 && bleed <= 20)) {
    throw new UsageError(`--bleed takes millimetres between 0 and 20 (e.g. --bleed 3), got "${values.bleed}"`);
  }
  // Chromium starts now, while the rest of Banmian (the pipeline and its packages) loads; the
  // build takes the session over and closes it once the pages are printed.
  const session = new BrowserSession({ chrome: values.chrome });
  prepareTab(session);
  let result: Awaited<ReturnType<typeof import('../pipeline/index.ts').build>>;
  try {
    const { build } = await import('../pipeline/index.ts');
    result = await build(positionals[0]!, {
      outDir: values.out!,
      session,
      handOverSession: true,
      bleed,
      cropMarks: values['crop-marks'],
    });
  } finally {
    await session.close();
  }
  if (process.env.BANMIAN_DEBUG) {
    // where a cold build's time went: stages, print steps, and ms since the process started
    const ms = (n: number | undefined) => Math.round(n ?? 0);
    const phases = Object.entries(result.phases ?? {}).map(([k, v]) => `${k} ${ms(v)}`).join(', ');
    console.error(`[banmian] phases: ${phases}; ${ms(performance.now())} ms since the process started`);
    for (const t of result.timings ?? []) console.error(`[banmian] page ${t.page}: load ${ms(t.load)}, layout ${ms(t.layout)}, check ${ms(t.check)}, pdf ${ms(t.pdf)}`);
  }
  if (values.json) {
    console.log(JSON.stringify({ ok: result.ok, outputs: result.outputs, diagnostics: result.diagnostics }, null, 2));
  } else {
    for (const d of result.diagnostics) console.error(formatDiagnostic(d));
    for (const o of result.outputs) console.log(o.path);
    if (!result.ok) console.error(`build failed: ${result.diagnostics.filter((d) => d.severity === 'error').length} error(s); no PDF was written`);
  }
  return result.ok ? 0 : 1;
}
