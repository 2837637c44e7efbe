/**
 * Start Chromium without puppeteer, and talk to it over a pipe. A cold build
 * spawns Chromium first thing: loading puppeteer (a few hundred files, about
 * a quarter of a second) then happens while Chromium starts, not before.
 * puppeteer connects afterwards through PipeTransport.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ConnectionTransport } from 'puppeteer-core';

/**
 * What puppeteer.launch() passes for `headless: true` (puppeteer-core 24,
 * ChromeLauncher.defaultArgs; tests/print/cold-start.test.ts checks that the
 * two lists agree), then ours. The PDF depends on some of them
 * (--export-tagged-pdf, --generate-pdf-document-outline, --force-color-profile).
 */
export function chromeArgs(userDataDir: string, ours: string[]): string[] {
  const disabled = ['Translate', 'AcceptCHFrame', 'MediaRouter', 'OptimizationHints', 'WebUIReloadButton', 'ProcessPerSiteUpToMainFrameThreshold', 'IsolateSandboxedIframes'];
  const enabled = ['PdfOopif'];
  const rest: string[] = [];
  for (const arg of ours) {
    if (arg.startsWith('--disable-features=')) disabled.push(...arg.slice('--disable-features='.length).split(',').filter(Boolean));
    else if (arg.startsWith('--enable-features=')) enabled.push(...arg.slice('--enable-features='.length).split(',').filter(Boolean));
    else rest.push(arg);
  }
  return [
    '--allow-pre-commit-input',
    '--disable-background-networking',
    '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
    '--disable-breakpad',
    '--disable-client-side-phishing-detection',
    '--disable-component-extensions-with-background-pages',
    '--disable-crash-reporter',
    '--disable-default-apps',
    '--disable-dev-shm-usage',
    '--disable-hang-monitor',
    '--disable-infobars',
    '--disable-ipc-flooding-protection',
    '--disable-popup-blocking',
    '--disable-prompt-on-repost',
    '--disable-renderer-backgrounding',
    '--disable-search-engine-choice-screen',
    '--disable-sync',
    '--enable-automation',
    '--export-tagged-pdf',
    '--force-color-profile=srgb',
    '--generate-pdf-document-outline',
    '--metrics-recording-only',
    '--no-first-run',
    '--password-store=basic',
    '--use-mock-keychain',
    `--disable-features=${disabled.join(',')}`,
    `--enable-features=${enabled.join(',')}`,
    `--user-data-dir=${userDataDir}`,
    '--headless=new',
    '--hide-scrollbars',
    '--mute-audio',
    '--disable-extensions',
    ...rest,
    // DevTools over file descriptors 3 and 4, not a WebSocket on a local port: no port
    // another local process could connect to
    '--remote-debugging-pipe',
    'about:blank',
  ];
}

/** Spawn Chromium in its own process group (so that it can be killed with all its children). */
export function spawnChrome(executable: string, args: string[]): { proc: ChildProcess; transport: PipeTransport; exited: Promise<never> } {
  const proc = spawn(executable, args, {
    detached: process.platform !== 'win32',
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    env: process.env,
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  // rejects when Chromium cannot start or exits; the caller races it against the connection
  const exited = new Promise<never>((_, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code, signal) => {
      const last = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(new Error(`Chromium exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ''}`));
    });
  });
  exited.catch(() => undefined);
  const transport = new PipeTransport(proc.stdio[3] as Writable, proc.stdio[4] as Readable);
  return { proc, transport, exited };
}

/** The DevTools protocol over Chromium's pipe: JSON messages, each ended by a NUL byte. */
export class PipeTransport implements ConnectionTransport {
  onmessage?: (message: string) => void;
  onclose?: () => void;
  private pending: Buffer[] = [];
  private closed = false;

  constructor(
    private readonly writable: Writable,
    readable: Readable,
  ) {
    readable.on('data', (chunk: Buffer) => this.receive(chunk));
    readable.on('close', () => this.end());
    readable.on('error', () => this.end());
    writable.on('error', () => this.end());
  }

  send(message: string): void {
    if (this.closed) return;
    this.writable.write(message);
    this.writable.write('\0');
  }

  close(): void {
    if (!this.closed) this.writable.end();
    this.end();
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(0); end !== -1; end = chunk.indexOf(0, start)) {
      // whole bytes first, then text: a character may be split between two chunks
      const message = Buffer.concat([...this.pending, chunk.subarray(start, end)]).toString('utf8');
      this.pending = [];
      start = end + 1;
      this.onmessage?.(message);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}
