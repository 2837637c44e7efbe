/**
 * rehype plugin: every image path resolves relative to its article file and
 * must stay inside the manuscript folder (symbolic links included); remote
 * images are refused. The image is read once (through `loadImage`, the only I/O) to check
 * it decodes and to learn its size; `src` becomes a URL the print server maps
 * back to the file.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Element, Root } from 'hast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import type { ImageInfo } from '../../parse/image-info.ts';

declare module 'vfile' {
  interface DataMap {
    /** this file's image reader, when it is not the processor's (a processor kept for many runs) */
    loadImage: ResolveImagesOptions['loadImage'];
  }
}

export interface ResolveImagesOptions {
  /** the manuscript folder: images must be inside it */
  root: string;
  /** reads an image file; returns its info or an error text */
  loadImage: (absolutePath: string) => Promise<ImageInfo | { error: string }>;
  /** @deprecated remote images are never fetched; kept so old callers still type-check */
  /** URL prefix the print server serves the manuscript folder under */
  urlPrefix?: string;
}

export default function rehypeResolveImages(options: ResolveImagesOptions) {
  const prefix = options.urlPrefix ?? '/manuscript/';
  return async (tree: Root, file: VFile) => {
    const images: Element[] = [];
    visit(tree, 'element', (node: Element) => {
      if (node.tagName === 'img') images.push(node);
    });
    const articleDir = path.dirname(file.path);
    for (const img of images) {
      const src = String(img.properties.src ?? '');
      const place = img.position?.start ?? { line: 1, column: 1 };
      const fail = (ruleId: string, reason: string) => {
        const m = file.message(reason, { place, ruleId, source: 'banmian' });
        m.fatal = true;
        img.properties.src = '';
        img.properties.dataMissing = src;
      };
      if (!src) {
        fail('image-missing', 'an image without a path: write ![caption](img/photo.jpg)');
        continue;
      }
      if (/^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith('//')) {
        // Remote images are never fetched (see README, "Security"): a print run must
        // not depend on, or signal to, a server, and the archive must hold every image.
        fail(
          'image-remote',
          /^https?:|^\/\//i.test(src)
            ? `remote image "${src.slice(0, 80)}" is not fetched: download it into the manuscript folder and link it relatively`
            : `image "${src.slice(0, 60)}" uses a scheme that is not allowed: use a file in the manuscript folder`,
        );
        continue;
      }
      let decoded: string;
      try {
        decoded = decodeURI(src.split(/[?#]/)[0]!);
      } catch {
        decoded = src;
      }
      const absolute = path.resolve(articleDir, decoded);
      const relative = path.relative(options.root, absolute);
      if (relative.startsWith('..') || path.isAbsolute(relative)) {
        fail('image-outside', `image "${src}" is outside the manuscript folder: copy it into the folder and link it relatively`);
        continue;
      }
      // A symbolic link inside the folder must not lead out of it either.
      // (synchronous: on a busy machine each asynchronous file call waits milliseconds for a thread-pool turn)
      const real = realpathOr(absolute);
      const realRoot = realpathOr(options.root);
      const realRelative = path.relative(realRoot, real);
      if (realRelative.startsWith('..') || path.isAbsolute(realRelative)) {
        fail('image-outside', `image "${src}" is a link to a file outside the manuscript folder: copy the file itself into the folder`);
        continue;
      }
      const info = await (file.data.loadImage ?? options.loadImage)(absolute);
      if ('error' in info) {
        fail(info.error.startsWith('not found') ? 'image-missing' : 'image-invalid', `image "${src}": ${info.error}`);
        continue;
      }
      img.properties.src = prefix + relative.split(path.sep).map(encodeURIComponent).join('/');
      img.properties.dataWidth = info.width;
      img.properties.dataHeight = info.height;
      // Where the image is written, so the print stage can report an image the browser cannot decode.
      img.properties.dataBmLine = place.line;
      img.properties.dataBmColumn = place.column;
    }
  };
}

function realpathOr(file: string): string {
  try {
    return realpathSync.native(file);
  } catch {
    return file;
  }
}
