/**
 * The bundled faces: Noto Serif SC (body, 宋体 role) and Noto Sans SC (黑体 role)
 * from @fontsource, TrueType outlines split by unicode-range. Chromium embeds
 * them as CID TrueType subsets, never Type 3. The stylesheet points at
 * /fonts/<package>/files/…, which the print server maps to node_modules.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export const FONT_FACES = [
  { pkg: '@fontsource/noto-serif-sc', weights: [400, 700, 900] },
  { pkg: '@fontsource/noto-sans-sc', weights: [400, 700] },
] as const;

const packageDirs = new Map<string, string>();
/** The folder of a font package (resolved once: every build's print routes ask for it). */
export function fontPackageDir(pkg: string): string {
  let dir = packageDirs.get(pkg);
  if (dir === undefined) packageDirs.set(pkg, (dir = path.dirname(require.resolve(`${pkg}/package.json`))));
  return dir;
}

export function fontVersions(): { name: string; version: string }[] {
  return FONT_FACES.map(({ pkg }) => ({
    name: pkg,
    version: JSON.parse(readFileSync(path.join(fontPackageDir(pkg), 'package.json'), 'utf8')).version,
  }));
}

let cached: string | undefined;
export function fontsStylesheet(): string {
  if (cached) return cached;
  const parts: string[] = [];
  for (const { pkg, weights } of FONT_FACES) {
    const name = pkg.split('/')[1]!;
    for (const w of weights) {
      const css = readFileSync(path.join(fontPackageDir(pkg), `${w}.css`), 'utf8');
      // Keep only the woff2 source and block rendering until the face loads.
      parts.push(
        css
          .replace(/url\(\.\/files\/([^)]+\.woff2)\) format\('woff2'\)(, url\([^)]+\) format\('woff'\))?/g, `url(/fonts/${name}/files/$1) format('woff2')`)
          .replace(/font-display: swap;/g, 'font-display: block;'),
      );
    }
  }
  cached = parts.join('\n');
  return cached;
}
