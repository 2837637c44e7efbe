/**
 * The command line: picks the command and maps outcomes to exit codes
 * (0 ok, 1 manuscript errors or a failed check, 2 wrong usage).
 */
import { ManuscriptError, UsageError, formatDiagnostic } from '../diagnostics/index.ts';
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
  try {
    return await (await load())(rest);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`banmian ${name}: ${(error as Error).message}`);
      return 2;
    }
    if (error instanceof ManuscriptError) {
      for (const d of error.diagnostics) console.error(formatDiagnostic(d));
      return 1;
    }
    console.error(`banmian ${name}: ${(error as Error).message}`);
    if (process.env.BANMIAN_DEBUG) console.error((error as Error).stack);
    return 1;
  }
}
