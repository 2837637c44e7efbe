import { z } from 'zod';

/** What the build pipeline hands to the archive for one edition. */
export interface ArchiveInput {
  /** Paper name, e.g. 株洲日报 — used as the top folder name (path separators are replaced). */
  paper: string;
  /** Publication date, YYYY-MM-DD. */
  date: string;
  /** 总第N期 — tells different editions on one date apart. */
  issueNumber?: number;
  /** Path of the whole-edition PDF. */
  editionPdf: string;
  /** One PDF per page; `page` is the 版次 label, e.g. "1" or "A1". */
  pagePdfs: { page: string; path: string }[];
  /** Manuscript folder to snapshot (all files, relative paths kept, dotfiles skipped). */
  manuscriptDir: string;
  articles: ArchiveArticle[];
  build: {
    tool: string;
    toolVersion: string;
    fonts: { name: string; version: string }[];
    options: Record<string, unknown>;
  };
}

export interface ArchiveArticle {
  id: string;
  page: string;
  title: string;
  kicker?: string;
  subtitle?: string;
  authors: string[];
  text: string;
}

export type ArchiveStatus = 'added' | 'unchanged' | 'replaced';

export interface PdfaResult {
  /** Absolute path of the archival copy. */
  path: string;
  /** 'ghostscript-pdfa2' or 'pdf-lib-pdfa2b-identification' (see README, "Archive"). */
  method: string;
  /** pdftotext of the copy equals pdftotext of the original (whitespace-normalised). */
  textPreserved: boolean;
}

export interface ArchiveResult {
  /** Absolute path of the edition folder. */
  dir: string;
  manifestPath: string;
  status: ArchiveStatus;
  pdfa: PdfaResult;
}

export interface Hit {
  paper: string;
  date: string;
  issueNumber: number | null;
  page: string;
  title: string;
  authors: string[];
  /** Text around the match; matches wrapped in the markers (default 【 and 】). */
  snippet: string;
  /** Absolute path of the page PDF holding the article (the edition PDF if that page has none). */
  path: string;
  /** Absolute path of the edition folder. */
  editionDir: string;
  articleId: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Number of files whose hash was re-computed. */
  checked: number;
  /** Paths (relative to the archive root, `/`-separated) whose content differs from the manifest. */
  changed: string[];
  /** Paths listed in a manifest (or editions listed in the index) that are not on disk. */
  missing: string[];
  /** Files inside the archive that no manifest lists. */
  extra: string[];
}

const nonEmpty = z.string().trim().min(1);

export const archiveInputSchema = z.object({
  paper: nonEmpty,
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD')
    .refine((d) => {
      const t = new Date(`${d}T00:00:00Z`);
      return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
    }, 'date is not a calendar date'),
  issueNumber: z.number().int().positive().optional(),
  editionPdf: nonEmpty,
  pagePdfs: z.array(z.object({ page: nonEmpty, path: nonEmpty })),
  manuscriptDir: nonEmpty,
  articles: z.array(
    z.object({
      id: nonEmpty,
      page: z.string(),
      title: z.string(),
      kicker: z.string().optional(),
      subtitle: z.string().optional(),
      authors: z.array(z.string()),
      text: z.string(),
    }),
  ),
  build: z.object({
    tool: z.string(),
    toolVersion: z.string(),
    fonts: z.array(z.object({ name: z.string(), version: z.string() })),
    options: z.record(z.string(), z.unknown()),
  }),
});
