#!/usr/bin/env node
// Runs Banmian from its TypeScript sources, with no compile step to remember.
// The first run after a change bundles src/ with esbuild into
// node_modules/.cache/banmian/cli-<stamp>/ (a fraction of a second); later runs
// load those files, which starts 2–3× sooner than compiling every module through
// tsx and resolving hundreds of small package files. The bundle is split at the
// dynamic imports: `build` loads the command line and the browser code first and
// starts Chromium while the rest (the pipeline and its packages) still loads.
// BANMIAN_NO_BUNDLE=1 runs the sources through tsx instead.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
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
  const cache = path.join(root, 'node_modules', '.cache', 'banmian');
  // one folder per state of the sources: a process never sees its chunks replaced under it
  const dir = path.join(cache, `cli-${Math.floor(newestSource())}`);
  const out = path.join(dir, 'main.mjs');
  if (existsSync(out)) return out;
  const { build } = await import('esbuild');
  mkdirSync(cache, { recursive: true });
  const temp = `${dir}.${process.pid}.tmp`;
  await build({
    entryPoints: { main: path.join(root, 'src', 'cli', 'main.ts') },
    outdir: temp,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    splitting: true,
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
        "const __banmianSourceUrl = new URL('../../../../src/cli/main.ts', import.meta.url).href;",
        // bundled CommonJS packages call require() for Node's built-ins
        "import { createRequire as __banmianCreateRequire } from 'node:module';",
        'const require = __banmianCreateRequire(__banmianSourceUrl);',
      ].join('\n'),
    },
  });
  try {
    renameSync(temp, dir); // atomic: a concurrent run sees the whole folder or none
  } catch {
    rmSync(temp, { recursive: true, force: true }); // another run made it first
  }
  // bundles of older sources: removed after ten minutes (a run loads all its chunks as it starts;
  // while src/ is being edited, a new folder of about 3.5 MB is made after each change)
  for (const entry of readdirSync(cache)) {
    const old = path.join(cache, entry);
    if (old === dir || !/^cli(-\d+(\.\d+\.tmp)?|\.mjs)$/.test(entry)) continue;
    try {
      if (statSync(old).mtimeMs < Date.now() - 600_000) rmSync(old, { recursive: true, force: true });
    } catch {
      /* removed by another run */
    }
  }
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
