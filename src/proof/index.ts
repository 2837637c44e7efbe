/** `banmian proof`: proof PDFs (校样) with every finding marked, and a proof report. */
import { parseArgs } from 'node:util';
import { UsageError } from '../diagnostics/index.ts';
import { BrowserSession } from '../print/index.ts';
import { formatFinding, terminalReport } from './report.ts';
import { runProof } from './run-proof.ts';

export { runProof, type ProofOptions } from './run-proof.ts';
export { renderEdition, type RenderedEdition, type RenderedPage, type PageCache } from './render-pages.ts';
export type { ProofReport } from './report.ts';

export const PROOF_HELP = `Usage: banmian proof <input> [--out DIR] [--json] [--since PDF|REV] [--number N] [--chrome PATH]

Writes proof PDFs (校样): a "校样" watermark and stamp (edition, page, proof
number, time), margin line numbers per column (第3栏第12行), every finding
boxed where it happens and listed as a clickable PDF annotation; and a
report (terminal, proof.json, proof.html) with file:line:col of each finding.
  <input>               a manuscript folder (edition.yaml + articles) or one .md file
  --out DIR             where the proofs go (default: proof)
  --json                print the report as JSON
  --since PDF|REV       highlight paragraphs changed since a previous proof PDF (or any PDF)
                        or since a git revision of the manuscript (e.g. HEAD~1)
  --number N            proof number on the stamp (default: previous proof's + 1)
  --chrome PATH         the Chrome/Chromium to drive

The stamp carries the time the proof was made: proofs, unlike editions, are not reproducible.
Exit status: 0 no errors found, 1 errors found (overset, missing images …), 2 wrong usage.`;

export async function runProofCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'proof' },
      json: { type: 'boolean', default: false },
      since: { type: 'string' },
      number: { type: 'string' },
      chrome: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(PROOF_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`proof takes one input, got ${positionals.length}\n\n${PROOF_HELP}`);
  const number = values.number === undefined ? undefined : Number(values.number);
  if (number !== undefined && !(Number.isInteger(number) && number > 0)) throw new UsageError(`--number takes a positive whole number, got "${values.number}"`);
  const session = new BrowserSession({ chrome: values.chrome });
  try {
    const report = await runProof(positionals[0]!, { outDir: values.out!, session, since: values.since, number });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.error(terminalReport(report));
      for (const o of report.outputs) console.log(o.path);
      if (report.outputs.length === 0) for (const f of report.diagnostics) console.error(formatFinding(f));
    }
    return report.ok ? 0 : 1;
  } finally {
    await session.close();
  }
}
