/**
 * Print one HTML page to PDF bytes: load it through the page server, wait for
 * the fonts, run the layout engine inside the page, then page.pdf(). Returns
 * bytes and the layout report; writing files is the pipeline's business.
 */
import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { CDPSession, Page } from 'puppeteer-core';
import { diagnostic, type Diagnostic } from '../diagnostics/index.ts';
import type { BrowserSession } from './browser.ts';
import { printedPdfBytes } from './spawn-chrome.ts';
import { trace } from './trace.ts';
import { ORIGIN, realPathInside, serveRequests, type Routes, type ServedJob, type ServedLog } from './page-server.ts';

export interface PrintJob {
  /** URL path of the document in routes.documents */
  path: string;
  routes: Routes;
  /** layout engine source (an IIFE defining globalThis.__banmian) and its options */
  layout?: { source: string; options: unknown };
  /** page.pdf outline/tagged options */
  outline?: boolean;
  /** also return the laid-out document as HTML (benchmarks compare against printing it bare) */
  snapshot?: boolean;
  /**
   * A picture of the laid-out page, taken before page.pdf() and handed over
   * at once: a screen (the preview) shows it without waiting for the PDF.
   * scale: picture pixels per CSS px.
   */
  picture?: PictureRequest;
  timeout?: number;
}

export interface PictureRequest {
  /** picture pixels per CSS px */
  scale: number;
  /**
   * the blocks of the picture a screen shows of this page now: then only the part of the page whose
   * blocks changed since is taken (a patch for that picture), unless most of the page changed
   */
  since?: PageBlocks;
  onPicture: (jpeg: Uint8Array, size: { width: number; height: number }, part: PicturePart) => void;
}

/**
 * What a laid-out page shows, block by block (furniture, headlines, figures, each column of text,
 * rules): a digest of each block's markup and its box in CSS px from the page's top left corner.
 */
export interface PageBlocks {
  width: number;
  height: number;
  blocks: [digest: string, x: number, y: number, width: number, height: number][];
}

export interface PicturePart {
  /** the part of the page the picture shows, in CSS px from its top left corner; none: the whole page */
  clip?: { x: number; y: number; width: number; height: number };
  /** this page's blocks (the `since` of its next picture) */
  blocks: PageBlocks;
}

export interface PrintResult<R = unknown> {
  pdf: Uint8Array;
  layout: R | undefined;
  requests: ServedLog;
  /** the laid-out document, when job.snapshot was set */
  html?: string;
  /** what the page itself found wrong: images the browser could not decode, fonts that did not load */
  problems: Diagnostic[];
  /** milliseconds spent in each step (npm run bench reports them) */
  timings: { load: number; layout: number; pdf: number; picture?: number };
}

/** The job each tab is printing now: its request handler answers from these routes. */
const tabJobs = new WeakMap<Page, ServedJob>();
/** Each tab's own DevTools session (it serves the tab's requests and prints it). */
const tabSessions = new WeakMap<Page, CDPSession>();
let swaps = 0;
/** The head (up to <body>, without <title>) of the page a tab printed last, when it printed well. */
const tabHeads = new WeakMap<Page, string>();
/** For tests: swapped bodies sent whole, sent as what changed, and sent whole again because the tab had lost its body. */
export const bodySwaps = { whole: 0, changed: 0, lost: 0 };
/** For tests: pages printed again because the print needed a font face the screen had not loaded. */
export const reprints = { count: 0 };

/**
 * The body each tab was given by its last swap, and that swap's id: the page keeps both, as
 * globalThis.__banmianBody, and takes a change only to the body of that id.
 */
const tabBodies = new WeakMap<Page, { id: string; body: string }>();
let bodyIds = 0;

/** A body for the page: whole, or as what changed in the body of swap `of` (its first `head` and last `tail` code units kept, `insert` between them). */
export type BodyChange = { body: string } | { head: number; tail: number; insert: string; of: string };

/**
 * The body as a change of `before` (what the tab has): a rebuild after a correction sends a few hundred
 * characters, not the page's 30 K (JSON-encoding non-ASCII text on the way to the page cost 5-10 ms). The
 * cut never splits a surrogate pair (the protocol's JSON would turn half a pair into U+FFFD).
 */
export function bodyChange(last: { id: string; body: string } | undefined, after: string): BodyChange {
  if (last === undefined) return { body: after };
  const before = last.body;
  const most = Math.min(before.length, after.length);
  let head = 0;
  while (head < most && before.charCodeAt(head) === after.charCodeAt(head)) head++;
  if (head > 0 && isHighSurrogate(before.charCodeAt(head - 1))) head--;
  let tail = 0;
  while (tail < most - head && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  if (tail > 0 && isLowSurrogate(before.charCodeAt(before.length - tail))) tail--;
  const insert = after.slice(head, after.length - tail);
  // (worth it only when most of the body stays)
  return insert.length * 2 > after.length ? { body: after } : { head, tail, insert, of: last.id };
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** A document split at its <body> tag; undefined when it has none. */
function splitAtBody(html: string | undefined): { headKey: string; title: string; body: string } | undefined {
  if (html === undefined) return undefined;
  const open = /<body\b[^>]*>/i.exec(html);
  const close = html.lastIndexOf('</body>');
  if (!open || close < open.index) return undefined;
  const head = html.slice(0, open.index + open[0].length);
  const title = /<title>([\s\S]*?)<\/title>/i.exec(head);
  return { headKey: head.replace(/<title>[\s\S]*?<\/title>/i, ''), title: title?.[1] ?? '', body: html.slice(open.index + open[0].length, close) };
}

/**
 * A tab for the job: an idle one that printed a page with the same roots
 * (same manuscript folder, template and fonts), the one that last printed
 * this document first, else the spare one opened
 * ahead of need (it has shown nothing yet), else a new one. A tab is only
 * reused for the same roots, so a cached font or file can never come from
 * another manuscript's folder.
 */
async function openTab(session: BrowserSession, key: string, document: string, timeout: number, background: boolean): Promise<Page> {
  const reused = session.takeTab(key, document);
  if (reused) {
    // a rebuild of the page: printed behind a blank tab, not painted on a screen nobody looks at (unless
    // a picture of it is wanted: a tab that comes to the front has to paint its whole page first)
    if (background && session.hasPrinted(reused, document)) await session.toBackground();
    return reused;
  }
  // a tab opened ahead of need (prepareTab); if it failed to open, so does this print (and it is retried)
  const spare = session.takeSpare();
  // Chromium's launch has a time limit of its own; the tab gets `timeout` once the browser runs
  // (a frozen browser can hang the opening of a tab)
  await (spare ? session.launched() : session.get());
  return withTimeout(spare ?? newTab(session), timeout, 'opening a tab');
}

/**
 * Start Chromium and open a tab now, ahead of the first page, so that they
 * start while the caller still loads and transforms the manuscript (a cold
 * build spends over a second on each). The tab has loaded nothing: the first
 * page printed takes it, whatever its roots. Errors (no Chromium) surface when
 * a page is printed.
 */
export function prepareTab(session: BrowserSession): void {
  if (session.isClosed() || session.hasSpare()) return;
  session.setSpare(newTab(session));
}

async function newTab(session: BrowserSession): Promise<Page> {
  const browser = await session.get();
  trace('opening a tab');
  const initial = await session.takeInitialTab(browser);
  const page = initial ?? (await browser.newPage());
  if (!initial) session.inFront(page);
  try {
    // Manuscript HTML never runs script: CSP in the template forbids it and script execution is off.
    // The layout engine runs through the DevTools protocol, which neither affects.
    const [, cdp] = await Promise.all([page.setJavaScriptEnabled(false), page.createCDPSession()]);
    await serveRequests(cdp, () => tabJobs.get(page));
    tabSessions.set(page, cdp);
    trace('tab ready');
    return page;
  } catch (error) {
    await page.close().catch(() => undefined);
    throw error;
  }
}

export async function printPage<R = unknown>(session: BrowserSession, job: PrintJob): Promise<PrintResult<R>> {
  const key = JSON.stringify(Object.entries(job.routes.roots).sort());
  const timeout = job.timeout ?? 60_000;
  const page = await openTab(session, key, job.path, timeout, !job.picture);
  let ok = false;
  try {
    const result = await withTimeout(runJob<R>(session, page, job, timeout), timeout * 2, `printing ${job.path}`);
    ok = true;
    return result;
  } finally {
    tabJobs.delete(page);
    // a tab that failed or hung is not trusted again
    if (ok) await session.returnTab(key, page, job.path);
    else await page.close().catch(() => undefined);
  }
}

async function runJob<R>(session: BrowserSession, page: Page, job: PrintJob, timeout: number): Promise<PrintResult<R>> {
  const requests: ServedLog = { blocked: [], served: [] };
  const t0 = performance.now();
  page.setDefaultTimeout(timeout);
  const served: ServedJob = { routes: job.routes, log: requests, navigations: 0 };
  tabJobs.set(page, served);
  const parts = splitAtBody(job.routes.documents[job.path]);
  // BANMIAN_DEBUG=1: each step of each page on stderr, with ms since the page began (where a hang sits)
  const D = (m: string) => process.env.BANMIAN_DEBUG && console.error(`[banmian ${job.path}] ${Math.round(performance.now() - t0)} ${m} @${Math.round(performance.now())}`);
  const previous = tabHeads.get(page);
  tabHeads.delete(page); // set again once this page has printed
  const lastBody = tabBodies.get(page);
  tabBodies.delete(page); // set again by a swap that succeeds
  const engine = job.layout && engineKey(job.layout.source);
  let layout: R | undefined;
  let laidOut = false;
  /** ms spent in the page laying out, when the swap laid out too (the rest of that evaluate counts as load) */
  let layoutMs = 0;
  /** the picture's blocks, when the swap read them */
  let blocksRead: ReadBlocks | undefined;
  /** font faces that had started loading (loaded, loading or failed) when the page was laid out: see the print below */
  let facesBefore = 0;
  if (parts && previous === parts.headKey) {
    // The tab shows a page with the same head (stylesheets, fonts): swap the body only. The
    // stylesheets stay parsed and the fonts stay loaded, which saves most of a page load.
    served.navigations = 1; // the page is loaded: a navigation now could only be the manuscript's doing
    D('swap body');
    // One round trip when the pictures are ready at once (the usual rebuild): swap, wait for the
    // fonts, and lay out with the engine the tab compiled before (a tab that swaps has one).
    const body = versionPictures(parts.body, job.routes);
    const swap = (change: BodyChange) => page.evaluate(
      async (change: BodyChange, id: string, title: string, key: string | null, options: unknown, wantBlocks: boolean) => {
        const marks = [performance.now()];
        const g = globalThis as unknown as {
          __banmianKey?: string;
          __banmian?: { layout(o: unknown): unknown; prepare?: () => void };
          __banmianBody?: { id: string; body: string };
          __banmianReadBlocks?: () => unknown;
        };
        const old = g.__banmianBody;
        g.__banmianBody = undefined;
        let body: string;
        if ('body' in change) body = change.body;
        else if (old?.id === change.of) body = old.body.slice(0, change.head) + change.insert + old.body.slice(old.body.length - change.tail);
        else return { stale: true as const };
        document.body.innerHTML = body;
        g.__banmianBody = { id, body };
        marks.push(performance.now());
        const decode = document.createElement('textarea');
        decode.innerHTML = title;
        document.title = decode.value;
        // the engine hides what it lays out itself (the module bodies), then style and lay out now, so the
        // fonts the rest needs start loading (those of the text the engine measures start in the engine)
        if (key !== null && g.__banmianKey === key) g.__banmian?.prepare?.();
        void document.body.offsetHeight;
        marks.push(performance.now());
        if (![...document.images].every((img) => img.complete)) return { complete: false };
        await document.fonts.ready;
        marks.push(performance.now());
        if (key === null || g.__banmianKey !== key || !g.__banmian) return { complete: true };
        const t = performance.now();
        const report = await g.__banmian.layout(options);
        marks.push(performance.now());
        // fonts.ready makes Chromium update style and layout for the screen, which the print then does
        // itself (as it must for paper): waited for only while a face loads
        if (document.fonts.status !== 'loaded') await document.fonts.ready;
        marks.push(performance.now());
        const ms = performance.now() - t;
        let faces = 0;
        for (const face of document.fonts) if (face.status !== 'unloaded') faces++;
        // the picture's blocks in the same turn (readBlocks, installed by an earlier picture of this tab)
        const blocks = wantBlocks && g.__banmianReadBlocks ? g.__banmianReadBlocks() : undefined;
        return { complete: true, report, ms, marks: marks.map((m) => Math.round(m - marks[0]!)), blocks, faces };
      },
      change,
      id,
      parts.title,
      engine ?? null,
      (job.layout ? layoutOptions(job) : null) as never,
      job.picture !== undefined,
    );
    // the tab is given what changed in its body since its last swap; a tab that lost it (it never
    // had it, or something else ran there) gets the whole body
    const id = `${process.pid}.${++bodyIds}`;
    const change = bodyChange(lastBody, body);
    D(`body: ${'body' in change ? 'whole' : `${change.insert.length} characters changed of ${body.length}`}`);
    bodySwaps['body' in change ? 'whole' : 'changed']++;
    let swapped = await swap(change);
    if ('stale' in swapped) {
      D('the tab had lost its body: sent whole');
      bodySwaps.lost++;
      swapped = await swap({ body });
    }
    if ('stale' in swapped) throw new Error(`${job.path}: the page did not take its body`);
    tabBodies.set(page, { id, body });
    if ('marks' in swapped) D(`in the page, ms from the start: body set ${swapped.marks![1]}, styled and laid out ${swapped.marks![2]}, fonts ${swapped.marks![3]}, engine ${swapped.marks![4]}, fonts again ${swapped.marks![5]}`);
    if ('report' in swapped) {
      layout = swapped.report as R;
      layoutMs = swapped.ms ?? 0;
      laidOut = true;
      blocksRead = swapped.blocks as ReadBlocks | undefined;
      facesBefore = swapped.faces!;
    }
    let complete = swapped.complete;
    // Wait for the pictures from here: in the page, neither load events (page script is off) nor
    // img.decode() (it waits for a frame, and a tab in the background may never paint one) would do.
    const until = performance.now() + timeout;
    while (!complete) {
      if (performance.now() > until) throw new Error(`pictures of ${job.path} did not load within ${timeout / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      complete = await page.evaluate(() => [...document.images].every((img) => img.complete));
    }
  } else {
    D('goto');
    // the pictures at addresses that name their version here too, as in a swapped body: a page's
    // markup then stays the same from its first load on (the preview compares it block by block)
    const html = job.routes.documents[job.path];
    if (html !== undefined) served.routes = { ...job.routes, documents: { ...job.routes.documents, [job.path]: versionPictures(html, job.routes) } };
    await page.goto(ORIGIN + job.path, { waitUntil: 'load', timeout });
  }
  D('loaded');
  if (job.layout && !laidOut) {
    // The engine (it only defines globalThis.__banmian) is compiled while the fonts still load; a tab
    // that swapped its body keeps the engine it compiled before, when it is the same source.
    const hasEngine = await page.evaluate(async (key) => {
      await document.fonts.ready;
      return (globalThis as unknown as { __banmianKey?: string }).__banmianKey === key;
    }, engine!);
    if (!hasEngine) await page.evaluate(`${job.layout.source}\n;globalThis.__banmianKey = ${JSON.stringify(engine)};`);
    const t = performance.now();
    const laid = await page.evaluate(async (options) => {
      const report = await (globalThis as unknown as { __banmian: { layout(o: unknown): unknown } }).__banmian.layout(options);
      // (as in the swap: no second layout for the screen unless a face loads)
      if (document.fonts.status !== 'loaded') await document.fonts.ready;
      let faces = 0;
      for (const face of document.fonts) if (face.status !== 'unloaded') faces++;
      return { report, faces };
    }, layoutOptions(job) as never);
    layout = laid.report as R;
    facesBefore = laid.faces;
    layoutMs = performance.now() - t;
  } else if (!job.layout) {
    facesBefore = await page.evaluate(facesWhenReady);
  }
  const t2 = performance.now();
  const t1 = t2 - layoutMs;
  D('laid out');
  // the preview's picture first: the screen shows the new page before the checks run
  let picture: number | undefined;
  if (job.picture) {
    const tp = performance.now();
    const shot = await takePicture(session, page, job.picture.scale, job.picture.since, blocksRead);
    D('shot');
    if (shot) job.picture.onPicture(shot.jpeg, shot.size, shot.part);
    picture = performance.now() - tp;
    // what the layout left for after the picture (the proof's positions): part of its report; and the
    // faces again, as the picture left them (it laid the page out for the screen)
    const after = await page.evaluate(async (readLater: boolean) => {
      const g = (globalThis as unknown as { __banmian?: { later?: () => object } }).__banmian;
      const read = readLater ? g?.later : undefined;
      if (g && readLater) g.later = undefined;
      const later = read ? read() : null;
      if (document.fonts.status !== 'loaded') await document.fonts.ready;
      let faces = 0;
      for (const face of document.fonts) if (face.status !== 'unloaded') faces++;
      return { later, faces };
    }, layout !== null && typeof layout === 'object');
    if (after.later && layout) Object.assign(layout, after.later);
    facesBefore = after.faces;
  }
  // The checks go with the print: Chromium's renderer lays out and paints for print first, and the
  // checks run there while another process (the print compositor) writes the PDF. Nothing changes the
  // page in between, so they read what printed.
  const t3 = performance.now();
  let printing = printToPdf(page, job.outline ?? false, timeout);
  printing.catch(() => undefined); // awaited below; a failed check must not leave it unhandled
  let checked = await checkPage(page, job.path, requests);
  D('checked');
  let pdf = await printing;
  // Chromium does not wait for fonts when it prints: a face the print needed and the screen had not
  // (text only the print lays out) printed as a fallback while it loaded. Once it has loaded, print
  // again. The faces counted started loading, and never stop counting: a face the print started shows.
  for (let again = 0; checked.faces > facesBefore && again < 3; again++) {
    D(`the print needed ${checked.faces - facesBefore} font faces the screen had not: printing again`);
    reprints.count++;
    facesBefore = await page.evaluate(facesWhenReady);
    printing = printToPdf(page, job.outline ?? false, timeout);
    printing.catch(() => undefined);
    checked = await checkPage(page, job.path, requests);
    pdf = await printing;
  }
  const problems = checked.problems;
  const t4 = performance.now();
  D('printed');
  const html = job.snapshot ? await page.content() : undefined;
  if (parts) tabHeads.set(page, parts.headKey);
  const timings = { load: t1 - t0, layout: t2 - t1, pdf: t4 - t3, ...(picture === undefined ? {} : { picture }) };
  return { pdf, layout, requests, html, problems, timings };
}

/**
 * In the page: wait for the fonts, then count the font faces that have started loading (loaded, loading
 * or failed). A face never goes back to unloaded, so a count that grew later means a face was needed
 * after this. (The swap and the checks count the same way inline: a function runs in the page as its
 * source text and cannot call this one.)
 */
async function facesWhenReady(): Promise<number> {
  await document.fonts.ready;
  let faces = 0;
  for (const face of document.fonts) if (face.status !== 'unloaded') faces++;
  return faces;
}

/**
 * The page as PDF bytes: Page.printToPDF with puppeteer's own parameters (US Letter paper, no margins:
 * the page's CSS size wins), returned in one message. puppeteer's page.pdf() would first ask the page
 * for its fonts once more (they are loaded: the layout awaited them) and then read the PDF back in
 * chunks over a stream; the bytes are the same, 20-30 ms sooner per page.
 */
async function printToPdf(page: Page, outline: boolean, timeout: number): Promise<Uint8Array> {
  const cdp = tabSessions.get(page);
  if (!cdp) return page.pdf({ preferCSSPageSize: true, printBackground: true, outline, tagged: true, timeout });
  const { data } = await withTimeout(
    cdp.send('Page.printToPDF', {
      transferMode: 'ReturnAsBase64',
      landscape: false,
      displayHeaderFooter: false,
      headerTemplate: '',
      footerTemplate: '',
      printBackground: true,
      scale: 1,
      paperWidth: 8.5,
      paperHeight: 11,
      marginTop: 0,
      marginBottom: 0,
      marginLeft: 0,
      marginRight: 0,
      pageRanges: '',
      preferCSSPageSize: true,
      generateTaggedPDF: true,
      generateDocumentOutline: outline,
    }),
    timeout,
    'printing to PDF',
  );
  return printedPdfBytes(data);
}

/**
 * The layout's options, with __later when the job takes a picture: the layout may then leave what the
 * picture does not need (the proof's positions) to globalThis.__banmian.later(), called after the picture.
 */
function layoutOptions(job: PrintJob): unknown {
  const options = job.layout!.options;
  return job.picture && options && typeof options === 'object' ? { ...options, __later: true } : options;
}

/** The key a tab keeps with the engine it compiled (the engine source is the same for a whole run). */
const engineKeys = new Map<string, string>();
function engineKey(source: string): string {
  let key = engineKeys.get(source);
  if (key === undefined) {
    if (engineKeys.size > 8) engineKeys.clear();
    engineKeys.set(source, (key = createHash('sha256').update(source).digest('hex')));
  }
  return key;
}

/**
 * The pictures of a swapped body at addresses that name their file's version (modification time and
 * size). A picture at an address the document showed before comes from the document's own list of
 * pictures, decoded, without a request: right for a file that did not change, wrong for one that did,
 * which now has a new address. A file that cannot be found gets an address of its own (it fails to load
 * and is reported as before).
 */
function versionPictures(body: string, routes: Routes): string {
  const sources = new Set<string>();
  for (const m of body.matchAll(/\ssrc="(\/[^"?#]*)"/g)) sources.add(m[1]!);
  const versions = new Map<string, string>();
  // (synchronous: a few pictures; a thread-pool turn for each file call cost more than the calls)
  for (const src of sources) {
    let pathname: string;
    try {
      pathname = decodeURIComponent(src);
    } catch {
      continue;
    }
    const root = Object.entries(routes.roots).find(([prefix]) => pathname.startsWith(prefix));
    if (!root) continue;
    // only a file the page server would serve: inside its folder, symlinks resolved (nothing is
    // learnt, not even the size or date, of a file outside it: its address stays without a version)
    const real = realPathInside(root[1], path.resolve(root[1], '.' + path.sep + pathname.slice(root[0].length)));
    if (real === undefined) continue;
    let info: Stats;
    try {
      info = statSync(real);
    } catch {
      continue;
    }
    if (info.isFile()) versions.set(src, `v=${Math.round(info.mtimeMs * 1000)}-${info.size}`);
  }
  return body.replace(/(\ssrc=")(\/[^"?#]*)"/g, (_, attr: string, src: string) => `${attr}${src}?${versions.get(src) ?? `swap=${++swaps}`}"`);
}

/** One picture at a time: Chromium paints only the tab in front, so each tab comes to the front for its picture. */
let pictureQueue: Promise<unknown> = Promise.resolve();

/**
 * The most pixels an early picture has. Chromium's picture costs about in proportion to its pixels
 * (raster, compositing, copy and JPEG: 0.1-0.15 µs each here, and 10-15 ms whatever the size): a patch
 * of a column or two is taken at the picture's scale, a bigger part at less, so that it still comes at
 * once (a whole article of the seed page at 39 dpi instead of 48: 15-20 ms sooner; a whole broadsheet page
 * at 28 dpi). It only shows where the text went: the picture of the PDF replaces it.
 */
export const PICTURE_PIXELS = 250_000;

/** The scale of an early picture of `area` (CSS px): `scale`, or less when that would make more than PICTURE_PIXELS. */
export function pictureScale(scale: number, area: { width: number; height: number }): number {
  const pixels = area.width * area.height * scale * scale;
  return pixels <= PICTURE_PIXELS ? scale : Math.sqrt(PICTURE_PIXELS / (area.width * area.height));
}

/** Margin around a changed block, CSS px: glyphs and rules paint a little outside their boxes. */
const PATCH_MARGIN = 6;
/** A change over more than this share of the page is taken as a whole picture. */
const PATCH_MAX_SHARE = 0.6;

/**
 * A JPEG of the laid-out page, or of the part of it that changed since `since`. It is only a preview of
 * what the PDF will show: when Chromium does not deliver it within a few seconds, there is no picture
 * (the screen waits for the PDF) rather than a stalled print. Chromium's picture costs about in
 * proportion to its pixels: a big part is taken at a lower scale (pictureScale).
 */
function takePicture(
  session: BrowserSession,
  page: Page,
  scale: number,
  since: PageBlocks | undefined,
  read: ReadBlocks | undefined,
): Promise<{ jpeg: Uint8Array; size: { width: number; height: number }; part: PicturePart } | undefined> {
  const run = pictureQueue.then(async () => {
    // read by the swap (nothing changed on the page since), or read now, installed for the swaps to come
    const { box, blocks, visible } = read ?? ((await page.evaluate(`(globalThis.__banmianReadBlocks = ${readBlocks.toString()})()`)) as ReadBlocks);
    const part: PicturePart = { blocks };
    let at = scale;
    if (since) {
      const changed = changedArea(since, blocks);
      if (process.env.BANMIAN_DEBUG) console.error(`[banmian] picture: ${typeof changed === 'string' ? changed : JSON.stringify(changed)} of ${Math.round(blocks.width)}x${Math.round(blocks.height)} @${Math.round(performance.now())}`);
      if (changed === 'none') return undefined;
      if (changed !== 'all') {
        at = pictureScale(scale, changed);
        part.clip = snapToPixels(changed, at, blocks);
      }
    }
    if (!part.clip) at = pictureScale(scale, box);
    // (the tab in front may have changed since the swap read the blocks: the session knows which it is)
    if (!visible || session.frontTab() !== page) await page.bringToFront();
    session.inFront(page);
    const clip = part.clip ?? { x: 0, y: 0, width: box.width, height: box.height };
    const jpeg = await page.screenshot({ type: 'jpeg', quality: 85, clip: { x: box.x + clip.x, y: box.y + clip.y, width: clip.width, height: clip.height, scale: at }, captureBeyondViewport: true });
    return { jpeg, size: { width: box.width, height: box.height }, part };
  });
  const bounded = withTimeout(run, 5_000, 'the preview picture').catch(() => undefined);
  pictureQueue = bounded;
  return bounded;
}

interface ReadBlocks {
  box: { x: number; y: number; width: number; height: number };
  blocks: PageBlocks;
  visible: boolean;
}

/**
 * In the page: the page's box and its blocks. A block is a child of the page other than the grid, a
 * child of the grid other than a module (rules), or a child of a module (headline, figure, column of
 * text); its digest covers its markup and its module's attributes (styles inherited from there).
 */
function readBlocks(): ReadBlocks {
  // no inner functions here: the function runs in the page as its source text
  const root = document.querySelector('.bm-page') ?? document.body;
  const r = root.getBoundingClientRect();
  const found: [Element, string][] = [];
  for (const el of root.children) {
    if (!el.classList.contains('bm-grid')) {
      found.push([el, '']);
      continue;
    }
    for (const child of el.children) {
      if (!child.classList.contains('bm-module')) {
        found.push([child, '']);
        continue;
      }
      const context = [...child.attributes].map((a) => `${a.name}=${a.value}`).join(' ');
      for (const block of child.children) found.push([block, context]);
    }
  }
  const blocks: PageBlocks['blocks'] = [];
  for (const [el, context] of found) {
    const text = context + el.outerHTML;
    // the digest: two 32-bit FNV-1a-style hashes with different multipliers, and the length
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    const e = el.getBoundingClientRect();
    blocks.push([`${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${text.length.toString(36)}`, e.left - r.left, e.top - r.top, e.width, e.height]);
  }
  return {
    box: { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height },
    blocks: { width: r.width, height: r.height, blocks },
    // the tab in front paints; one behind must come to the front first
    visible: document.visibilityState === 'visible',
  };
}

/** The box around every block that is new, gone or moved since `before`; 'all' when the page itself changed size or most of it changed. */
export function changedArea(before: PageBlocks, now: PageBlocks): { x: number; y: number; width: number; height: number } | 'all' | 'none' {
  if (Math.abs(before.width - now.width) > 0.5 || Math.abs(before.height - now.height) > 0.5) return 'all';
  const key = (b: PageBlocks['blocks'][number]) => b.map((v) => (typeof v === 'number' ? v.toFixed(2) : v)).join(' ');
  const old = new Set(before.blocks.map(key));
  const current = new Set(now.blocks.map(key));
  const changed = [...now.blocks.filter((b) => !old.has(key(b))), ...before.blocks.filter((b) => !current.has(key(b)))];
  if (!changed.length) return 'none';
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const [, x, y, w, h] of changed) {
    left = Math.min(left, x - PATCH_MARGIN);
    top = Math.min(top, y - PATCH_MARGIN);
    right = Math.max(right, x + w + PATCH_MARGIN);
    bottom = Math.max(bottom, y + h + PATCH_MARGIN);
  }
  left = Math.max(0, left);
  top = Math.max(0, top);
  right = Math.min(now.width, right);
  bottom = Math.min(now.height, bottom);
  if (right <= left || bottom <= top) return 'none';
  if ((right - left) * (bottom - top) > PATCH_MAX_SHARE * now.width * now.height) return 'all';
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** The area widened to whole picture pixels, so that the patch lies exactly on the picture's pixel grid. */
function snapToPixels(area: { x: number; y: number; width: number; height: number }, scale: number, page: PageBlocks) {
  const x = Math.floor(area.x * scale) / scale;
  const y = Math.floor(area.y * scale) / scale;
  const right = Math.min(page.width, Math.ceil((area.x + area.width) * scale) / scale);
  const bottom = Math.min(page.height, Math.ceil((area.y + area.height) * scale) / scale);
  return { x, y, width: right - x, height: bottom - y };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]);
}

interface PageCheck {
  images: { src: string; file: string; line: number | null; column: number | null }[];
  fonts: { family: string; weight: string; style: string }[];
  unbundled: { family: string; file: string }[];
  uncovered: { file: string; chars: string[] }[];
  clipped: { file: string; text: string; px: number }[];
  /** font faces loaded, loading or failed (not unloaded) when the checks began */
  faces: number;
}

/**
 * After the page has loaded: every image must have decoded (a corrupt file
 * the header checks missed shows as naturalWidth 0) and every font face the
 * page started to load must have loaded. Runs through page.evaluate, so it
 * works with page scripts disabled.
 */
async function checkPage(page: Page, docPath: string, requests: ServedLog): Promise<{ problems: Diagnostic[]; faces: number }> {
  const found: PageCheck = await page.evaluate(async () => {
    // the font faces that started loading, before the checks lay the page out for the screen: the
    // print came first, and these include what it needed
    let faces = 0;
    for (const face of document.fonts) if (face.status !== 'unloaded') faces++;
    const images: PageCheck['images'] = [];
    for (const img of document.querySelectorAll<HTMLImageElement>('img')) {
      if (!img.getAttribute('src')) continue; // already reported by the transform stage
      if (!img.complete || img.naturalWidth === 0) {
        try {
          await img.decode();
          if (img.naturalWidth > 0) continue;
        } catch {
          /* broken */
        }
        const module = img.closest<HTMLElement>('[data-file]');
        const line = Number(img.dataset.bmLine);
        const column = Number(img.dataset.bmColumn);
        images.push({
          src: img.getAttribute('src') ?? '',
          file: module?.dataset.file ?? '',
          line: Number.isFinite(line) && line > 0 ? line : null,
          column: Number.isFinite(column) && column > 0 ? column : null,
        });
      }
    }
    // The page's font faces (some 500: five faces in ~100 subsets each), with their families and
    // the characters they cover, kept in the window while the set of faces stays the same: a body swap
    // keeps the stylesheets, and reading every face's unicode-range costs more than the rest of the checks.
    const w = window as unknown as { __banmianFaces?: { size: number; faces: FontFace[]; families: string[]; merged: [number, number][] } };
    let known = w.__banmianFaces;
    if (!known || known.size !== document.fonts.size) {
      const faces = [...document.fonts];
      // Characters no bundled face covers (by the faces' unicode-range): they print from
      // whatever system font has them, or as an empty box when none has them.
      const ranges: [number, number][] = [];
      // the bundled faces share their subsets' unicode-range lists (5 faces × ~100 subsets): parse each list once
      const lists = new Set<string>();
      for (const face of faces) lists.add(face.unicodeRange);
      for (const list of lists) {
        for (const part of list.split(',')) {
          const m = /U\+([0-9a-f?]+)(?:-([0-9a-f]+))?/i.exec(part.trim());
          if (!m) continue;
          const lo = parseInt(m[1]!.replace(/\?/g, '0'), 16);
          const hi = m[2] ? parseInt(m[2], 16) : parseInt(m[1]!.replace(/\?/g, 'f'), 16);
          ranges.push([lo, hi]);
        }
      }
      // merged into sorted, disjoint intervals: a binary search per character
      ranges.sort((a, b) => a[0] - b[0]);
      const merged: [number, number][] = [];
      for (const r of ranges) {
        const last = merged[merged.length - 1];
        if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
        else merged.push([r[0], r[1]]);
      }
      known = w.__banmianFaces = { size: faces.length, faces, families: faces.map((face) => face.family.replace(/^["']|["']$/g, '')), merged };
    }
    const fonts: PageCheck['fonts'] = [];
    const loaded = new Set<string>();
    for (const [i, face] of known.faces.entries()) {
      const family = known.families[i]!;
      loaded.add(family.toLowerCase());
      if (face.status === 'error' && !fonts.some((f) => f.family === family && f.weight === face.weight && f.style === face.style)) {
        fonts.push({ family, weight: face.weight, style: face.style });
      }
    }
    // A family the page's CSS asks for first that no @font-face provides: Chromium silently uses a system font.
    const generic = new Set(['serif', 'sans-serif', 'monospace', 'cursive', 'fantasy', 'system-ui', 'ui-serif', 'ui-sans-serif', 'ui-monospace', 'math', 'emoji', 'fangsong', 'inherit', 'initial']);
    const unbundled: PageCheck['unbundled'] = [];
    const seen = new Set<string>();
    for (const el of document.querySelectorAll<HTMLElement>('.bm-page, .bm-page *')) {
      if (!el.firstChild || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim())) continue;
      const first = getComputedStyle(el).fontFamily.split(',')[0]!.trim().replace(/^["']|["']$/g, '');
      if (!first || generic.has(first.toLowerCase()) || loaded.has(first.toLowerCase()) || seen.has(first)) continue;
      seen.add(first);
      unbundled.push({ family: first, file: el.closest<HTMLElement>('[data-file]')?.dataset.file ?? '' });
    }
    const merged = known.merged;
    const uncovered: PageCheck['uncovered'] = [];
    const covered = new Map<number, boolean>();
    if (merged.length) {
      const walker = document.createTreeWalker(document.querySelector('.bm-page') ?? document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement?.closest('rp')) continue;
        for (const ch of node.textContent ?? '') {
          const cp = ch.codePointAt(0)!;
          if (cp < 0x80 || /\s/.test(ch) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x200b && cp <= 0x200f)) continue;
          let ok = covered.get(cp);
          if (ok === undefined) {
            // (a binary search written out: a named helper would not survive serialization into the page)
            let lo = 0;
            let hi = merged.length - 1;
            ok = false;
            while (lo <= hi) {
              const mid = (lo + hi) >> 1;
              if (cp < merged[mid]![0]) hi = mid - 1;
              else if (cp > merged[mid]![1]) lo = mid + 1;
              else {
                ok = true;
                break;
              }
            }
            covered.set(cp, ok);
          }
          if (ok) continue;
          const file = node.parentElement?.closest<HTMLElement>('[data-file]')?.dataset.file ?? '';
          const entry = uncovered.find((u) => u.file === file);
          if (!entry) uncovered.push({ file, chars: [ch] });
          else if (!entry.chars.includes(ch)) entry.chars.push(ch);
        }
      }
    }
    // Text wider than its box is cut off at the column edge (a long URL in a list item):
    // lost in print unless reported. Leaf text blocks only; containers may clip on purpose.
    const clipped: PageCheck['clipped'] = [];
    for (const el of document.querySelectorAll<HTMLElement>('.bm-module p, .bm-module li, .bm-module h1, .bm-module h2, .bm-module h3, .bm-module h4, .bm-module h5, .bm-module h6, .bm-module figcaption, .bm-module td, .bm-module th, .bm-module dd, .bm-module dt')) {
      // up to 2 em is left alone: hanging punctuation at line end sticks out by design
      const em = parseFloat(getComputedStyle(el).fontSize) || 16;
      if (!el.clientWidth || el.scrollWidth <= el.clientWidth + 2 * em) continue;
      const file = el.closest<HTMLElement>('[data-file]')?.dataset.file ?? '';
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (clipped.length < 20) clipped.push({ file, text: text.length > 30 ? `${text.slice(0, 30)}…` : text, px: el.scrollWidth - el.clientWidth });
    }
    return { images, fonts, unbundled, uncovered, clipped, faces };
  });
  const problems: Diagnostic[] = [];
  for (const img of found.images) {
    const src = decodeURIComponent(img.src.replace(/^\/manuscript\//, '').replace(/\?(swap|v)=[\d-]+$/, ''));
    problems.push(
      diagnostic(img.file || docPath, { line: img.line, column: img.column }, 'error', 'image-undecodable',
        `image "${src}" cannot be decoded by the browser (damaged or an unsupported variant): export it again as PNG or JPEG`),
    );
  }
  const blockedFonts = requests.blocked.filter((u) => /\.(woff2?|ttf|otf)(\?|$)/i.test(u));
  for (const f of found.fonts) {
    problems.push(
      diagnostic(docPath, undefined, 'error', 'font-failed',
        `the font "${f.family}" (weight ${f.weight}, ${f.style}) could not be loaded${blockedFonts.length ? ` (${blockedFonts.slice(0, 3).join(', ')})` : ''}: its file is missing or damaged; reinstall the bundled fonts with \`npm ci\`, or fix the template's @font-face`),
    );
  }
  for (const u of found.unbundled) {
    problems.push(
      diagnostic(u.file || docPath, undefined, 'warning', 'font-not-bundled',
        `the template asks for the font "${u.family}", which is not bundled: the browser used a system font instead; bundle it with @font-face or remove it from the template's font-family`),
    );
  }
  for (const c of found.clipped) {
    problems.push(
      diagnostic(c.file || docPath, undefined, 'error', 'text-cut-off',
        `text runs ${Math.round(c.px)} px past the edge of its column and is cut off in print: "${c.text}"; break the long word or URL (or shorten it)`),
    );
  }
  for (const u of found.uncovered) {
    const list = u.chars.slice(0, 12).map((c) => `${c} (U+${c.codePointAt(0)!.toString(16).toUpperCase()})`).join(', ');
    problems.push(
      diagnostic(u.file || docPath, undefined, 'warning', 'glyph-not-bundled',
        `no bundled font has ${list}${u.chars.length > 12 ? ` and ${u.chars.length - 12} more` : ''}: they print from a system font, or as an empty box if none has them; check the proof, or use a common form of the character`),
    );
  }
  return { problems, faces: found.faces };
}
