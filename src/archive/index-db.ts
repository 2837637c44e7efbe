/**
 * The SQLite index at `<archive>/archive.sqlite` (better-sqlite3 12). It is derived data: every
 * edition folder holds `articles.json` and its manifest, so `rebuildIndex` can recreate it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Manifest } from './manifest.ts';
import { normaliseArticle } from './manifest.ts';
import type { ArchiveArticle } from './types.ts';

export const DB_NAME = 'archive.sqlite';

// better-sqlite3 ships no types and @types/better-sqlite3 is not installed: the part used here.
export interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
export interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string, opts?: { simple?: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
}
type DatabaseCtor = new (file: string, opts?: { readonly?: boolean; fileMustExist?: boolean }) => Database;

const require = createRequire(import.meta.url);
let ctor: DatabaseCtor | undefined;
function Sqlite(): DatabaseCtor {
  ctor ??= require('better-sqlite3') as DatabaseCtor;
  return ctor;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS editions (
  id INTEGER PRIMARY KEY,
  paper TEXT NOT NULL,
  date TEXT NOT NULL,
  issue_number INTEGER,
  edition_hash TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL UNIQUE,          -- edition folder, relative to the archive root
  manifest_sha256 TEXT NOT NULL,
  edition_pdf TEXT NOT NULL           -- relative to the edition folder
);
CREATE INDEX IF NOT EXISTS editions_by_date ON editions(paper, date);
CREATE TABLE IF NOT EXISTS articles (
  id INTEGER PRIMARY KEY,
  edition_id INTEGER NOT NULL REFERENCES editions(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,               -- order within the edition
  article_key TEXT NOT NULL,
  page TEXT NOT NULL,
  page_pdf TEXT,                      -- relative to the edition folder
  kicker TEXT NOT NULL,
  title TEXT NOT NULL,
  subtitle TEXT NOT NULL,
  authors TEXT NOT NULL,              -- JSON array
  text TEXT NOT NULL,
  UNIQUE (edition_id, article_key)
);
-- Full-text index. trigram: Han text has no spaces, the default unicode61 tokenizer would
-- treat a whole sentence as one token. Trigram matches any substring of 3+ characters.
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
  headline, authors, text, date, page,
  tokenize = 'trigram'
);
`;

export function openIndex(root: string, opts: { readonly?: boolean } = {}): Database {
  const Db = Sqlite();
  const file = path.join(root, DB_NAME);
  const db = opts.readonly ? new Db(file, { readonly: true, fileMustExist: true }) : new Db(file);
  if (!opts.readonly) {
    db.pragma('busy_timeout = 10000');
    db.exec(SCHEMA);
  }
  db.pragma('foreign_keys = ON');
  return db;
}

export function sqliteVersion(): string | null {
  try {
    const db = new (Sqlite())(':memory:');
    const v = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
    db.close();
    return v;
  } catch {
    return null;
  }
}

export function headlineOf(a: { kicker?: string; title: string; subtitle?: string }): string {
  return [a.kicker, a.title, a.subtitle].filter((s) => s && s.trim()).join(' ');
}

/** Insert or refresh one edition and its articles; idempotent (keyed by folder and edition hash). */
export function upsertEdition(
  db: Database,
  rec: { relPath: string; manifest: Manifest; manifestSha256: string; articles: ArchiveArticle[] },
): void {
  const { manifest: m } = rec;
  const pageFile = new Map(m.pages.map((p) => [p.page, p.path]));
  const editionPdf = m.files.find((f) => f.role === 'edition')?.path ?? 'edition.pdf';
  db.transaction(() => {
    removeEditions(db, 'path = ? OR edition_hash = ?', [rec.relPath, m.editionHash]);
    const id = db
      .prepare(
        'INSERT INTO editions (paper, date, issue_number, edition_hash, path, manifest_sha256, edition_pdf) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(m.paper, m.date, m.issueNumber, m.editionHash, rec.relPath, rec.manifestSha256, editionPdf).lastInsertRowid;
    const insArticle = db.prepare(
      'INSERT INTO articles (edition_id, seq, article_key, page, page_pdf, kicker, title, subtitle, authors, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insFts = db.prepare('INSERT INTO articles_fts (rowid, headline, authors, text, date, page) VALUES (?, ?, ?, ?, ?, ?)');
    rec.articles.forEach((raw, seq) => {
      const a = normaliseArticle(raw);
      const aid = insArticle.run(id, seq, a.id, a.page, pageFile.get(a.page) ?? null, a.kicker, a.title, a.subtitle, JSON.stringify(a.authors), a.text).lastInsertRowid;
      insFts.run(aid, headlineOf(a), a.authors.join(' '), a.text, m.date, a.page);
    });
  })();
}

export function removeEditions(db: Database, where: string, params: unknown[]): void {
  const ids = db.prepare(`SELECT id FROM editions WHERE ${where}`).all(...params) as { id: number }[];
  for (const { id } of ids) {
    db.prepare('DELETE FROM articles_fts WHERE rowid IN (SELECT id FROM articles WHERE edition_id = ?)').run(id);
    db.prepare('DELETE FROM articles WHERE edition_id = ?').run(id);
    db.prepare('DELETE FROM editions WHERE id = ?').run(id);
  }
}

export function moveEdition(db: Database, fromRel: string, toRel: string): void {
  db.prepare('UPDATE editions SET path = ? WHERE path = ?').run(toRel, fromRel);
}

export interface EditionRow {
  id: number;
  paper: string;
  date: string;
  issue_number: number | null;
  edition_hash: string;
  path: string;
  manifest_sha256: string;
}

export function listEditions(db: Database): EditionRow[] {
  return db.prepare('SELECT id, paper, date, issue_number, edition_hash, path, manifest_sha256 FROM editions ORDER BY path').all() as EditionRow[];
}
