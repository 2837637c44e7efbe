/**
 * The command line: picks the command and maps outcomes to exit codes
 * (0 ok, 1 manuscript errors or a failed check, 2 wrong usage).
 */
import { ManuscriptError, UsageError, formatDiagnostic, type Diagnostic } from '../diagnostics/index.ts';
import { buildCommand } from './build-command.ts';

const HELP = `Usage: banmian <command> [options]

Commands:
  build <input>      typeset a manuscript folder or .md file into PDF pages
  check <pdf>        check a PDF's typography against clreq, line by line
  proof <input>      proof PDFs (校样) with findings marked, and a proof report
  preview <input>    live preview on 127.0.0.1, re-laid out on every save
  archive <input>    store an edition in an archive; archive search / verify

Run "banmian <command> --help" for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  build: async () => buildCommand,
  check: async () => (await import('../check/index.ts')).runCheckCommand,
  proof: async () => (await import('../proof/index.ts')).runProofCommand,
  preview: async () => (await import('../preview/index.ts')).runPreviewCommand,
  archive: async () => (await import('./archive-command.ts')).archiveCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const { VERSION } = await import('../pipeline/index.ts');
    console.log(VERSION);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`banmian: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  // With --json, a failure that is not a manuscript diagnostic is still one JSON object on stdout.
  const json = rest.includes('--json');
  const report = (ruleId: string, message: string, diagnostics?: Diagnostic[]) => {
    if (json) {
      const list = diagnostics ?? [{ file: rest.find((a) => !a.startsWith('-')) ?? '', line: null, column: null, severity: 'error' as const, ruleId, message }];
      console.log(JSON.stringify({ ok: false, outputs: [], diagnostics: list }, null, 2));
    } else if (diagnostics) {
      for (const d of diagnostics) console.error(formatDiagnostic(d));
    } else {
      console.error(`banmian ${name}: ${message}`);
    }
  };
  try {
    return await (await load())(rest);
  } catch (error) {
    const message = String((error as Error)?.message ?? error);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      report('usage', message);
      return 2;
    }
    if (error instanceof ManuscriptError) {
      report('manuscript', message, error.diagnostics);
      return 1;
    }
    // Anything else is our fault or the machine's (no Chromium, disk full): one line, no stack trace unless asked.
    report('internal-error', `${message}${process.env.BANMIAN_DEBUG ? '' : ' (set BANMIAN_DEBUG=1 for details)'}`);
    if (process.env.BANMIAN_DEBUG) console.error((error as Error).stack);
    return 1;
  }
}
