// Writes plain grey placeholder photos (a frame and a cross) for the sample edition.
// Usage: node scripts/make-placeholder.mjs <out.png> <width> <height>
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const [out, w = '480', h = '320'] = process.argv.slice(2);
const width = Number(w);
const height = Number(h);
const raw = Buffer.alloc((width * 3 + 1) * height);
for (let y = 0; y < height; y++) {
  raw[y * (width * 3 + 1)] = 0;
  for (let x = 0; x < width; x++) {
    const edge = x < 3 || y < 3 || x >= width - 3 || y >= height - 3;
    const d1 = Math.abs(x * height - y * width) < width * 1.5;
    const d2 = Math.abs(x * height - (height - y) * width) < width * 1.5;
    const v = edge || d1 || d2 ? 150 : 200;
    raw.fill(v, y * (width * 3 + 1) + 1 + x * 3, y * (width * 3 + 1) + 4 + x * 3);
  }
}
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(width, 0);
ihdr.writeUInt32BE(height, 4);
ihdr[8] = 8;
ihdr[9] = 2;
writeFileSync(out, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]));
