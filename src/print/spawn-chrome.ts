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

/**
 * PDFs taken out of Page.printToPDF's answers on their way in (see PipeTransport): the answer's data is
 * then a token, and the PDF's bytes are here under it until printedPdfBytes takes them.
 */
const printedPdfs = new Map<string, Uint8Array>();
/** For tests: printed PDFs the pipe set aside as bytes since the process started. */
export const pipeStats = { pdfsSetAside: 0 };
let pdfTokens = 0;
const TOKEN_PREFIX = 'banmian-pdf:';

/**
 * The bytes of a Page.printToPDF answer's `data`: the PDF the pipe set aside under that token, or the
 * base64 itself decoded (a browser reached another way).
 */
export function printedPdfBytes(data: string): Uint8Array {
  if (data.startsWith(TOKEN_PREFIX)) {
    const bytes = printedPdfs.get(data);
    printedPdfs.delete(data);
    if (!bytes) throw new Error('the printed PDF is no longer held: taken already, or dropped after 16 later ones');
    return bytes;
  }
  return new Uint8Array(Buffer.from(data, 'base64'));
}

const DATA = Buffer.from('"result":{"data":"');
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
/** how an answer that carries a PDF begins (Chromium writes the id first, then the result) */
const PDF_ANSWER = /^\{"id":(\d+),"result":\{"data":"/;
/** base64 without padding, and with (the end of the data) */
const BASE64 = /^[A-Za-z0-9+/]*$/;
const BASE64_END = /^[A-Za-z0-9+/]*={0,2}$/;

/** A printed PDF's base64 on its way through the pipe, decoded a chunk at a time. */
interface Streamed {
  /** the answer's text up to its data */
  head: string;
  /** the data decoded so far */
  parts: Buffer[];
  /** base64 characters not yet decoded (less than a group of four) */
  carry: string;
}

/** The DevTools protocol over Chromium's pipe: JSON messages, each ended by a NUL byte. */
export class PipeTransport implements ConnectionTransport {
  onmessage?: (message: string) => void;
  onclose?: () => void;
  private pending: Buffer[] = [];
  private closed = false;
  /** ids of Page.printToPDF calls not answered yet: their PDFs skip the JSON (see stream and answer) */
  private printing = new Set<string>();
  /** a printed PDF's answer whose data is coming in */
  private streamed: Streamed | undefined;

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
    if (message.includes('"method":"Page.printToPDF"') && message.includes('"transferMode":"ReturnAsBase64"')) {
      this.printing.add(String((JSON.parse(message) as { id: number }).id));
      // (an answer that was an error leaves its id here: the oldest go)
      for (const old of this.printing) if (this.printing.size > 32) this.printing.delete(old);
    }
    this.writable.write(message);
    this.writable.write('\0');
  }

  close(): void {
    if (!this.closed) this.writable.end();
    this.end();
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      if (this.streamed) {
        start = this.stream(chunk, start);
        if (this.streamed) return; // (the data goes on in the next chunk)
        continue;
      }
      const end = chunk.indexOf(0, start);
      if (end === -1) break;
      // whole bytes first, then text: a character may be split between two chunks
      const bytes = this.pending.length ? Buffer.concat([...this.pending, chunk.subarray(start, end)]) : chunk.subarray(start, end);
      this.pending = [];
      start = end + 1;
      this.onmessage?.(this.answer(bytes));
    }
    if (start >= chunk.length) return;
    // A message that goes on in the next chunk: when it is a printed PDF's answer, its data is
    // decoded as it comes (see stream), not gathered first.
    if (this.pending.length === 0 && this.printing.size > 0) {
      const head = PDF_ANSWER.exec(chunk.toString('latin1', start, Math.min(chunk.length, start + 48)));
      if (head && this.printing.delete(head[1]!)) {
        this.streamed = { head: head[0], parts: [], carry: '' };
        this.receive(chunk.subarray(start + head[0].length));
        return;
      }
    }
    this.pending.push(chunk.subarray(start));
  }

  /**
   * A printed PDF's base64 from `start` in `chunk`, up to its closing quote: decoded a chunk at a time,
   * four characters to three bytes. Gathering the megabyte of base64 first and making it one string cost
   * page faults on two new megabytes (5 ms a page on the test machine). At the quote the PDF is set
   * aside and the rest of the answer goes the ordinary way, with a token for the data. A character that
   * is not base64 (an escape) turns the answer back into text as it came (the decoded groups encoded
   * again: the same characters), passed on whole with its data: printedPdfBytes decodes that.
   * Returns where the chunk goes on.
   */
  private stream(chunk: Buffer, start: number): number {
    const s = this.streamed!;
    const quote = chunk.indexOf(QUOTE, start);
    const text = s.carry + chunk.toString('latin1', start, quote === -1 ? chunk.length : quote);
    if (!(quote === -1 ? BASE64 : BASE64_END).test(text)) {
      this.streamed = undefined;
      this.pending = [Buffer.from(s.head + Buffer.concat(s.parts).toString('base64') + s.carry, 'latin1')];
      return start;
    }
    const whole = quote === -1 ? text.length - (text.length % 4) : text.length;
    if (whole > 0) s.parts.push(Buffer.from(text.slice(0, whole), 'base64'));
    s.carry = text.slice(whole);
    if (quote === -1) return chunk.length;
    this.streamed = undefined;
    const token = `${TOKEN_PREFIX}${++pdfTokens}`;
    this.setAside(token, s.parts.length === 1 ? s.parts[0]! : Buffer.concat(s.parts));
    this.pending = [Buffer.from(s.head + token, 'latin1')];
    return quote;
  }

  private setAside(token: string, pdf: Uint8Array): void {
    printedPdfs.set(token, pdf);
    pipeStats.pdfsSetAside++;
    // (a print that timed out never takes its PDF: the oldest go)
    for (const old of printedPdfs.keys()) if (printedPdfs.size > 16) printedPdfs.delete(old);
  }

  /**
   * A message as text. A printed PDF (a megabyte or more as base64) is set aside as bytes and its answer
   * passed on with a token for `data`: decoding it as UTF-8, parsing it as JSON and only then from base64
   * took 10-20 ms of the event loop per page. Here go the answers stream() did not take: one that came
   * in a single chunk, or whose beginning was cut between two chunks.
   */
  private answer(bytes: Buffer): string {
    if (this.printing.size === 0 || bytes.length < 4096) return bytes.toString('utf8');
    const id = /^\{"id":(\d+),/.exec(bytes.subarray(0, 32).toString('latin1'))?.[1];
    if (id === undefined || !this.printing.delete(id)) return bytes.toString('utf8');
    const from = bytes.indexOf(DATA);
    if (from < 0 || from > 64) return bytes.toString('utf8');
    const start = from + DATA.length;
    const end = bytes.indexOf(QUOTE, start);
    // base64 has no escapes; anything else goes the ordinary way
    if (end < 0 || bytes.subarray(start, end).includes(BACKSLASH)) return bytes.toString('utf8');
    const token = `${TOKEN_PREFIX}${++pdfTokens}`;
    this.setAside(token, new Uint8Array(Buffer.from(bytes.subarray(start, end).toString('latin1'), 'base64')));
    return bytes.subarray(0, start).toString('latin1') + token + bytes.subarray(end).toString('utf8');
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}
