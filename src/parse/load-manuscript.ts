/**
 * Collect stage: an input path (a manuscript folder with edition.yaml, or one
 * Markdown file) becomes the validated edition and the list of article files
 * to process. Reads files; does not transform them.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { EditionSchema, parseYaml, type Edition, type Placement } from '../config/index.ts';
import { diagnostic, UsageError, type Diagnostic } from '../diagnostics/index.ts';
import { readManuscriptText } from './read-text.ts';

export const EDITION_FILES = ['edition.yaml', 'edition.yml'];

export interface ArticleRef {
  id: string;
  /** absolute path */
  path: string;
  /** path as shown to the user */
  display: string;
  text: string;
  placement: Placement;
  /** 0-based index of the page in edition.pages */
  pageIndex: number;
}

export interface Manuscript {
  /** the manuscript folder: the only folder the print page may read from */
  root: string;
  edition: Edition;
  /** absolute path of the edition file, or undefined for a single-file build */
  editionFile: string | undefined;
  editionText: string | undefined;
  articles: ArticleRef[];
  diagnostics: Diagnostic[];
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export async function loadManuscript(input: string, today: string = new Date().toISOString().slice(0, 10)): Promise<Manuscript> {
  const absolute = path.resolve(input);
  if (!existsSync(absolute)) throw new UsageError(`${input}: no such file or folder`);
  const stat = statSync(absolute);
  if (stat.isFile()) {
    if (!/\.(md|markdown)$/i.test(absolute)) throw new UsageError(`${input}: give a manuscript folder or a .md file`);
    return loadSingleFile(absolute, today);
  }
  const editionFile = EDITION_FILES.map((n) => path.join(absolute, n)).find((f) => existsSync(f));
  if (!editionFile) {
    throw new UsageError(`${input}: no edition.yaml in this folder; add one (see README "The manuscript format") or give a single .md file`);
  }
  return loadEdition(absolute, editionFile);
}

async function loadSingleFile(file: string, today: string): Promise<Manuscript> {
  const display = displayPath(file);
  const read = await readManuscriptText(file, display);
  const edition = EditionSchema.parse({
    paper: '版面',
    date: today,
    pages: [{ number: 1, name: '要闻', articles: [path.basename(file)] }],
  });
  const articles: ArticleRef[] = read.text === undefined
    ? []
    : [{ id: articleId(file, new Set()), path: file, display, text: read.text, placement: { file: path.basename(file) }, pageIndex: 0 }];
  return { root: path.dirname(file), edition, editionFile: undefined, editionText: undefined, articles, diagnostics: read.diagnostics };
}

async function loadEdition(root: string, editionFile: string): Promise<Manuscript> {
  const display = displayPath(editionFile);
  const read = await readManuscriptText(editionFile, display);
  const empty = (diagnostics: Diagnostic[]): Manuscript => ({
    root,
    edition: undefined as unknown as Edition,
    editionFile,
    editionText: read.text,
    articles: [],
    diagnostics,
  });
  if (read.text === undefined) return empty(read.diagnostics);
  if (read.text.trim() === '') {
    return empty([diagnostic(display, { line: 1, column: 1 }, 'error', 'empty-manuscript', 'the edition file is empty: name the paper, date and pages (see README)')]);
  }
  const parsed = parseEdition(read.text, display);
  if (!parsed.value) return empty(parsed.diagnostics);
  const edition = parsed.value;
  const diagnostics: Diagnostic[] = [];
  const articles: ArticleRef[] = [];
  const ids = new Set<string>();
  const lines = read.text.split('\n');
  for (const [pageIndex, page] of edition.pages.entries()) {
    for (const entry of page.articles) {
      const placement: Placement = typeof entry === 'string' ? { file: entry } : entry;
      const file = path.resolve(root, placement.file);
      const at = findLine(lines, placement.file);
      const rel = path.relative(root, file);
      if (rel.startsWith('..') || path.isAbsolute(rel)) {
        diagnostics.push(diagnostic(display, at, 'error', 'article-outside', `article "${placement.file}" is outside the manuscript folder: move it into the folder`));
        continue;
      }
      const stat = statSync(file, { throwIfNoEntry: false });
      if (!stat) {
        diagnostics.push(diagnostic(display, at, 'error', 'article-missing', `article "${placement.file}" does not exist: check the file name (relative to ${displayPath(root) || '.'})`));
        continue;
      }
      const text = await readManuscriptText(file, displayPath(file), stat);
      diagnostics.push(...text.diagnostics);
      if (text.text === undefined) continue;
      articles.push({ id: articleId(file, ids), path: file, display: displayPath(file), text: text.text, placement, pageIndex });
    }
  }
  return { root, edition, editionFile, editionText: read.text, articles, diagnostics };
}

/**
 * Edition files parsed before in this process, by their text and name: a
 * rebuild after an article changed does not parse and validate the edition
 * again. Each caller gets its own copy. Bounded: the oldest go first.
 */
const editions = new Map<string, ReturnType<typeof parseYaml<typeof EditionSchema>>>();
const MAX_EDITIONS = 20;

function parseEdition(text: string, display: string) {
  const key = JSON.stringify([text, display]);
  let result = editions.get(key);
  if (!result) {
    result = parseYaml(text, EditionSchema, display);
    editions.set(key, result);
    if (editions.size > MAX_EDITIONS) editions.delete(editions.keys().next().value!);
  }
  return structuredClone(result);
}

/** The line and column where a value first appears in the edition file. */
export function findLine(lines: string[], needle: string): { line: number; column: number } | undefined {
  for (const [i, line] of lines.entries()) {
    const col = line.indexOf(needle);
    if (col !== -1) return { line: i + 1, column: col + 1 };
  }
  return undefined;
}

function articleId(file: string, taken: Set<string>): string {
  const base = path.basename(file).replace(/\.[^.]+$/, '').replace(/[^\p{L}\p{N}_-]+/gu, '-') || 'article';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}
