/**
 * The one module that owns the browser's lifetime. One browser per build,
 * launched on first use or ahead of it (prepareTab in print-page.ts: a cold
 * build starts Chromium while it still loads and transforms the manuscript),
 * closed exactly once on every path (errors and signals included); Chromium
 * never outlives the build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'puppeteer-core';
import { findChrome } from './find-chrome.ts';
import { chromeArgs, spawnChrome } from './spawn-chrome.ts';
import { trace } from './trace.ts';

export interface BrowserOptions {
  /** path of a Chrome/Chromium executable; default: see findChrome */
  chrome?: string;
  /** launch timeout, ms */
  timeout?: number;
  /**
   * Ctrl-C (SIGINT) and SIGTERM close Chromium, then end the process with the signal (default). false:
   * the caller handles the signals itself and closes the session (`build --watch` and `preview`, which
   * Ctrl-C stops in the normal way)
   */
  handleSignals?: boolean;
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
  // a frame as soon as it is ready, not at the next tick of a 60 Hz clock: the preview's pictures
  // (screenshots wait for a frame) come 10-15 ms sooner; nothing animates, so no frames are made for nothing
  '--disable-frame-rate-limit',
  // no renderer started ahead for a next navigation that never comes: one process less to start
  // on a build's critical path (merged with puppeteer's own --disable-features list); and no address
  // bar's suggestion list built as a web page at launch (chrome://omnibox-popup.top-chrome, two of
  // them), which nobody sees in a headless browser: its renderer took 1.8 s of CPU in the first 7 s,
  // on the two cores the first pages need (the sample edition's cold build 9.2–10.1 → 7.8–8.5 s)
  '--disable-features=SpareRendererForSitePerProcess,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
];

/**
 * The size of each tab's window on the screen (CSS px). Nobody looks at it: the print lays out for the
 * paper, the engine measures in fixed sizes, and the preview's pictures are taken beyond the window
 * (captureBeyondViewport). One pixel high, since Chromium rasters what the window shows after every change
 * of the tab in front, on the cores the layout and the picture need: 800×600 was a quarter of a
 * broadsheet page rastered for nothing on every preview rebuild (the screen after a whole-article edit:
 * 0.20 → 0.18 s median, A/B in one process). 800 wide, as before: the width of the body.
 */
export const VIEWPORT = { width: 800, height: 1 };

/** The Chromium process of each browser (spawned here, so puppeteer's browser.process() is null). */
const processes = new WeakMap<Browser, ChildProcess>();

/** Idle tabs kept for reuse, at most this many (each holds a page's fonts in memory). */
const MAX_IDLE_TABS = 4;

export class BrowserSession {
  private browser: Browser | undefined;
  /** idle tabs by the key of what they may be reused for (print-page.ts sets it) */
  private idle: { key: string; page: Page; browser: Browser }[] = [];
  /** the documents each open tab has printed (its typeset paragraphs are cached in it) */
  private printed = new WeakMap<Page, Set<string>>();
  /** a tab opened ahead of need that has shown nothing yet: fit for any page (see print-page.ts prepareTab) */
  private spare: Promise<Page> | undefined;
  /** browsers whose launch tab (about:blank) has been handed out */
  private initialTaken = new WeakSet<Browser>();
  /** a blank tab kept in front of the print tabs during rebuilds (see toBackground) */
  private curtain: { browser: Browser; page: Promise<Page> } | undefined;
  /** the tab last opened or brought to the front through this session */
  private front: Page | undefined;
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

  /** Resolves once a launch in progress has ended, however it ended; starts none. */
  async launched(): Promise<void> {
    await this.launching?.catch(() => undefined);
  }

  /**
   * An idle tab that was set up for `key`, or undefined. Tabs are reused
   * between pages because a tab that has printed a page keeps its fonts in
   * memory: the next page loads in about half the time. Among them, a tab
   * that has printed `document` before (the same page, rebuilt) comes first:
   * it keeps that page's typeset paragraphs, so only the changed ones are set
   * again.
   */
  takeTab(key: string, document?: string): Page | undefined {
    const fit = (t: (typeof this.idle)[number]) => t.key === key && t.browser === this.browser && !t.page.isClosed();
    let i = document === undefined ? -1 : this.idle.findIndex((t) => fit(t) && this.printed.get(t.page)?.has(document));
    if (i === -1) i = this.idle.findIndex(fit);
    if (i === -1) return undefined;
    return this.idle.splice(i, 1)[0]!.page;
  }

  /**
   * The tab Chromium opened at launch, once per browser, if it is still blank:
   * printing in it spares starting one more renderer process.
   */
  async takeInitialTab(browser: Browser): Promise<Page | undefined> {
    if (this.initialTaken.has(browser)) return undefined;
    this.initialTaken.add(browser);
    // (it may not be announced yet just after the launch)
    await browser.waitForTarget((t) => t.type() === 'page', { timeout: 2_000 }).catch(() => undefined);
    const pages = await browser.pages();
    return pages.length === 1 && pages[0]!.url() === 'about:blank' ? pages[0] : undefined;
  }

  /**
   * Keep a tab being opened ahead of need. It has loaded nothing, so it is fit
   * for a page with any roots; takeSpare hands it out once. A spare that
   * failed to open (Chromium crashed) fails the print that takes it, which is
   * then retried on a fresh browser like any other crash.
   */
  setSpare(tab: Promise<Page>): void {
    tab.catch(() => undefined); // nobody may ever take it
    if (this.closing || this.spare) {
      void dispose(tab);
      return;
    }
    this.spare = tab;
  }

  /** true when a spare tab is open or opening */
  hasSpare(): boolean {
    return this.spare !== undefined;
  }

  /** The spare tab, once; undefined when there is none. */
  takeSpare(): Promise<Page> | undefined {
    const tab = this.spare;
    this.spare = undefined;
    return tab;
  }

  /** Give a tab back after a page printed well; the oldest idle tab is closed when there are too many. */
  async returnTab(key: string, page: Page, document?: string): Promise<void> {
    if (this.closing || !this.browser || page.browser() !== this.browser || page.isClosed()) {
      await page.close().catch(() => undefined);
      return;
    }
    if (document !== undefined) this.printed.set(page, (this.printed.get(page) ?? new Set()).add(document));
    this.idle.push({ key, page, browser: this.browser });
    while (this.idle.length > MAX_IDLE_TABS) await this.idle.shift()!.page.close().catch(() => undefined);
  }

  /** true when `page` has printed `document` before in this session (a rebuild of that page) */
  hasPrinted(page: Page, document: string): boolean {
    return this.printed.get(page)?.has(document) ?? false;
  }

  /** Note that `page` is now the tab in front: it was just opened (a new tab comes to the front) or brought there. */
  inFront(page: Page): void {
    this.front = page;
  }

  /** The tab this session last opened or brought to the front (a benchmark puts it back after a tab of its own). */
  frontTab(): Page | undefined {
    return this.front && !this.front.isClosed() ? this.front : undefined;
  }

  /**
   * Put the print tabs behind a blank tab. Chromium paints the tab in front after every change of its
   * page (a broadsheet page swapped in is rastered anew), which a print does not need and which takes
   * the cores the print needs: a rebuild printed in a tab behind took 30–40 ms less on the seed page.
   * Opens the blank tab on first use; print-page.ts asks for it when a tab prints a page it printed
   * before (a rebuild: a watch, the preview), not in a cold build, where one more tab would cost a
   * renderer process and its memory. A picture (the preview) brings its tab to the front again.
   */
  async toBackground(): Promise<void> {
    const browser = this.browser;
    if (!browser?.connected || this.closing) return;
    if (this.curtain?.browser !== browser) {
      const page = browser.newPage();
      page.then((p) => (this.front = p)).catch(() => undefined);
      this.curtain = { browser, page };
    }
    const page = await this.curtain.page.catch(() => undefined);
    if (!page || page.isClosed()) {
      this.curtain = undefined;
      return;
    }
    if (this.front === page) return;
    await page.bringToFront().catch(() => undefined);
    this.front = page;
  }

  /** Drop a crashed or hung browser so the next get() starts a fresh one. */
  async restart(): Promise<void> {
    const old = this.browser;
    this.browser = undefined;
    this.idle = [];
    this.curtain = undefined;
    this.front = undefined;
    const spare = this.takeSpare();
    if (spare) void dispose(spare);
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
      const spare = this.takeSpare();
      if (spare) void dispose(spare);
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
    return this.browser ? processes.get(this.browser)?.pid : undefined;
  }

  private async launch(): Promise<Browser> {
    // Before the launch, not after: Ctrl-C while Chromium starts must still close it
    // (it runs in its own process group and would outlive us).
    if (this.options.handleSignals !== false && !process.listeners('SIGINT').includes(this.onSignal)) {
      process.once('SIGINT', this.onSignal);
      process.once('SIGTERM', this.onSignal);
    }
    const executablePath = findChrome(this.options.chrome);
    this.profileDir ??= mkdtempSync(path.join(os.tmpdir(), 'banmian-chrome-'));
    const args = [...LAUNCH_ARGS];
    // Chromium's sandbox cannot start as root (containers, CI).
    if (process.getuid?.() === 0 || process.env.BANMIAN_NO_SANDBOX === '1') args.push('--no-sandbox');
    // Chromium first, puppeteer after: loading puppeteer (about a quarter of a second) overlaps
    // Chromium's start instead of preceding it
    const { proc, transport, exited } = spawnChrome(executablePath, chromeArgs(path.join(this.profileDir, String(Date.now())), args));
    trace('launching Chromium');
    let timer: NodeJS.Timeout | undefined;
    let browser: Browser;
    try {
      const { default: puppeteer } = await import('puppeteer-core');
      const timeout = this.options.timeout ?? 30_000;
      browser = await Promise.race([
        puppeteer.connect({ transport, defaultViewport: VIEWPORT, protocolTimeout: 120_000 }),
        exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Chromium did not start within ${timeout / 1000} s`)), timeout);
        }),
      ]);
    } catch (error) {
      killProcess(proc);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    processes.set(browser, proc);
    trace(`Chromium launched (pid ${proc.pid})`);
    this.browser = browser;
    return browser;
  }
}

/** Close a tab that may still be opening; a failed one needs nothing. */
async function dispose(tab: Promise<Page>): Promise<void> {
  const page = await tab.catch(() => undefined);
  await page?.close().catch(() => undefined);
}

/**
 * Chromium is killed, not asked to close: a polite Browser.close spends half a
 * second or more flushing a profile that is thrown away the moment after (each
 * launch gets a fresh temporary profile), and the PDFs are already in hand.
 */
async function killBrowser(browser: Browser): Promise<void> {
  const proc = processes.get(browser);
  const running = () => !!proc && proc.exitCode === null && proc.signalCode === null;
  const exited = running() ? new Promise<void>((resolve) => proc!.once('exit', () => resolve())) : Promise.resolve();
  if (proc) killProcess(proc);
  // wait for the exit (its profile folder is removed next), at most 5 s
  await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]);
  await browser.disconnect().catch(() => undefined);
}

/** SIGKILL to Chromium and its process group (renderers, zygote), also when the main process is gone. */
function killProcess(proc: ChildProcess): void {
  if (proc.exitCode === null && proc.signalCode === null) {
    try {
      proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  // Chromium runs in its own process group (spawned detached):
  // take its renderers and zygote with it, also when the main process crashed.
  if (proc.pid && process.platform !== 'win32') {
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
