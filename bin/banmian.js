#!/usr/bin/env node
// Runs Banmian from its TypeScript sources, with no compile step to remember.
// The first run after a change bundles src/ with esbuild into
// node_modules/.cache/banmian/cli.mjs (a fraction of a second); later runs load
// that one file, which starts 2–3× sooner than compiling every module through
// tsx and resolving hundreds of small package files. BANMIAN_NO_BUNDLE=1 runs
// the sources through tsx instead.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** newest modification time of the sources and the package manifest */
function newestSource(dir = path.join(root, 'src')) {
  let newest = statSync(path.join(root, 'package.json')).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(file) : statSync(file).mtimeMs);
  }
  return newest;
}

async function bundled() {
  const out = path.join(root, 'node_modules', '.cache', 'banmian', 'cli.mjs');
  if (existsSync(out) && statSync(out).mtimeMs >= newestSource()) return out;
  const { build } = await import('esbuild');
  mkdirSync(path.dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  await build({
    entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
    outfile: temp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // native or self-locating packages stay outside the bundle
    external: ['esbuild', 'better-sqlite3', 'puppeteer-core', 'tsx'],
    logLevel: 'error',
    // Modules find files next to them (templates, the layout engine, package.json) through
    // import.meta.url: keep it pointing into src/, two folders below the root, as it does unbundled.
    define: { 'import.meta.url': '__banmianSourceUrl' },
    banner: {
      js: [
        "const __banmianSourceUrl = new URL('../../../src/cli/main.ts', import.meta.url).href;",
        // bundled CommonJS packages call require() for Node's built-ins
        "import { createRequire as __banmianCreateRequire } from 'node:module';",
        'const require = __banmianCreateRequire(__banmianSourceUrl);',
      ].join('\n'),
    },
  });
  renameSync(temp, out); // atomic: a concurrent run sees the old bundle or the new one
  return out;
}

let entry;
if (process.env.BANMIAN_NO_BUNDLE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = '../src/cli/main.ts';
} else {
  try {
    entry = pathToFileURL(await bundled()).href;
  } catch {
    // no writable node_modules/.cache (a read-only install): run the sources through tsx
    const { register } = await import('tsx/esm/api');
    register();
    entry = '../src/cli/main.ts';
  }
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
