/**
 * The one module that owns the browser's lifetime. One browser per build,
 * launched lazily, closed exactly once on every path (errors and signals
 * included); Chromium never outlives the build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { findChrome } from './find-chrome.ts';

export interface BrowserOptions {
  /** path of a Chrome/Chromium executable; default: see findChrome */
  chrome?: string;
  /** launch timeout, ms */
  timeout?: number;
}

const LAUNCH_ARGS = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--font-render-hinting=none',
  '--disable-quic',
];

/** Idle tabs kept for reuse, at most this many (each holds a page's fonts in memory). */
const MAX_IDLE_TABS = 4;

export class BrowserSession {
  private browser: Browser | undefined;
  /** idle tabs by the key of what they may be reused for (print-page.ts sets it) */
  private idle: { key: string; page: Page; browser: Browser }[] = [];
  private launching: Promise<Browser> | undefined;
  private closing: Promise<void> | undefined;
  private profileDir: string | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    void this.close().finally(() => process.kill(process.pid, signal));
  };

  constructor(private readonly options: BrowserOptions = {}) {}

  /** The running browser, launching it on first use (and again after a crash). */
  async get(): Promise<Browser> {
    if (this.closing) throw new Error('the browser session is closed');
    if (this.browser?.connected) return this.browser;
    this.launching ??= this.launch().finally(() => (this.launching = undefined));
    return this.launching;
  }

  /**
   * An idle tab that was set up for `key`, or undefined. Tabs are reused
   * between pages because a tab that has printed a page keeps its fonts in
   * memory: the next page loads in about half the time.
   */
  takeTab(key: string): Page | undefined {
    const i = this.idle.findIndex((t) => t.key === key && t.browser === this.browser && !t.page.isClosed());
    if (i === -1) return undefined;
    return this.idle.splice(i, 1)[0]!.page;
  }

  /** Give a tab back after a page printed well; the oldest idle tab is closed when there are too many. */
  async returnTab(key: string, page: Page): Promise<void> {
    if (this.closing || !this.browser || page.browser() !== this.browser || page.isClosed()) {
      await page.close().catch(() => undefined);
      return;
    }
    this.idle.push({ key, page, browser: this.browser });
    while (this.idle.length > MAX_IDLE_TABS) await this.idle.shift()!.page.close().catch(() => undefined);
  }

  /** Drop a crashed or hung browser so the next get() starts a fresh one. */
  async restart(): Promise<void> {
    const old = this.browser;
    this.browser = undefined;
    this.idle = [];
    if (old) await killBrowser(old);
  }

  /** Idempotent: every caller gets the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      const launching = this.launching;
      const browser = this.browser ?? (launching ? await launching.catch(() => undefined) : undefined);
      this.browser = undefined;
      this.idle = [];
      if (browser) await killBrowser(browser);
      if (this.profileDir) rmSync(this.profileDir, { recursive: true, force: true });
    })();
    return this.closing;
  }

  /** true once close() has been called (Ctrl-C, end of build): no new browser will start */
  isClosed(): boolean {
    return this.closing !== undefined;
  }

  /** process id of the running Chromium, for tests that kill it */
  pid(): number | undefined {
    return this.browser?.process()?.pid;
  }

  private async launch(): Promise<Browser> {
    // Before the launch, not after: Ctrl-C while Chromium starts must still close it
    // (it runs in its own process group and would outlive us).
    if (!process.listeners('SIGINT').includes(this.onSignal)) {
      process.once('SIGINT', this.onSignal);
      process.once('SIGTERM', this.onSignal);
    }
    const executablePath = findChrome(this.options.chrome);
    this.profileDir ??= mkdtempSync(path.join(os.tmpdir(), 'banmian-chrome-'));
    const args = [...LAUNCH_ARGS];
    // Chromium's sandbox cannot start as root (containers, CI).
    if (process.getuid?.() === 0 || process.env.BANMIAN_NO_SANDBOX === '1') args.push('--no-sandbox');
    const browser = await puppeteer.launch({
      executablePath,
      headless: true,
      args,
      userDataDir: path.join(this.profileDir, String(Date.now())),
      timeout: this.options.timeout ?? 30_000,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      protocolTimeout: 120_000,
    });
    this.browser = browser;
    return browser;
  }
}

async function killBrowser(browser: Browser): Promise<void> {
  const proc = browser.process();
  const exited = !!proc && (proc.exitCode !== null || proc.signalCode !== null);
  if (browser.connected && !exited) {
    // A polite close first (it flushes the profile); a hung browser gets 5 s, then SIGKILL.
    const timer = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref());
    await Promise.race([browser.close().catch(() => undefined), timer]);
  }
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    try {
      proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  // Chromium runs in its own process group (puppeteer launches it detached):
  // take its renderers and zygote with it, also when the main process crashed.
  if (proc?.pid && process.platform !== 'win32') {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      /* no such group: everything has exited */
    }
  }
}

/** Run `fn` with a fresh browser session that is closed afterwards, whatever happens. */
export async function withBrowser<T>(options: BrowserOptions, fn: (session: BrowserSession) => Promise<T>): Promise<T> {
  const session = new BrowserSession(options);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
