/**
 * Watch a manuscript's folder and the folders in it (articles, pictures, edition.yaml) and call back
 * once a burst of saves has settled. One rebuild runs at a time: changes that
 * arrive during a rebuild start one more after it. `build --watch` and the
 * preview both rebuild through this.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface ManuscriptWatcher {
  /** run the callback now (as a change would), one at a time with the watched ones */
  trigger(): Promise<void>;
  close(): Promise<void>;
}

/** editor swap, backup and temporary files, and hidden folders: not part of the manuscript */
const IGNORED = /(^|[/\\])\.|~$|\.tmp$|\.swp$/;
/** a manuscript has a few folders; a root with more than this is not one */
const MAX_FOLDERS = 1000;

/** the folder to watch for an input: a manuscript folder, or the folder of one .md file */
export function manuscriptFolder(input: string): string {
  return path.extname(input) ? path.dirname(path.resolve(input)) : path.resolve(input);
}

export interface WatchOptions {
  /** wait this long after the last file event (default 40 ms: an editor's save is a burst of events a few ms apart) */
  debounceMs?: number;
  /** folders whose changes are not the manuscript's (the build's own output, when it is inside the folder) */
  ignore?: string[];
}

export function watchManuscript(input: string, onChange: () => Promise<unknown>, options: WatchOptions = {}): ManuscriptWatcher {
  const root = manuscriptFolder(input);
  // the ignored folders as paths relative to the watched one (what the watcher reports)
  const ignored = (options.ignore ?? [])
    .map((dir) => path.relative(root, path.resolve(dir)))
    .filter((rel) => rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        await onChange();
      } catch {
        /* the callback reports its own failures; the watch goes on */
      }
    })().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        void run();
      }
    });
    return running;
  };
  // output written into the manuscript folder itself: its PDFs are not part of the manuscript
  const outputHere = ignored.includes('');
  const skip = (rel: string) =>
    IGNORED.test(rel) ||
    (outputHere && !rel.includes(path.sep) && rel.toLowerCase().endsWith('.pdf')) ||
    ignored.some((r) => r !== '' && (rel === r || rel.startsWith(r + path.sep)));
  // One watcher per folder, not fs.watch's recursive mode: on Linux, Node 20's recursive watch
  // loses a file once an editor saves it by writing a new file and renaming it over the old one
  // (sed -i, many editors' safe save); a folder's own watcher sees every save by name.
  const watchers = new Map<string, FSWatcher>();
  const watchFolder = (dir: string) => {
    if (watchers.has(dir) || watchers.size >= MAX_FOLDERS) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => changed(dir, name === null ? null : String(name)));
    } catch {
      return; // gone already, or not readable
    }
    watcher.on('error', () => {
      watcher.close(); // (a removed folder)
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
    let entries: string[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      /* removed meanwhile */
    }
    for (const name of entries) {
      const sub = path.join(dir, name);
      if (!skip(path.relative(root, sub))) watchFolder(sub);
    }
  };
  const changed = (dir: string, name: string | null) => {
    if (name !== null) {
      const file = path.join(dir, name);
      const rel = path.relative(root, file);
      if (skip(rel)) return;
      // a new folder (pictures moved in): watch it too
      try {
        if (statSync(file).isDirectory()) watchFolder(file);
      } catch {
        /* removed, or renamed away */
      }
    }
    clearTimeout(timer);
    timer = setTimeout(() => void run(), options.debounceMs ?? 40);
  };
  watchFolder(root);
  return {
    trigger: run,
    async close() {
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      await running;
    },
  };
}
