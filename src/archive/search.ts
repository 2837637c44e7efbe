import fs from 'node:fs';
import path from 'node:path';
import { DB_NAME, openIndex } from './index-db.ts';
import type { Hit } from './types.ts';

export interface SearchOptions {
  /** Maximum number of hits (default 50). */
  limit?: number;
  /** Strings put around each match in the snippet (default 【 and 】). */
  mark?: [string, string];
  /** Characters of context in a snippet (roughly; default 40). */
  snippetLength?: number;
}

// Private-use characters mark matches internally, so a text that itself contains 【】 stays unambiguous.
const OPEN = '\uE000';
const CLOSE = '\uE001';

/** Query words: split on ASCII and ideographic spaces; quotes are not syntax. */
export function queryTerms(query: string): string[] {
  return query
    .split(/[\s\u3000]+/u)
    .map((t) => t.normalize('NFC').trim())
    .filter(Boolean);
}

const charLength = (s: string): number => Array.from(s).length;

/**
 * Find articles containing ALL the words. Words of 3+ characters use the FTS5 trigram index
 * (MATCH); shorter ones (民警, 人) cannot be trigram-matched and are checked with LIKE on the
 * same columns (headline, authors, text, date, page). Newest edition first.
 */
export function searchArchive(toDir: string, query: string, opts: SearchOptions = {}): Hit[] {
  const root = path.resolve(toDir);
  if (!fs.existsSync(path.join(root, DB_NAME))) throw new Error(`no archive index at ${path.join(root, DB_NAME)}`);
  const terms = queryTerms(query);
  if (!terms.length) return [];
  const long = terms.filter((t) => charLength(t) >= 3);
  const short = terms.filter((t) => charLength(t) < 3);
  const limit = Math.max(1, Math.floor(opts.limit ?? 50));
  const ctxLen = Math.max(10, Math.floor(opts.snippetLength ?? 40));
  const [mOpen, mClose] = opts.mark ?? ['【', '】'];

  const where: string[] = [];
  const params: unknown[] = [];
  if (long.length) {
    where.push('articles_fts MATCH ?');
    params.push(long.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND '));
  }
  for (const t of short) {
    const like = `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(`(${['f.headline', 'f.authors', 'f.text', 'f.date', 'f.page'].map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')})`);
    params.push(like, like, like, like, like);
  }
  const useFtsSnippet = short.length === 0;
  const snippetSql = useFtsSnippet
    ? `snippet(articles_fts, -1, '${OPEN}', '${CLOSE}', '…', ${Math.min(64, Math.ceil(ctxLen / 1.5))})`
    : "''";
  const sql = `
    SELECT e.paper, e.date, e.issue_number, e.path AS edition_path, e.edition_pdf,
           a.article_key, a.page, a.page_pdf, a.title, a.kicker, a.subtitle, a.authors, a.text,
           ${snippetSql} AS snip
      FROM articles_fts f
      JOIN articles a ON a.id = f.rowid
      JOIN editions e ON e.id = a.edition_id
     WHERE ${where.join(' AND ')}
     ORDER BY e.date DESC, e.paper, COALESCE(e.issue_number, 0) DESC, e.path, a.seq
     LIMIT ?`;
  params.push(limit);

  const db = openIndex(root, { readonly: true });
  try {
    const rows = db.prepare(sql).all(...params) as Row[];
    return rows.map((r) => {
      const editionDir = path.join(root, ...r.edition_path.split('/'));
      let snip = useFtsSnippet && r.snip.includes(OPEN) ? r.snip : ownSnippet(r, terms, ctxLen);
      snip = snip.replace(/\s+/g, ' ').trim().split(OPEN).join(mOpen).split(CLOSE).join(mClose);
      return {
        paper: r.paper,
        date: r.date,
        issueNumber: r.issue_number,
        page: r.page,
        title: r.title,
        authors: JSON.parse(r.authors) as string[],
        snippet: snip,
        path: path.join(editionDir, ...(r.page_pdf ?? r.edition_pdf).split('/')),
        editionDir,
        articleId: r.article_key,
      };
    });
  } finally {
    db.close();
  }
}

interface Row {
  paper: string;
  date: string;
  issue_number: number | null;
  edition_path: string;
  edition_pdf: string;
  article_key: string;
  page: string;
  page_pdf: string | null;
  title: string;
  kicker: string;
  subtitle: string;
  authors: string;
  text: string;
  snip: string;
}

/** Snippet for the LIKE path: a window of the text (or headline) around the first match. */
function ownSnippet(r: Row, terms: string[], ctxLen: number): string {
  const headline = [r.kicker, r.title, r.subtitle].filter(Boolean).join(' ');
  const candidates = [r.text, headline, JSON.parse(r.authors).join(' '), r.date, r.page] as string[];
  const lower = terms.map((t) => t.toLowerCase());
  for (const source of candidates) {
    const hay = source.toLowerCase();
    const first = Math.min(...lower.map((t) => hay.indexOf(t)).filter((i) => i >= 0));
    if (!Number.isFinite(first)) continue;
    const start = Math.max(0, first - Math.floor(ctxLen / 3));
    const end = Math.min(source.length, start + ctxLen);
    return `${start > 0 ? '…' : ''}${markAll(source.slice(start, end), lower)}${end < source.length ? '…' : ''}`;
  }
  return '';
}

function markAll(s: string, lowerTerms: string[]): string {
  const hay = s.toLowerCase();
  const marked = new Array<boolean>(s.length).fill(false);
  for (const t of lowerTerms) {
    for (let i = hay.indexOf(t); i >= 0; i = hay.indexOf(t, i + 1)) marked.fill(true, i, i + t.length);
  }
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (marked[i] && !marked[i - 1]) out += OPEN;
    out += s[i];
    if (marked[i] && !marked[i + 1]) out += CLOSE;
  }
  return out;
}
