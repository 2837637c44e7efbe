import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ZodError } from 'zod';
import { canonicalJson, exists, listFiles, randomSuffix, safeSegment, sha256, sha256File, withLock } from './fsutil.ts';
import { type Database, openIndex, sqliteVersion, upsertEdition } from './index-db.ts';
import { MANIFEST_NAME, type Manifest, type ManifestFile, editionHash, normaliseArticle, readManifest, serialiseManifest } from './manifest.ts';
import { makePdfa } from './pdfa.ts';
import { ghostscriptVersion } from './tools.ts';
import { type ArchiveArticle, type ArchiveInput, type ArchiveResult, archiveInputSchema } from './types.ts';

export const EDITION_PDF = 'edition.pdf';
export const PDFA_PDF = 'edition-pdfa2b.pdf';
export const ARTICLES_JSON = 'articles.json';
export const PAGES_DIR = 'pages';
export const MANUSCRIPT_DIR = 'manuscript';

/** Folder (relative to the archive root) for a paper's day: `<paper>/<yyyy>/<mm>/<dd>`. */
export function dayFolder(paper: string, date: string): string {
  const [y, m, d] = date.split('-');
  return [safeSegment(paper), y, m, d].join('/');
}

/** Sub-folder name used when a day holds more than one edition. */
export function editionFolderName(m: { issueNumber: number | null; editionHash: string }): string {
  return m.issueNumber != null ? `第${m.issueNumber}期` : `无期号-${m.editionHash.slice(0, 12)}`;
}

interface StoredEdition {
  /** Relative to the archive root, `/`-separated. */
  rel: string;
  manifest: Manifest;
}

/**
 * The editions stored for one day. A day with one edition keeps it directly in `<dd>/`
 * ("single"); with more, each lives in `<dd>/<第N期 | 无期号-hash>/` ("multi").
 */
async function editionsOfDay(root: string, dayRel: string): Promise<{ mode: 'none' | 'single' | 'multi'; editions: StoredEdition[] }> {
  const dayDir = path.join(root, dayRel);
  if (!(await exists(dayDir))) return { mode: 'none', editions: [] };
  if (await exists(path.join(dayDir, MANIFEST_NAME))) {
    const manifest = await readManifest(dayDir);
    if (!manifest) throw new Error(`the edition in ${dayDir} has an unreadable manifest; run \`banmian archive verify\` and repair it first`);
    return { mode: 'single', editions: [{ rel: dayRel, manifest }] };
  }
  const editions: StoredEdition[] = [];
  for (const e of await fs.readdir(dayDir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const dir = path.join(dayDir, e.name);
    if (!(await exists(path.join(dir, MANIFEST_NAME)))) continue;
    const manifest = await readManifest(dir);
    if (!manifest) throw new Error(`the edition in ${dir} has an unreadable manifest; run \`banmian archive verify\` and repair it first`);
    editions.push({ rel: `${dayRel}/${e.name}`, manifest });
  }
  const others = (await fs.readdir(dayDir)).filter((n) => !n.startsWith('.'));
  return { mode: editions.length || others.length ? 'multi' : 'none', editions };
}

function describeZod(err: ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
}

async function assertFile(p: string, what: string): Promise<void> {
  const st = await fs.stat(p).catch(() => null);
  if (!st?.isFile()) throw new Error(`${what} not found: ${p}`);
}

const require = createRequire(import.meta.url);
function pdfLibVersion(): string {
  try {
    return (require('pdf-lib/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Archive one edition under `<toDir>/<paper>/<yyyy>/<mm>/<dd>/`.
 *
 * - same edition (equal `editionHash`) again → 'unchanged': nothing on disk is rewritten;
 * - same issue number, different content → 'replaced' (the manifest records what it supersedes);
 * - anything else on a day that already has an edition → 'added' beside it, both in sub-folders.
 * The edition is assembled in `<toDir>/.tmp-*` and renamed into place, so a failure leaves nothing.
 */
export async function archiveEdition(input: ArchiveInput, toDir: string): Promise<ArchiveResult> {
  let parsed: ArchiveInput;
  try {
    parsed = archiveInputSchema.parse(input) as ArchiveInput;
  } catch (err) {
    if (err instanceof ZodError) throw new Error(`invalid archive input: ${describeZod(err)}`);
    throw err;
  }
  const labels = parsed.pagePdfs.map((p) => safeSegment(p.page));
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup) throw new Error(`invalid archive input: page label "${dup}" appears twice`);
  await assertFile(parsed.editionPdf, 'edition PDF');
  for (const p of parsed.pagePdfs) await assertFile(p.path, `PDF of page ${p.page}`);
  const msStat = await fs.stat(parsed.manuscriptDir).catch(() => null);
  if (!msStat?.isDirectory()) throw new Error(`manuscript folder not found: ${parsed.manuscriptDir}`);

  const manuscriptFiles = await listFiles(parsed.manuscriptDir, { skipDot: true });
  const manuscriptHashes = await Promise.all(
    manuscriptFiles.map(async (rel) => ({ path: rel, ...(await sha256File(path.join(parsed.manuscriptDir, rel))) })),
  );
  const hash = editionHash(parsed, manuscriptHashes);
  const issueNumber = parsed.issueNumber ?? null;

  const root = path.resolve(toDir);
  await fs.mkdir(root, { recursive: true });

  return withLock(root, async () => {
    const dayRel = dayFolder(parsed.paper, parsed.date);
    const day = await editionsOfDay(root, dayRel);

    const same = day.editions.find((e) => e.manifest.editionHash === hash);
    if (same) {
      const db = openIndex(root);
      try {
        await indexStoredEdition(db, root, same.rel);
      } finally {
        db.close();
      }
      return resultFor(root, same.rel, same.manifest, 'unchanged');
    }
    const previous = issueNumber != null ? day.editions.find((e) => e.manifest.issueNumber === issueNumber) : undefined;

    // 1. Assemble the edition in a temporary folder on the same file system.
    const tmp = path.join(root, `.tmp-${randomSuffix()}`);
    const cleanups: string[] = [tmp];
    try {
      await fs.mkdir(tmp);
      const manifest = await assemble(tmp, parsed, hash, manuscriptFiles);
      if (previous) {
        manifest.supersedes = {
          editionHash: previous.manifest.editionHash,
          manifestSha256: sha256(await fs.readFile(path.join(root, previous.rel, MANIFEST_NAME))),
        };
      }
      await fs.writeFile(path.join(tmp, MANIFEST_NAME), serialiseManifest(manifest));

      // 2. Move it into place.
      const moved: { from: string; to: string }[] = [];
      let targetRel: string;
      if (previous) {
        targetRel = previous.rel;
        const trash = path.join(root, `.trash-${randomSuffix()}`);
        cleanups.push(trash);
        await fs.rename(path.join(root, targetRel), trash);
        try {
          await fs.rename(tmp, path.join(root, targetRel));
        } catch (err) {
          await fs.rename(trash, path.join(root, targetRel));
          throw err;
        }
      } else if (day.mode === 'none') {
        targetRel = dayRel;
        await fs.mkdir(path.dirname(path.join(root, dayRel)), { recursive: true });
        await fs.rmdir(path.join(root, dayRel)).catch(() => undefined); // an empty leftover folder
        await fs.rename(tmp, path.join(root, dayRel));
      } else {
        if (day.mode === 'single') {
          // A second edition on this day: the first one moves into its own sub-folder.
          const first = day.editions[0]!;
          const firstRel = `${dayRel}/${editionFolderName(first.manifest)}`;
          const hold = path.join(root, `.tmp-${randomSuffix()}`);
          cleanups.push(hold);
          await fs.rename(path.join(root, dayRel), hold);
          await fs.mkdir(path.join(root, dayRel));
          await fs.rename(hold, path.join(root, firstRel));
          moved.push({ from: first.rel, to: firstRel });
        }
        targetRel = `${dayRel}/${editionFolderName(manifest)}`;
        if (await exists(path.join(root, targetRel))) throw new Error(`${path.join(root, targetRel)} already exists`);
        await fs.rename(tmp, path.join(root, targetRel));
      }

      // 3. Index (derived data: rebuilt from the folders if anything goes wrong here).
      const db = openIndex(root);
      try {
        for (const m of moved) await indexStoredEdition(db, root, m.to);
        await indexStoredEdition(db, root, targetRel);
      } finally {
        db.close();
      }
      return resultFor(root, targetRel, manifest, previous ? 'replaced' : 'added');
    } finally {
      for (const c of cleanups) await fs.rm(c, { recursive: true, force: true });
    }
  });
}

async function assemble(tmp: string, input: ArchiveInput, hash: string, manuscriptFiles: string[]): Promise<Manifest> {
  const files: ManifestFile[] = [];
  const record = async (rel: string, role: ManifestFile['role'], page?: string): Promise<void> => {
    files.push({ path: rel, role, ...(await sha256File(path.join(tmp, rel))), ...(page !== undefined ? { page } : {}) });
  };

  await fs.copyFile(input.editionPdf, path.join(tmp, EDITION_PDF));
  await record(EDITION_PDF, 'edition');

  const pages: { page: string; path: string }[] = [];
  if (input.pagePdfs.length) await fs.mkdir(path.join(tmp, PAGES_DIR));
  for (const p of input.pagePdfs) {
    const rel = `${PAGES_DIR}/${safeSegment(p.page)}.pdf`;
    await fs.copyFile(p.path, path.join(tmp, rel));
    await record(rel, 'page', p.page);
    pages.push({ page: p.page, path: rel });
  }

  for (const rel of manuscriptFiles) {
    const dest = path.join(tmp, MANUSCRIPT_DIR, ...rel.split('/'));
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.copyFile(path.join(input.manuscriptDir, ...rel.split('/')), dest);
    await record(`${MANUSCRIPT_DIR}/${rel}`, 'manuscript');
  }

  const articlesDoc = {
    paper: input.paper,
    date: input.date,
    issueNumber: input.issueNumber ?? null,
    articles: input.articles.map(normaliseArticle),
  };
  await fs.writeFile(path.join(tmp, ARTICLES_JSON), `${canonicalJson(articlesDoc, 2)}\n`);
  await record(ARTICLES_JSON, 'articles');

  const title = `${input.paper} ${input.date}${input.issueNumber != null ? ` 总第${input.issueNumber}期` : ''}`;
  const pdfa = await makePdfa(path.join(tmp, EDITION_PDF), path.join(tmp, PDFA_PDF), { title });
  await record(PDFA_PDF, 'pdfa');

  return {
    format: 'banmian-archive-manifest/1',
    paper: input.paper,
    date: input.date,
    issueNumber: input.issueNumber ?? null,
    editionHash: hash,
    pages,
    build: input.build,
    archiver: { ghostscript: await ghostscriptVersion(), pdfLib: pdfLibVersion(), sqlite: sqliteVersion(), node: process.versions.node },
    pdfa: { file: PDFA_PDF, ...pdfa },
    files,
  };
}

function resultFor(root: string, rel: string, manifest: Manifest, status: ArchiveResult['status']): ArchiveResult {
  const dir = path.join(root, ...rel.split('/'));
  return {
    dir,
    manifestPath: path.join(dir, MANIFEST_NAME),
    status,
    pdfa: { path: path.join(dir, manifest.pdfa.file), method: manifest.pdfa.method, textPreserved: manifest.pdfa.textPreserved },
  };
}

/** (Re-)index the edition stored at `rel` from its manifest and articles.json. */
export async function indexStoredEdition(db: Database, root: string, rel: string): Promise<void> {
  const dir = path.join(root, ...rel.split('/'));
  const manifestBytes = await fs.readFile(path.join(dir, MANIFEST_NAME));
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  const doc = JSON.parse(await fs.readFile(path.join(dir, ARTICLES_JSON), 'utf8')) as { articles: ArchiveArticle[] };
  upsertEdition(db, { relPath: rel, manifest, manifestSha256: sha256(manifestBytes), articles: doc.articles });
}

/** Every edition folder under the archive root (relative paths), found by its manifest. */
export async function findEditionFolders(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const dir = path.join(root, ...rel.split('/').filter(Boolean));
    if (rel && (await exists(path.join(dir, MANIFEST_NAME)))) {
      out.push(rel);
      return;
    }
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.')) await walk(rel ? `${rel}/${e.name}` : e.name);
    }
  }
  await walk('');
  return out.sort();
}

/** Drop and recreate the SQLite index from the edition folders. */
export async function rebuildIndex(toDir: string): Promise<number> {
  const root = path.resolve(toDir);
  return withLock(root, async () => {
    const db = openIndex(root);
    try {
      db.exec('DELETE FROM articles_fts; DELETE FROM articles; DELETE FROM editions;');
      const folders = await findEditionFolders(root);
      for (const rel of folders) {
        if (await readManifest(path.join(root, ...rel.split('/')))) await indexStoredEdition(db, root, rel);
      }
      return folders.length;
    } finally {
      db.close();
    }
  });
}
