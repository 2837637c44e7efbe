import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a program without a shell; resolves with its exit code instead of throwing. */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000, cwd: opts.cwd },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          resolve({ code: 127, stdout: '', stderr: `${cmd}: not found` });
          return;
        }
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export const GS = process.env.BANMIAN_GS ?? 'gs';

let gsVersion: Promise<string | null> | undefined;
export function ghostscriptVersion(): Promise<string | null> {
  gsVersion ??= run(GS, ['--version'], { timeoutMs: 20_000 }).then((r) => (r.code === 0 ? r.stdout.trim() : null));
  return gsVersion;
}

async function firstExisting(candidates: string[]): Promise<string | null> {
  for (const c of candidates) {
    try {
      if ((await fs.stat(c)).isFile()) return c;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Ghostscript data folders, newest version first: /usr/share/ghostscript/<version>. */
async function ghostscriptShareDirs(): Promise<string[]> {
  const base = '/usr/share/ghostscript';
  try {
    const names = await fs.readdir(base);
    return names
      .filter((n) => /^\d/.test(n))
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
      .map((n) => path.join(base, n));
  } catch {
    return [];
  }
}

/** An sRGB ICC profile shipped with Ghostscript (no download needed). BANMIAN_ICC_PROFILE overrides. */
export async function findSrgbProfile(): Promise<string | null> {
  const shares = await ghostscriptShareDirs();
  const candidates = [
    ...(process.env.BANMIAN_ICC_PROFILE ? [process.env.BANMIAN_ICC_PROFILE] : []),
    '/usr/share/color/icc/ghostscript/srgb.icc',
    ...shares.flatMap((d) => [path.join(d, 'iccprofiles', 'srgb.icc'), path.join(d, 'lib', 'srgb.icc')]),
    '/usr/share/color/icc/ghostscript/default_rgb.icc',
    ...shares.map((d) => path.join(d, 'iccprofiles', 'default_rgb.icc')),
  ];
  return firstExisting(candidates);
}

/** Ghostscript's sample PDF/A prefix file. */
export async function findPdfaDef(): Promise<string | null> {
  const shares = await ghostscriptShareDirs();
  return firstExisting([
    ...(process.env.BANMIAN_PDFA_DEF ? [process.env.BANMIAN_PDFA_DEF] : []),
    ...shares.map((d) => path.join(d, 'lib', 'PDFA_def.ps')),
  ]);
}

/** Text layer as poppler's pdftotext reads it; null when pdftotext is not installed or fails. */
export async function pdfText(file: string): Promise<string | null> {
  const r = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
  return r.code === 0 ? r.stdout : null;
}

/** Whitespace differences are layout noise; every other character must be equal. */
export function normaliseText(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** `pdffonts` rows: is every font embedded? null when pdffonts is unavailable. */
export async function allFontsEmbedded(file: string): Promise<{ ok: boolean; detail: string } | null> {
  const r = await run('pdffonts', [file]);
  if (r.code !== 0) return null;
  const lines = r.stdout.split('\n').slice(2).filter((l) => l.trim());
  const notEmbedded: string[] = [];
  for (const line of lines) {
    // Columns: name type encoding emb sub uni object ID — read from the right, names may contain spaces.
    const cols = line.trim().split(/\s+/);
    const emb = cols[cols.length - 5];
    if (emb !== 'yes') notEmbedded.push(cols[0] ?? line);
  }
  return {
    ok: notEmbedded.length === 0,
    detail: notEmbedded.length ? `not embedded: ${notEmbedded.join(', ')}` : `${lines.length} fonts, all embedded`,
  };
}
