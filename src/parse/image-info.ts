/**
 * Identify an image file from its bytes and read its pixel size, so figures can
 * be sized on the grid before the browser sees them. Refuses what is not an
 * image a browser can print.
 */
import { crc32, inflateSync } from 'node:zlib';

const EOI = Buffer.from([0xff, 0xd9]);
/**
 * 150 megapixels: a full broadsheet page at 300 dpi is about 30. Anything
 * larger is a mistake or a decompression bomb; it is refused before anything
 * (Node or Chromium) decodes it.
 */
const MAX_PIXELS = 150_000_000;
const tooLarge = (w: number, h: number) => `too large (${w} × ${h} pixels, more than ${MAX_PIXELS / 1e6} megapixels): resize it for print`;

export interface ImageInfo {
  type: 'png' | 'jpeg' | 'gif' | 'webp' | 'svg';
  width: number;
  height: number;
}

export function readImageInfo(bytes: Uint8Array): ImageInfo | { error: string } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) {
    if (b.toString('ascii', 12, 16) !== 'IHDR') return { error: 'a PNG file without an IHDR header (damaged)' };
    const width = b.readUInt32BE(16);
    const height = b.readUInt32BE(20);
    if (!width || !height) return { error: 'a PNG file with zero size (damaged)' };
    if (width * height > MAX_PIXELS) return { error: tooLarge(width, height) };
    const damage = checkPng(b, width, height);
    if (damage) return { error: damage };
    return { type: 'png', width, height };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return { error: 'a damaged JPEG file' };
      const marker = b[i + 1]!;
      const length = b.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        const height = b.readUInt16BE(i + 5);
        const width = b.readUInt16BE(i + 7);
        if (!width || !height) return { error: 'a JPEG file with zero size (damaged)' };
        if (width * height > MAX_PIXELS) return { error: tooLarge(width, height) };
        // A cut-off download still has its headers; only the end-of-image marker shows it is whole.
        if (b.lastIndexOf(EOI) < i) return { error: 'a truncated JPEG file (no end-of-image marker): copy or download it again' };
        return { type: 'jpeg', height, width };
      }
      i += 2 + length;
    }
    return { error: 'a truncated JPEG file (no frame header)' };
  }
  if (b.length >= 10 && b.toString('ascii', 0, 3) === 'GIF') {
    return { type: 'gif', width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  }
  if (b.length >= 30 && b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WEBP') {
    const chunk = b.toString('ascii', 12, 16);
    if (chunk === 'VP8X') return { type: 'webp', width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
    if (chunk === 'VP8 ') return { type: 'webp', width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = b.readUInt32LE(21);
      return { type: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    return { error: 'a WebP file of an unknown kind' };
  }
  const head = b.toString('utf8', 0, Math.min(b.length, 2048));
  if (/<svg[\s>]/.test(head)) {
    const vb = /viewBox\s*=\s*["']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(head);
    const w = /\swidth\s*=\s*["']([\d.]+)/.exec(head);
    const h = /\sheight\s*=\s*["']([\d.]+)/.exec(head);
    const width = Number(w?.[1] ?? vb?.[1] ?? 0);
    const height = Number(h?.[1] ?? vb?.[2] ?? 0);
    if (!width || !height) return { error: 'an SVG without width/height or viewBox' };
    return { type: 'svg', width, height };
  }
  return { error: 'not an image (PNG, JPEG, GIF, WebP or SVG expected)' };
}

/**
 * Walk a PNG's chunks (lengths and CRCs), then inflate the image data: a
 * truncated or corrupted file is found here, with a message, instead of
 * printing as an empty box. Returns a description of the damage, or undefined.
 */
function checkPng(b: Buffer, width: number, height: number): string | undefined {
  const idat: Buffer[] = [];
  let i = 8;
  let ended = false;
  while (i + 12 <= b.length) {
    const length = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    if (i + 12 + length > b.length) return 'a truncated PNG file: copy or download it again';
    const crc = b.readUInt32BE(i + 8 + length);
    if (crc32(b.subarray(i + 4, i + 8 + length)) !== crc) return `a damaged PNG file (checksum error in its ${type} chunk): export it again`;
    if (type === 'IDAT') idat.push(b.subarray(i + 8, i + 8 + length));
    i += 12 + length;
    if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!ended) return 'a truncated PNG file: copy or download it again';
  if (idat.length === 0) return 'a PNG file without image data (damaged)';
  const bitDepth = b[24]!;
  const colorType = b[25]!;
  const interlaced = b[28] === 1;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType as 0 | 2 | 3 | 4 | 6];
  if (!channels) return 'a PNG file of an unknown colour type (damaged)';
  const rowBytes = Math.ceil((width * channels * bitDepth) / 8);
  const expected = interlaced ? 0 : (rowBytes + 1) * height;
  let raw: Buffer;
  try {
    // maxOutputLength: a small file that inflates to gigabytes is refused, not decoded.
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (expected || MAX_PIXELS * 8) + 1024 });
  } catch {
    return 'a damaged PNG file: its image data cannot be decoded; export it again';
  }
  if (expected && raw.length < expected) return 'a truncated PNG file (image data ends early): copy or download it again';
  return undefined;
}
