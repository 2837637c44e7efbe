/**
 * `banmian archive`: the archive's own command (src/archive/cli.ts) with the
 * build it needs: the manuscript is built into a temporary folder first, and
 * what was built becomes the archive input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runArchiveCommand, type ArchiveInput } from '../archive/index.ts';
import { formatDiagnostic, ManuscriptError } from '../diagnostics/index.ts';
import { articleText, build, VERSION } from '../pipeline/index.ts';
import { fontVersions, isoDate } from '../template/index.ts';

async function buildForArchive(input: string, outDir: string): Promise<ArchiveInput> {
  const result = await build(input, { outDir });
  for (const d of result.diagnostics) if (d.severity !== 'info') console.error(formatDiagnostic(d));
  if (!result.ok || !result.manuscript) throw new ManuscriptError(result.diagnostics.filter((d) => d.severity === 'error'));
  const edition = result.manuscript.edition;
  return {
    paper: edition.paper,
    date: isoDate(edition.date),
    issueNumber: edition.issue,
    editionPdf: result.outputs.find((o) => o.kind === 'edition')!.path,
    pagePdfs: result.outputs.filter((o) => o.kind === 'page').map((o) => ({ page: o.page!, path: o.path })),
    manuscriptDir: result.manuscript.root,
    articles: (result.articles ?? []).map((a) => ({
      id: a.ref.id,
      page: String(edition.pages[a.ref.pageIndex]!.number),
      title: a.frontMatter.title,
      kicker: a.frontMatter.kicker,
      subtitle: a.frontMatter.subtitle,
      authors: typeof a.frontMatter.authors === 'string' ? [a.frontMatter.authors] : (a.frontMatter.authors ?? []),
      text: articleText(a.html),
    })),
    build: { tool: 'banmian', toolVersion: VERSION, fonts: fontVersions(), options: { template: edition.template } },
  };
}

export async function archiveCommand(argv: string[]): Promise<number> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'banmian-archive-build-'));
  try {
    return await runArchiveCommand(argv, { build: (input) => buildForArchive(input, work) });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
