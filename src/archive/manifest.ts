import fs from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson, sha256 } from './fsutil.ts';
import type { PdfaRecord } from './pdfa.ts';
import type { ArchiveArticle, ArchiveInput } from './types.ts';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_FORMAT = 'banmian-archive-manifest/1';

export type FileRole = 'edition' | 'pdfa' | 'page' | 'articles' | 'manuscript';

export interface ManifestFile {
  /** Relative to the edition folder, `/`-separated. */
  path: string;
  role: FileRole;
  sha256: string;
  size: number;
  /** 版次 label for page PDFs. */
  page?: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  paper: string;
  date: string;
  issueNumber: number | null;
  /** Identity of the edition's content (see `editionHash`). */
  editionHash: string;
  pages: { page: string; path: string }[];
  build: ArchiveInput['build'];
  /** Versions of what made the archive copy (not part of the edition's identity). */
  archiver: { ghostscript: string | null; pdfLib: string; sqlite: string | null; node: string };
  pdfa: PdfaRecord;
  /** Set when this edition replaced an earlier archive of the same issue. */
  supersedes?: { editionHash: string; manifestSha256: string };
  files: ManifestFile[];
}

/**
 * The identity of an edition. Two archive runs with equal hashes are "the same edition".
 *
 * It covers what the reader sees and what it was made from: paper, date, issue number, the
 * manuscript snapshot (every file's path and sha256), the article texts, the page labels and the
 * tool/font versions. It deliberately leaves out the PDF bytes (Chromium stamps the clock into
 * /CreationDate, so every rebuild differs) and `build.options` (they may hold output paths).
 */
export function editionHash(
  input: Pick<ArchiveInput, 'paper' | 'date' | 'issueNumber' | 'pagePdfs' | 'articles' | 'build'>,
  manuscript: { path: string; sha256: string }[],
): string {
  return sha256(
    canonicalJson({
      v: 1,
      paper: input.paper,
      date: input.date,
      issueNumber: input.issueNumber ?? null,
      pages: input.pagePdfs.map((p) => p.page),
      manuscript: [...manuscript].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => [f.path, f.sha256]),
      articles: input.articles.map(normaliseArticle),
      tool: input.build.tool,
      toolVersion: input.build.toolVersion,
      fonts: input.build.fonts,
    }),
  );
}

export function normaliseArticle(a: ArchiveArticle): Required<Omit<ArchiveArticle, 'kicker' | 'subtitle'>> & { kicker: string; subtitle: string } {
  return {
    id: a.id,
    page: a.page,
    kicker: a.kicker ?? '',
    title: a.title,
    subtitle: a.subtitle ?? '',
    authors: a.authors,
    text: a.text,
  };
}

/** Stable bytes: fixed key order for our fields, sorted keys inside `build.options`, no clock. */
export function serialiseManifest(m: Manifest): string {
  const ordered: Manifest = {
    format: m.format,
    paper: m.paper,
    date: m.date,
    issueNumber: m.issueNumber,
    editionHash: m.editionHash,
    pages: m.pages,
    build: {
      tool: m.build.tool,
      toolVersion: m.build.toolVersion,
      fonts: m.build.fonts,
      options: JSON.parse(canonicalJson(m.build.options)) as Record<string, unknown>,
    },
    archiver: m.archiver,
    pdfa: m.pdfa,
    ...(m.supersedes ? { supersedes: m.supersedes } : {}),
    files: [...m.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

export async function readManifest(editionDir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(editionDir, MANIFEST_NAME), 'utf8');
  } catch {
    return null;
  }
  try {
    const m = JSON.parse(text) as Manifest;
    return m && m.format === MANIFEST_FORMAT ? m : null;
  } catch {
    return null;
  }
}

/** Is this file one of our manifests (and not, say, a manuscript file called manifest.json)? */
export async function isManifestFile(file: string): Promise<boolean> {
  try {
    const head = (await fs.readFile(file, 'utf8')).slice(0, 200);
    return head.includes(`"format": "${MANIFEST_FORMAT}"`);
  } catch {
    return false;
  }
}
