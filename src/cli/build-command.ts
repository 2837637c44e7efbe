/** `banmian build`: argument parsing and output only; the work is in pipeline/. */
import { parseArgs } from 'node:util';
import { formatDiagnostic, UsageError } from '../diagnostics/index.ts';
import { BrowserSession } from '../print/browser.ts';
import { prepareTab } from '../print/print-page.ts';

export const BUILD_HELP = `Usage: banmian build <input> [--out DIR] [--json] [--watch] [--chrome PATH] [--bleed MM] [--crop-marks]

Typesets a manuscript and prints its pages to PDF.
  <input>                a manuscript folder (edition.yaml + article files) or one .md file
  --out DIR              where the PDFs go (default: dist)
  --json                 print one JSON object: { ok, outputs, diagnostics }
  --watch                build, then build again on every save in the manuscript folder, in one
                         Chromium; pages whose inputs did not change are not laid out again.
                         A failed rebuild keeps the PDFs of the last good one. Ctrl-C stops.
                         With --json: one JSON object per build, one per line.
  --chrome PATH          the Chrome/Chromium to drive (default: BANMIAN_CHROME, then chromium on the PATH)
  --bleed MM             print-shop output: enlarge every page by MM millimetres of bleed (TrimBox/BleedBox set)
  --crop-marks           print-shop output: draw crop marks outside the trim

Exit status: 0 built (warnings allowed), 1 the manuscript has errors, 2 wrong usage.
With --watch: 0 when stopped.`;

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
      watch: { type: 'boolean', default: false },
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
  // (--watch: Ctrl-C stops the watch, which then closes Chromium)
  const session = new BrowserSession({ chrome: values.chrome, handleSignals: !values.watch });
  prepareTab(session);
  if (values.watch) return watchBuilds(positionals[0]!, { outDir: values.out!, session, bleed, cropMarks: values['crop-marks'], json: values.json });
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
    for (const t of result.timings ?? []) console.error(`[banmian] page ${t.page}: load ${ms(t.load)}, layout ${ms(t.layout)}, pdf and checks ${ms(t.pdf)}`);
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

/**
 * `build --watch`: one Chromium and one build cache for the whole run. Each save rebuilds; the
 * pages whose inputs did not change come from the cache (neither laid out nor printed again).
 */
async function watchBuilds(
  input: string,
  o: { outDir: string; session: BrowserSession; bleed?: number; cropMarks: boolean; json: boolean },
): Promise<number> {
  try {
    const [{ build, createBuildCache }, { watchManuscript, manuscriptFolder }] = await Promise.all([import('../pipeline/index.ts'), import('../parse/index.ts')]);
    const cache = createBuildCache();
    let first = true;
    const once = async () => {
      const started = performance.now();
      const result = await build(input, { outDir: o.outDir, session: o.session, cache, bleed: o.bleed, cropMarks: o.cropMarks });
      const seconds = (performance.now() - started) / 1000;
      const pages = result.pages ?? [];
      const rebuilt = pages.filter((p) => !p.cached).map((p) => p.page);
      const cached = pages.filter((p) => p.cached).map((p) => p.page);
      if (o.json) {
        console.log(JSON.stringify({ ok: result.ok, outputs: result.outputs, diagnostics: result.diagnostics, rebuilt, cached, seconds: Math.round(seconds * 1000) / 1000 }));
      } else {
        const at = new Date().toLocaleTimeString('en-GB');
        for (const d of result.diagnostics) console.error(formatDiagnostic(d));
        if (!result.ok) {
          const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
          console.log(`[${at}] build failed: ${errors} error(s); ${first ? 'no PDF was written' : 'the PDFs of the last good build are kept'}`);
        } else {
          const what = first ? `built ${pages.length} page(s)` : rebuilt.length ? `rebuilt page(s) ${rebuilt.join(', ')}` : 'nothing changed on the pages';
          const files = result.outputs.filter((f) => f.kind === 'edition' || rebuilt.includes(f.page ?? '')).map((f) => f.path);
          console.log(`[${at}] ${what} in ${seconds.toFixed(2)} s${!first && cached.length ? ` (${cached.length} unchanged)` : ''}: ${files.join(', ')}`);
        }
      }
      first = false;
    };
    // Watching starts before the first build, so that a save during it starts a rebuild after it. A
    // rebuild that fails for a reason outside the manuscript (Chromium gone, disk full) is reported
    // and the watch goes on; such a failure of the first build ends the command.
    let firstError: unknown;
    const watcher = watchManuscript(
      input,
      () =>
        once().catch((error) => {
          if (first) firstError = error;
          else console.error(`[${new Date().toLocaleTimeString('en-GB')}] build failed: ${(error as Error).message}`);
        }),
      // the PDFs written into the manuscript folder (--out inside it) are not a change to rebuild for
      { ignore: [o.outDir] },
    );
    await watcher.trigger();
    if (firstError !== undefined) {
      await watcher.close();
      throw firstError;
    }
    if (!o.json) console.log(`watching ${manuscriptFolder(input)} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await watcher.close();
    return 0;
  } finally {
    await o.session.close();
  }
}
