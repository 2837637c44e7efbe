import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { sha256, sha256File } from './fsutil.ts';
import { DB_NAME, type EditionRow, listEditions, openIndex } from './index-db.ts';
import { MANIFEST_FORMAT, MANIFEST_NAME, type Manifest } from './manifest.ts';
import type { VerifyResult } from './types.ts';

/** Files in the archive root that belong to the archive itself, not to an edition. */
const ROOT_FILES = new Set([DB_NAME, `${DB_NAME}-journal`, `${DB_NAME}-wal`, `${DB_NAME}-shm`, '.archive.lock']);

/**
 * Re-hash every file listed in every manifest under the archive root.
 *
 * - changed: content (sha256 or size) differs, or a manifest differs from the hash recorded in the
 *   index when the edition was archived, or a manifest cannot be read;
 * - missing: listed in a manifest but absent; an edition the index knows whose folder is gone
 *   (reported as `<folder>/`);
 * - extra: a file no manifest lists (left-over temporary folders included).
 */
export async function verifyArchive(toDir: string): Promise<VerifyResult> {
  const root = path.resolve(toDir);
  const st = await fsp.stat(root).catch(() => null);
  if (!st?.isDirectory()) throw new Error(`archive folder not found: ${root}`);

  const changed: string[] = [];
  const missing: string[] = [];
  const extra: string[] = [];
  let checked = 0;

  let indexed: EditionRow[] = [];
  if (fs.existsSync(path.join(root, DB_NAME))) {
    const db = openIndex(root, { readonly: true });
    try {
      indexed = listEditions(db);
    } finally {
      db.close();
    }
  }
  const indexedByPath = new Map(indexed.map((r) => [r.path, r]));
  const seenEditions = new Set<string>();

  async function checkEdition(rel: string): Promise<void> {
    seenEditions.add(rel);
    const dir = path.join(root, ...rel.split('/'));
    const all = await walkFiles(dir, rel);
    const manifestRel = `${rel}/${MANIFEST_NAME}`;
    const bytes = await fsp.readFile(path.join(dir, MANIFEST_NAME));
    checked++;
    const row = indexedByPath.get(rel);
    if (row && row.manifest_sha256 !== sha256(bytes)) changed.push(manifestRel);
    let manifest: Manifest | null = null;
    try {
      manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
      if (manifest?.format !== MANIFEST_FORMAT || !Array.isArray(manifest.files)) manifest = null;
    } catch {
      manifest = null;
    }
    if (!manifest) {
      if (!changed.includes(manifestRel)) changed.push(manifestRel);
      return; // without a manifest, nothing below can be judged
    }
    const listed = new Set<string>([MANIFEST_NAME]);
    for (const f of manifest.files) {
      const p = String(f.path);
      const fileRel = `${rel}/${p}`;
      if (!p || p.split('/').some((s) => s === '..' || s === '') || path.isAbsolute(p)) {
        if (!changed.includes(manifestRel)) changed.push(manifestRel);
        continue;
      }
      listed.add(p);
      const abs = path.join(dir, ...p.split('/'));
      const fst = await fsp.lstat(abs).catch(() => null);
      if (!fst) {
        missing.push(fileRel);
        continue;
      }
      if (!fst.isFile()) {
        changed.push(fileRel);
        continue;
      }
      const h = await sha256File(abs);
      checked++;
      if (h.sha256 !== f.sha256 || h.size !== f.size) changed.push(fileRel);
    }
    for (const f of all) {
      const inner = f.slice(rel.length + 1);
      if (!listed.has(inner)) extra.push(f);
    }
  }

  async function walk(rel: string): Promise<void> {
    const dir = path.join(root, ...rel.split('/').filter(Boolean));
    if (rel && fs.existsSync(path.join(dir, MANIFEST_NAME))) {
      await checkEdition(rel);
      return;
    }
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (!(rel === '' && ROOT_FILES.has(e.name))) extra.push(r);
    }
  }
  await walk('');

  for (const row of indexed) if (!seenEditions.has(row.path)) missing.push(`${row.path}/`);

  const sort = (a: string[]): string[] => [...new Set(a)].sort();
  const result = { changed: sort(changed), missing: sort(missing), extra: sort(extra) };
  return { ok: !result.changed.length && !result.missing.length && !result.extra.length, checked, ...result };
}

async function walkFiles(dir: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await walkFiles(path.join(dir, e.name), r)));
    else out.push(r);
  }
  return out;
}
