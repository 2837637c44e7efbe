/**
 * Read a manuscript file as text, refusing what is not UTF-8 text with a
 * message that says where the problem is and what to do.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { diagnostic, type Diagnostic } from '../diagnostics/index.ts';

export type TextResult = { text: string; diagnostics: Diagnostic[] } | { text: undefined; diagnostics: Diagnostic[] };

/**
 * Files read before in this process, by path: what reading them gave, and the file's size, times and
 * inode then. A rebuild (a watch, the preview) reads again only the files whose stat changed; the
 * change time (ctime) moves with every write and cannot be set back, so a file written with its size
 * and modification time kept is read again too. A file changed in the last RECENT_MS is always read:
 * on a file system with coarse times (FAT, HFS+, some network shares) two saves within one tick
 * could otherwise look the same. Bounded: the oldest go first.
 */
const texts = new Map<string, { version: string; result: TextResult }>();
const MAX_TEXTS = 2000;
const RECENT_MS = 3000;

/**
 * `stat`: the file's stat when the caller has it (undefined: read it here). Reads are synchronous:
 * manuscripts are small, and on a busy machine each asynchronous file call waits milliseconds for a
 * thread-pool turn.
 */
export async function readManuscriptText(path: string, displayPath: string, stat?: Stats): Promise<TextResult> {
  const info = stat ?? statSync(path, { throwIfNoEntry: false });
  const version =
    info?.isFile() && Date.now() - Math.max(info.mtimeMs, info.ctimeMs) > RECENT_MS ? `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}:${displayPath}` : undefined;
  const known = version === undefined ? undefined : texts.get(path);
  if (known && known.version === version) return copy(known.result);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code})`;
    return fail(displayPath, undefined, 'file-missing', `${what}; check the path`);
  }
  const result = decodeManuscript(bytes, displayPath);
  if (version !== undefined) {
    texts.delete(path);
    texts.set(path, { version, result: copy(result) });
    if (texts.size > MAX_TEXTS) texts.delete(texts.keys().next().value!);
  }
  return result;
}

function copy(result: TextResult): TextResult {
  return { ...result, diagnostics: result.diagnostics.map((d) => ({ ...d })) } as TextResult;
}

export function decodeManuscript(bytes: Uint8Array, displayPath: string): TextResult {
  // UTF-16 with a byte-order mark is unambiguous: decode it.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return ok(new TextDecoder('utf-16le').decode(bytes.subarray(2)));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return ok(new TextDecoder('utf-16be').decode(bytes.subarray(2)));
  const kind = binaryKind(bytes);
  if (kind) return fail(displayPath, { line: 1, column: 1 }, 'not-text', `is ${kind}, not Markdown text: save the manuscript as UTF-8 plain text (.md)`);
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const pos = position(bytes, nul);
    const utf16 = looksUtf16(bytes);
    return fail(
      displayPath,
      pos,
      'not-text',
      utf16
        ? 'looks like UTF-16 text without a byte-order mark; save the file as UTF-8'
        : 'contains a NUL byte: this is a binary file, not Markdown text; save the manuscript as UTF-8 text',
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    return fail(displayPath, position(bytes, bad), 'not-utf8', 'is not valid UTF-8 (GBK or another encoding?); save the file as UTF-8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return ok(text);
}

function ok(text: string): TextResult {
  return { text: text.replace(/\r\n?/g, '\n'), diagnostics: [] };
}

function fail(file: string, pos: { line: number; column: number } | undefined, ruleId: string, message: string): TextResult {
  return { text: undefined, diagnostics: [diagnostic(file, pos, 'error', ruleId, message)] };
}

function looksUtf16(bytes: Uint8Array): boolean {
  let zeros = 0;
  const n = Math.min(bytes.length, 512);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) zeros++;
  return zeros > n / 4 && zeros < (n * 3) / 4;
}

function position(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // column in characters: decode the line prefix leniently
  const prefix = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { line, column: [...prefix].length + 1 };
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return 0;
}

/** Files editors mistake for manuscripts, by their first bytes. */
function binaryKind(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (head.startsWith('\x89PNG')) return 'a PNG image';
  if (head.startsWith('\xff\xd8\xff')) return 'a JPEG image';
  if (head.startsWith('GIF8')) return 'a GIF image';
  if (head.startsWith('%PDF')) return 'a PDF file';
  if (head.startsWith('PK\x03\x04')) return 'a ZIP archive (a Word .docx or an .odt document?)';
  if (head.startsWith('\xd0\xcf\x11\xe0')) return 'an old Word (.doc) document';
  if (head.startsWith('{\\rtf')) return 'an RTF document';
  return undefined;
}
