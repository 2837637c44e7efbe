/**
 * Watch a manuscript's folder (articles, pictures, edition.yaml) and call back
 * once a burst of saves has settled. One rebuild runs at a time: changes that
 * arrive during a rebuild start one more after it. `build --watch` and the
 * preview both rebuild through this.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface ManuscriptWatcher {
  /** run the callback now (as a change would), one at a time with the watched ones */
  trigger(): Promise<void>;
  close(): Promise<void>;
}

/** editor swap, backup and temporary files, and hidden folders: not part of the manuscript */
const IGNORED = /(^|[/\\])\.|~$|\.tmp$|\.swp$/;

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
  const watcher: FSWatcher = watch(root, { recursive: true }, (_event, name) => {
    if (name && IGNORED.test(String(name))) return;
    if (name && ignored.some((rel) => rel === '' || String(name) === rel || String(name).startsWith(rel + path.sep))) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), options.debounceMs ?? 40);
  });
  return {
    trigger: run,
    async close() {
      clearTimeout(timer);
      watcher.close();
      await running;
    },
  };
}
