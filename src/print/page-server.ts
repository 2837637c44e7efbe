/**
 * What the print page may load. Every request goes through here: the page's
 * own HTML, files under a few allowed roots (manuscript folder, template,
 * bundled fonts), nothing else. Other requests — other files, http(s), data
 * exfiltration through CSS url() — are refused and recorded.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CDPSession, Protocol } from 'puppeteer-core';

export const ORIGIN = 'http://banmian.invalid';

/**
 * Sent with every response, whatever the template's own <meta> says: no
 * script, no plugins, no frames, no <base>, no forms. Loads of styles, images
 * and fonts are left to the request handler below, which refuses and records
 * everything outside the allowed roots (a CSP would refuse them silently).
 * The layout engine runs through the DevTools protocol, which a CSP does not govern.
 */
export const CSP = "script-src 'none'; object-src 'none'; frame-src 'none'; child-src 'none'; worker-src 'none'; base-uri 'none'; form-action 'none'";

export interface Routes {
  /** URL path → document text, e.g. "/page/1.html" */
  documents: Record<string, string>;
  /** URL prefix ("/fonts/noto-serif-sc/") → folder on disk */
  roots: Record<string, string>;
  /** generated text files, e.g. "/fonts/fonts.css" */
  texts?: Record<string, string>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
};

export interface ServedLog {
  blocked: string[];
  served: string[];
}

/** What a tab's request handler answers with; set anew for every page printed in the tab. */
export interface ServedJob {
  routes: Routes;
  log: ServedLog;
  /** navigations seen since the job began: only the first one loads the page */
  navigations: number;
}

/**
 * The resource types the handler sees: all of them. Chromium 156 refuses some
 * names in a Fetch filter (TextTrack, Prefetch…); those requests are matched by
 * the catch-all pattern instead, so nothing slips past.
 */
const PATTERNS = [{ urlPattern: '*', requestStage: 'Request' as const }];

/**
 * Answer every request of a tab through the DevTools Fetch domain: the page's
 * own HTML, files under the allowed roots, nothing else. `current()` gives the
 * job the tab is printing now (tabs are reused from page to page).
 *
 * Bundled fonts are answered with a long-lived cache header, everything else
 * with no-store: a reused tab then takes the fonts from its memory cache
 * (Chromium no longer asks for them, which halves the load of every page after
 * the first) while a changed picture or stylesheet is always read again.
 */
export async function serveRequests(cdp: CDPSession, current: () => ServedJob | undefined): Promise<void> {
  cdp.on('Fetch.requestPaused', (event: Protocol.Fetch.RequestPausedEvent) => {
    void answer(cdp, event, current()).catch(() => undefined);
  });
  await cdp.send('Fetch.enable', { patterns: PATTERNS });
}

async function answer(cdp: CDPSession, event: Protocol.Fetch.RequestPausedEvent, job: ServedJob | undefined): Promise<void> {
  const { requestId } = event;
  const url = event.request.url;
  const fail = () => cdp.send('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' });
  if (!job) return void (await fail());
  const record = () => job.log.blocked.push(url.length > 200 ? `${url.slice(0, 200)}…` : url);
  // Only the first navigation loads the page. Any later one (a <meta http-equiv=refresh>,
  // an iframe, a form) is answered "204 No Content", which leaves the page where it is:
  // refusing it outright would swap the page for an error page mid-print.
  if (event.resourceType === 'Document' && job.navigations++ > 0) {
    record();
    await cdp.send('Fetch.fulfillRequest', { requestId, responseCode: 204, body: '' }).catch(() => fail());
    return;
  }
  // Chromium asks for a favicon by itself; it is not the manuscript's doing.
  if (url === `${ORIGIN}/favicon.ico`) {
    await cdp.send('Fetch.fulfillRequest', { requestId, responseCode: 404, body: '' });
    return;
  }
  try {
    const body = await resolve(url, job.routes);
    if (body) {
      job.log.served.push(url);
      const encoded = body.bundledFont ? fontBase64(body.data as Buffer) : (typeof body.data === 'string' ? Buffer.from(body.data) : body.data).toString('base64');
      await cdp.send('Fetch.fulfillRequest', {
        requestId,
        responseCode: 200,
        responseHeaders: [
          { name: 'Content-Type', value: body.type },
          { name: 'Cache-Control', value: body.bundledFont ? 'public, max-age=31536000, immutable' : 'no-store' },
          { name: 'Content-Security-Policy', value: CSP },
        ],
        body: encoded,
      });
      return;
    }
  } catch {
    /* fall through to blocked */
  }
  record();
  await fail();
}

/**
 * Bundled fonts never change while Banmian runs and are read for every page:
 * keep their bytes (a few MB per build) instead of reading them again, by the
 * file the request asked for (folder and path in it, as checked the first time).
 */
const fontBytes = new Map<string, Buffer>();
/** and their base64 form, as the DevTools protocol takes it */
const fontEncoded = new WeakMap<Buffer, string>();
function fontBase64(data: Buffer): string {
  let text = fontEncoded.get(data);
  if (text === undefined) fontEncoded.set(data, (text = data.toString('base64')));
  return text;
}

async function resolve(url: string, routes: Routes): Promise<{ type: string; data: Buffer | string; bundledFont?: boolean } | undefined> {
  if (!url.startsWith(`${ORIGIN}/`)) return undefined;
  const pathname = decodeURIComponent(new URL(url).pathname);
  if (pathname.includes('\0')) return undefined;
  const doc = routes.documents[pathname];
  if (doc !== undefined) return { type: TYPES['.html']!, data: doc };
  const text = routes.texts?.[pathname];
  if (text !== undefined) return { type: TYPES[path.extname(pathname)] ?? 'text/plain', data: text };
  for (const [prefix, dir] of Object.entries(routes.roots)) {
    if (!pathname.startsWith(prefix)) continue;
    const file = path.resolve(dir, '.' + path.sep + pathname.slice(prefix.length));
    const type = TYPES[path.extname(file).toLowerCase()];
    if (!type) return undefined;
    if (prefix.startsWith('/fonts/')) {
      // Read at once, not through the thread pool: the first page waits for some sixty of these in
      // a few waves, and the event loop has nothing else to do meanwhile (a font is ~30 KB, cached).
      const key = `${dir}\0${file}`;
      let data = fontBytes.get(key);
      if (!data) {
        const realFile = realPathInside(dir, file);
        if (realFile === undefined) return undefined;
        fontBytes.set(key, (data = readFileSync(realFile)));
      }
      return { type, data, bundledFont: true };
    }
    const realFile = realPathInside(dir, file);
    return realFile === undefined ? undefined : { type, data: await readFile(realFile) };
  }
  return undefined;
}

/**
 * `file` with symlinks resolved, when it lies inside `dir` (symlinks resolved too): a link inside the
 * folder must not lead out of it. Undefined when it is outside or does not exist. Synchronous: a
 * thread-pool turn for each call costs more than the call (see the fonts above).
 */
export function realPathInside(dir: string, file: string): string | undefined {
  let real: [string, string];
  try {
    real = [realpathSync.native(file), realpathSync.native(dir)];
  } catch {
    return undefined;
  }
  const rel = path.relative(real[1], real[0]);
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : real[0];
}
