#!/usr/bin/env node
// Set-up before `npm run build` / `npm test` / `npm run bench`: npm dependencies,
// then the system tools from Debian when they are missing (as root), or a clear
// message saying what to install. Uses only Node's built-ins: it runs before
// node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const purpose = process.argv[2] ?? 'test';

// What each purpose needs: command → Debian package.
const TOOLS = {
  build: { chromium: 'chromium' },
  test: {
    chromium: 'chromium',
    pdftotext: 'poppler-utils',
    pdffonts: 'poppler-utils',
    qpdf: 'qpdf',
    gs: 'ghostscript',
    mutool: 'mupdf-tools',
  },
};
// Debian's CFF Noto CJK: only the tests use it, to make a bad (Type 3) PDF on purpose.
const TEST_FILES = { '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc': 'fonts-noto-cjk' };

function onPath(cmd) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, cmd)));
}

function npmDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.error('setup: installing npm dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
  });
  if (r.status !== 0) {
    console.error('setup: npm ci failed; see the messages above');
    process.exit(1);
  }
}

function systemPackages() {
  const tools = TOOLS[purpose] ?? TOOLS.test;
  const missing = new Set();
  for (const [cmd, pkg] of Object.entries(tools)) {
    if (cmd === 'chromium' && (process.env.BANMIAN_CHROME || onPath('chromium') || onPath('google-chrome'))) continue;
    if (!onPath(cmd)) missing.add(pkg);
  }
  if (purpose !== 'build') for (const [file, pkg] of Object.entries(TEST_FILES)) if (!existsSync(file)) missing.add(pkg);
  if (missing.size === 0) return;
  const list = [...missing].join(' ');
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !onPath('apt-get')) {
    console.error(
      `setup: missing system packages: ${list}\n` +
        `  on Debian/Ubuntu: sudo apt-get install -y ${list}\n` +
        '  elsewhere: install Chromium (or point BANMIAN_CHROME at your Chrome), poppler-utils, qpdf, Ghostscript and mupdf-tools',
    );
    process.exit(1);
  }
  console.error(`setup: installing ${list} from Debian…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

systemPackages();
npmDependencies();
// Bundle the command line now (bin/banmian.js would do it on first use): the
// tests start many CLI processes at once, which should not all bundle it.
{
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'banmian.js'), '--version'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    console.error('setup: the command line does not start; see the message above');
    process.exit(1);
  }
}
