/**
 * The live preview: an HTTP server on 127.0.0.1 (node:http) that shows the
 * laid-out pages and pushes changes with Server-Sent Events. One
 * BrowserSession for the whole run; a file watcher on the manuscript folder
 * re-lays out on every save, and pages whose inputs did not change (same
 * content hash) are neither printed nor converted again.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { watchManuscript } from '../parse/index.ts';
import { collectWhenIdle } from '../pipeline/index.ts';
import type { BrowserSession, PageBlocks } from '../print/index.ts';
import { pageFindings, pageGrid, pageLayoutOf, type Finding } from '../proof/findings.ts';
import { renderEdition, type PageCache } from '../proof/render-pages.ts';
import { CLIENT_SCRIPT, previewPageHtml } from './client.ts';
import { pdfPageToPng } from './render-png.ts';

export interface PreviewOptions {
  session: BrowserSession;
  /** 0: any free port */
  port?: number;
  /** resolution of the page pictures (default 110 dpi) */
  dpi?: number;
  /**
   * resolution of the early picture of a changed page, taken from the laid-out page before its PDF
   * is printed (default 48 dpi, at most dpi). The sharp picture of the PDF replaces it a moment later;
   * the early one only has to show at once where the text went: Chromium takes a 48-dpi picture of a
   * broadsheet page in a third to a fifth of the time of a 110-dpi one. A picture that would have more
   * than PICTURE_PIXELS pixels at this resolution is taken at less (a whole article, a whole page).
   */
  draftDpi?: number;
  /**
   * wait this long after a file event before re-laying out (default 40 ms: an editor's save is a burst
   * of events a few ms apart; changes that arrive during a rebuild start one more rebuild after it)
   */
  debounceMs?: number;
  log?: (line: string) => void;
  /** called as soon as the server listens, before the first layout (print the URL, open the browser) */
  onListening?: (url: string) => void;
}

interface PreviewPage {
  index: number;
  label: string;
  name: string;
  hash: string;
  version: number;
  /** the picture shown: first the laid-out page straight from the browser (draft, JPEG), then one of its PDF (PNG) */
  png: Uint8Array;
  type: 'image/png' | 'image/jpeg';
  draft: boolean;
  /**
   * pictures of the parts that changed since the picture above, laid over it in order (JPEG, taken
   * from the laid-out page like a draft; in pt from the page's top left corner); the picture of the
   * new PDF replaces them all
   */
  patches: { version: number; x: number; y: number; width: number; height: number }[];
  /** what the screen shows of the page, block by block: the next early picture takes only what changed since */
  blocks?: PageBlocks;
  /** pt */
  width: number;
  height: number;
  findings: (Finding & { pageIndex: number })[];
}

export interface RebuildResult {
  /** indices of pages laid out and printed again */
  rendered: number[];
  /** indices of pages taken from the cache */
  cached: number[];
}

export interface Preview {
  url: string;
  /** re-lay out now (also runs by itself when a manuscript file changes) */
  rebuild(): Promise<RebuildResult>;
  /** resolves after the next rebuild that follows a file change */
  nextRebuild(): Promise<RebuildResult>;
  close(): Promise<void>;
}

export async function startPreview(input: string, options: PreviewOptions): Promise<Preview> {
  const log = options.log ?? (() => undefined);
  const dpi = options.dpi ?? 110;
  const draftDpi = Math.min(dpi, options.draftDpi ?? 48);
  const cache: PageCache = new Map();
  const pages = new Map<number, PreviewPage>();
  /** the patches' JPEGs, by `${page index}/${version}` */
  const patchImages = new Map<string, Uint8Array>();
  const dropPatches = (page: PreviewPage | undefined) => {
    for (const p of page?.patches ?? []) patchImages.delete(`${page!.index}/${p.version}`);
  };
  let diagnostics: Finding[] = [];
  let title = 'Banmian preview';
  let version = 0;
  let updated = Date.now();
  let building = false;
  const clients = new Set<ServerResponse>();
  const waiters: ((r: RebuildResult) => void)[] = [];

  const state = () => ({
    building,
    updated,
    diagnostics,
    pages: [...pages.values()].sort((a, b) => a.index - b.index).map(({ png: _png, hash: _hash, blocks: _blocks, ...p }) => p),
  });
  const send = (event: string, data: unknown) => {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of clients) res.write(text);
  };

  async function doRebuild(): Promise<RebuildResult> {
    building = true;
    send('building', {});
    const result: RebuildResult = { rendered: [], cached: [] };
    /** pages whose early picture (whole or patch) this rebuild showed */
    const drafted = new Set<number>();
    try {
      const rendered = await renderEdition(input, {
        session: options.session,
        cache,
        // Show each changed page as soon as it is laid out; the picture of its PDF follows.
        picture: {
          scale: draftDpi / 96,
          since: (index) => pages.get(index)?.blocks,
          onPicture: (page, jpeg, size, part) => {
            const old = pages.get(page.index);
            drafted.add(page.index);
            if (old && part.clip) {
              // only the part that changed: laid over the picture shown
              const PT = 0.75;
              old.patches.push({ version: ++version, x: part.clip.x * PT, y: part.clip.y * PT, width: part.clip.width * PT, height: part.clip.height * PT });
              patchImages.set(`${page.index}/${version}`, jpeg);
              old.draft = true;
              old.hash = '';
              old.blocks = part.blocks;
            } else {
              dropPatches(old);
              pages.set(page.index, {
                index: page.index, label: page.label, name: page.name, hash: '', version: ++version, png: jpeg, type: 'image/jpeg', draft: true, patches: [],
                blocks: part.blocks, width: size.width * 0.75, height: size.height * 0.75, findings: old?.findings ?? [],
              });
            }
            send('update', state());
          },
        },
      });
      if (rendered.edition) title = `${rendered.edition.paper} · Banmian preview`;
      diagnostics = rendered.diagnostics.map((d, i) => ({ ...d, id: i + 1, page: '', where: null, rects: [], source: 'manuscript' as const }));
      const seen = new Set<number>();
      let nextId = diagnostics.length + 1;
      for (const page of rendered.pages) {
        seen.add(page.index);
        const old = pages.get(page.index);
        if (old && old.hash === page.hash) {
          result.cached.push(page.index);
          for (const f of old.findings) f.id = nextId++;
          continue;
        }
        result.rendered.push(page.index);
        const [png, layout] = await Promise.all([pdfPageToPng(page.pdf, dpi), pageLayoutOf(page.pdf).catch(() => undefined)]);
        const geometry = rendered.geometry!;
        const findings = pageFindings(page, layout, pageGrid(geometry), nextId).map((f) => ({ ...f, pageIndex: page.index }));
        nextId += findings.length;
        const MM = 72 / 25.4;
        const current = pages.get(page.index);
        dropPatches(current);
        pages.set(page.index, {
          index: page.index, label: page.label, name: page.name, hash: page.hash, version: ++version, png, type: 'image/png', draft: false, patches: [],
          // the blocks of this layout, from its early picture; without one, the next early picture is a whole page
          blocks: drafted.has(page.index) ? current?.blocks : undefined,
          width: geometry.widthMm * MM, height: geometry.heightMm * MM, findings,
        });
      }
      for (const i of [...pages.keys()]) {
        if (seen.has(i)) continue;
        dropPatches(pages.get(i));
        pages.delete(i);
      }
      // keep only the current pages in the cache
      for (const key of [...cache.keys()]) if (![...pages.values()].some((p) => key === `${p.index}:${p.hash}`)) cache.delete(key);
    } catch (error) {
      diagnostics = [{ id: 1, file: input, line: null, column: null, severity: 'error', ruleId: 'preview', message: (error as Error).message, page: '', where: null, rects: [], source: 'manuscript' }];
      log(`preview: ${(error as Error).message}`);
    } finally {
      building = false;
      updated = Date.now();
      // this rebuild's young garbage, collected while the desk reads the page (not in the next rebuild)
      collectWhenIdle();
    }
    send('update', state());
    log(`laid out ${result.rendered.length ? `page(s) ${result.rendered.map((i) => pages.get(i)?.label ?? i + 1).join(', ')}` : 'nothing new'}${result.cached.length ? `; ${result.cached.length} unchanged` : ''}`);
    for (const w of waiters.splice(0)) w(result);
    return result;
  }

  // One rebuild at a time; changes during a rebuild trigger one more afterwards.
  let running: Promise<RebuildResult> | undefined;
  let again = false;
  const rebuild = (): Promise<RebuildResult> => {
    if (running) {
      again = true;
      return running.then(() => rebuild());
    }
    running = doRebuild().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        void rebuild();
      }
    });
    return running;
  };

  const server = createServer((req, res) => handle(req, res).catch((error) => {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(String((error as Error).message));
  }));
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (req.method !== 'GET') {
      res.writeHead(405, headers).end();
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(previewPageHtml(title.replace(/[<&>]/g, '')));
    } else if (url.pathname === '/client.js') {
      res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }).end(CLIENT_SCRIPT);
    } else if (url.pathname === '/state.json') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(state()));
    } else if (url.pathname === '/events') {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
    } else if (/^\/page\/\d+\/patch\/\d+\.jpg$/.test(url.pathname)) {
      const [index, patch] = url.pathname.match(/\d+/g)!;
      const jpeg = patchImages.get(`${Number(index)}/${Number(patch)}`);
      if (!jpeg) res.writeHead(404, headers).end();
      else res.writeHead(200, { ...headers, 'content-type': 'image/jpeg' }).end(jpeg);
    } else if (/^\/page\/\d+\.png$/.test(url.pathname)) {
      const page = pages.get(Number(url.pathname.match(/\d+/)![0]));
      if (!page) res.writeHead(404, headers).end();
      else res.writeHead(200, { ...headers, 'content-type': page.type }).end(page.png);
    } else {
      res.writeHead(404, headers).end();
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  // Serve at once (the page shows "排版中…"), then lay out.
  options.onListening?.(url);
  await rebuild();

  // Watch the manuscript folder (articles, images, edition.yaml).
  const watcher = watchManuscript(input, rebuild, { debounceMs: options.debounceMs });

  return {
    url,
    rebuild,
    nextRebuild: () => new Promise((resolve) => waiters.push(resolve)),
    async close() {
      await watcher.close();
      for (const res of clients) res.end();
      clients.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await running?.catch(() => undefined);
    },
  };
}
