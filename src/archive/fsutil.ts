import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted at every level, so equal data gives equal bytes. */
export function canonicalJson(value: unknown, indent = 0): string {
  return JSON.stringify(sortKeys(value), null, indent || undefined);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * Make a string safe as ONE path segment: no separators, no control characters,
 * not "." / "..", no leading dot (dot entries are skipped by the archive walker).
 */
export function safeSegment(name: string): string {
  let s = name
    .normalize('NFC')
    .replace(/[\/\\\u0000-\u001f\u007f:*?"<>|]/g, '_')
    .trim();
  s = s.replace(/^\.+/, (m) => '_'.repeat(m.length));
  if (!s) s = '_';
  return s;
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** All regular files below `dir` (relative, `/`-separated, sorted). Dot entries skipped if asked. */
export async function listFiles(dir: string, opts: { skipDot: boolean }): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (opts.skipDot && e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push(r);
      else if (e.isSymbolicLink()) {
        // Follow links to files; never follow links to folders (loops, escaping the tree).
        const st = await fs.stat(path.join(dir, r)).catch(() => null);
        if (st?.isFile()) out.push(r);
      }
    }
  }
  await walk('');
  return out.sort();
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

export function randomSuffix(): string {
  return `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A lock file in the archive root so two `banmian archive` runs do not move the same folders
 * at once. A lock left by a process that no longer exists is taken over.
 */
export async function withLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(root, '.archive.lock');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await fs.readFile(lock, 'utf8').catch(() => '')).trim());
      if (!pid || !isAlive(pid)) {
        await fs.rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`archive is locked by process ${pid} (${lock})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
