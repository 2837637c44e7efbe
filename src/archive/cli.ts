import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { searchArchive } from './search.ts';
import { archiveEdition, rebuildIndex } from './store.ts';
import type { ArchiveInput } from './types.ts';
import { verifyArchive } from './verify.ts';

export interface ArchiveCommandDeps {
  /** Builds the manuscript `input` into `outDir` and describes the result (the lead's pipeline). */
  build: (input: string, outDir: string) => Promise<ArchiveInput>;
  /** Output sinks; default process.stdout / process.stderr. */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Highlight matches with ANSI colours; default: stdout is a TTY and NO_COLOR is unset. */
  color?: boolean;
}

export const ARCHIVE_USAGE = `Usage:
  banmian archive <input> --to <dir> [--json]        build <input> and store the edition in <dir>
  banmian archive search <words…> --to <dir> [--limit N] [--json]
                                                     find articles containing all the words
  banmian archive verify --to <dir> [--json]         re-check every stored file against its manifest
  banmian archive reindex --to <dir>                 rebuild <dir>/archive.sqlite from the edition folders

Exit status: 0 ok (also when a search finds nothing), 1 failure or verify found problems, 2 usage error.
A manuscript folder literally called "search", "verify" or "reindex" can be given as ./search.`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  to?: string;
  json: boolean;
  limit?: number;
  help: boolean;
}

function parse(argv: string[]): Parsed {
  const out: Parsed = { positional: [], json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        out.help = true;
        break;
      case '--json':
        out.json = true;
        break;
      case '--to':
        out.to = value();
        break;
      case '--limit': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new UsageError('--limit needs a positive whole number');
        out.limit = n;
        break;
      }
      case '--':
        out.positional.push(...argv.slice(i + 1));
        i = argv.length;
        break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        out.positional.push(a);
    }
  }
  return out;
}

export async function runArchiveCommand(argv: string[], deps: ArchiveCommandDeps): Promise<number> {
  const stdout = deps.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = deps.stderr ?? ((t: string) => void process.stderr.write(t));
  const color = deps.color ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);

  let args: Parsed;
  try {
    args = parse(argv);
  } catch (err) {
    stderr(`banmian archive: ${(err as Error).message}\n\n${ARCHIVE_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    stdout(`${ARCHIVE_USAGE}\n`);
    return 0;
  }
  const usage = (msg: string): number => {
    stderr(`banmian archive: ${msg}\n\n${ARCHIVE_USAGE}\n`);
    return 2;
  };
  const [sub, ...rest] = args.positional;
  if (!sub) return usage('missing <input>, "search" or "verify"');
  if (!args.to) return usage('missing --to <dir>');
  const to = args.to;
  if (args.limit !== undefined && sub !== 'search') return usage('--limit only applies to search');

  try {
    if (sub === 'search') {
      const words = rest.join(' ').trim();
      if (!words) return usage('search needs words');
      const hits = searchArchive(to, words, { limit: args.limit, ...(color && !args.json ? { mark: ['\x1b[1;31m', '\x1b[0m'] as [string, string] } : {}) });
      if (args.json) {
        stdout(`${JSON.stringify({ query: words, hits }, null, 2)}\n`);
        return 0;
      }
      if (!hits.length) {
        stdout(`no articles match "${words}"\n`);
        return 0;
      }
      for (const h of hits) {
        const issue = h.issueNumber != null ? ` 总第${h.issueNumber}期` : '';
        const authors = h.authors.length ? `  (${h.authors.join('、')})` : '';
        stdout(`${h.date}  ${h.paper}${issue}  第${h.page}版  ${h.title}${authors}\n    ${h.snippet}\n    ${h.path}\n`);
      }
      stdout(`${hits.length} article${hits.length === 1 ? '' : 's'}\n`);
      return 0;
    }

    if (sub === 'verify') {
      if (rest.length) return usage(`unexpected ${rest.join(' ')}`);
      const r = await verifyArchive(to);
      if (args.json) stdout(`${JSON.stringify(r, null, 2)}\n`);
      else {
        for (const p of r.changed) stdout(`changed  ${p}\n`);
        for (const p of r.missing) stdout(`missing  ${p}\n`);
        for (const p of r.extra) stdout(`extra    ${p}\n`);
        stdout(
          r.ok
            ? `ok: ${r.checked} files checked, all match their manifests\n`
            : `FAILED: ${r.checked} files checked; ${r.changed.length} changed, ${r.missing.length} missing, ${r.extra.length} unexpected\n`,
        );
      }
      return r.ok ? 0 : 1;
    }

    if (sub === 'reindex') {
      if (rest.length) return usage(`unexpected ${rest.join(' ')}`);
      const n = await rebuildIndex(to);
      if (args.json) stdout(`${JSON.stringify({ editions: n })}\n`);
      else stdout(`indexed ${n} edition${n === 1 ? '' : 's'}\n`);
      return 0;
    }

    if (rest.length) return usage(`expected one <input>, got ${args.positional.join(' ')}`);
    const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'banmian-archive-build-'));
    try {
      const input = await deps.build(sub, outDir);
      const r = await archiveEdition(input, to);
      if (args.json) stdout(`${JSON.stringify(r, null, 2)}\n`);
      else {
        stdout(`${r.status}: ${r.dir}\n`);
        stdout(`  manifest: ${r.manifestPath}\n`);
        stdout(`  PDF/A-2b: ${r.pdfa.path} (${r.pdfa.method}; text layer ${r.pdfa.textPreserved ? 'identical to the original' : 'NOT verified identical'})\n`);
      }
      return 0;
    } finally {
      await fs.rm(outDir, { recursive: true, force: true });
    }
  } catch (err) {
    stderr(`banmian archive: ${(err as Error).message}\n`);
    return 1;
  }
}
