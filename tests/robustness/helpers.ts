/** Shared helpers for the robustness tests: run the real CLI, snapshot an output folder, list processes. */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchIn } from '../helpers/scratch.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin/banmian.js');
export const FIXTURES = path.join(ROOT, 'tests/fixtures/errors');

export function scratch(name: string): string {
  return scratchIn('robustness', name);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`banmian ${args.join(' ')} did not finish in ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Fill an output folder with "previous" PDFs, so a test can show they survive. */
export function previousOutputs(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'page-01.pdf'), '%PDF-1.7\n% previous page 1\n');
  writeFileSync(path.join(dir, 'edition.pdf'), '%PDF-1.7\n% previous edition\n');
  return snapshot(dir);
}

/** name → sha256 of every file in a folder (hidden files included). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) out[name] = createHash('sha256').update(readFileSync(path.join(dir, name))).digest('hex');
  return out;
}

/** pid → command line of every live process. */
export function processes(): Map<number, { ppid: number; pgid: number; cmd: string }> {
  const text = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,stat=,args='], { encoding: 'utf8' });
  const map = new Map<number, { ppid: number; pgid: number; cmd: string }>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m && !m[4]!.startsWith('Z')) map.set(Number(m[1]), { ppid: Number(m[2]), pgid: Number(m[3]), cmd: m[5]! });
  }
  return map;
}

/** Live processes descending from `pid` (not counting it), or in process group `pgid`. */
export function descendants(pid: number, all = processes()): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, info] of all) if (info.ppid === p && !out.includes(child)) (out.push(child), queue.push(child));
  }
  return out;
}

export function group(pgid: number, all = processes()): number[] {
  return [...all].filter(([, i]) => i.pgid === pgid).map(([p]) => p);
}

export function alive(pid: number): boolean {
  return processes().has(pid);
}

export async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Text of a PDF. `raw` keeps content-stream order and every hyphen (the default mode joins hyphenated lines and drops the hyphen). */
export function pdfText(file: string, raw = false): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', ...(raw ? ['-raw'] : []), file, '-'], { encoding: 'utf8' });
}

export const tmpdir = os.tmpdir();
