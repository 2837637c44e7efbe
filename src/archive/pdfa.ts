/**
 * The archival PDF/A-2b copy.
 *
 * Route 1: Ghostscript `-dPDFA=2` rewrite. Its text layer is then compared with the original's
 * (pdftotext); Ghostscript 10.00 is known to corrupt CJK text (see README, "Archive"), and a copy
 * whose text differs is never stored.
 * Route 2 (fallback): keep Chromium's PDF byte-for-byte in its content and add the PDF/A-2b
 * identification with pdf-lib: XMP metadata (pdfaid:part=2, conformance=B) consistent with the
 * Info dictionary, an sRGB OutputIntent with Ghostscript's ICC profile, a document ID, the print
 * flag on annotations. Everything is derived from the input bytes, so the output is reproducible.
 *
 * Either way the kept copy is inspected by `inspectPdfa` and the results go into the manifest.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHeader,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFStream,
  PDFString,
  decodePDFRawStream,
} from 'pdf-lib';
import { sha256 } from './fsutil.ts';
import {
  GS,
  allFontsEmbedded,
  findPdfaDef,
  findSrgbProfile,
  ghostscriptVersion,
  normaliseText,
  pdfText,
  run,
} from './tools.ts';

export const METHOD_GHOSTSCRIPT = 'ghostscript-pdfa2';
export const METHOD_PDFLIB = 'pdf-lib-pdfa2b-identification';

export interface PdfaCheck {
  id: string;
  ok: boolean;
  detail: string;
}

export interface PdfaRecord {
  /** File name inside the edition folder. */
  file: string;
  method: string;
  textPreserved: boolean;
  ghostscript: { version: string | null; attempted: boolean; textPreserved: boolean | null; note: string };
  /** Requirements checked on the stored copy (see README, "Archive", for what is NOT checked). */
  checks: PdfaCheck[];
}

export interface PdfaMeta {
  title: string;
}

/** Make `dest` from `src`; returns what was done and checked. Throws only if no copy can be made. */
export async function makePdfa(src: string, dest: string, meta: PdfaMeta): Promise<Omit<PdfaRecord, 'file'>> {
  const icc = await findSrgbProfile();
  if (!icc) throw new Error('PDF/A: no sRGB ICC profile found (looked under /usr/share/color/icc/ghostscript and /usr/share/ghostscript/*); set BANMIAN_ICC_PROFILE');
  const originalText = await pdfText(src);
  const gsInfo: PdfaRecord['ghostscript'] = { version: await ghostscriptVersion(), attempted: false, textPreserved: null, note: '' };

  if (originalText === null) {
    gsInfo.note = 'pdftotext unavailable: a Ghostscript copy cannot be checked, so it is not used';
  } else if (!gsInfo.version) {
    gsInfo.note = 'Ghostscript not found';
  } else {
    gsInfo.attempted = true;
    const attempt = await ghostscriptPdfa(src, dest, icc);
    if (!attempt.ok) {
      gsInfo.note = `Ghostscript failed: ${attempt.error}`;
    } else {
      const gsText = await pdfText(dest);
      gsInfo.textPreserved = gsText !== null && normaliseText(gsText) === normaliseText(originalText);
      if (gsInfo.textPreserved) {
        gsInfo.note = 'text layer identical to the original';
        const checks = await inspectPdfa(dest, { originalText });
        return { method: METHOD_GHOSTSCRIPT, textPreserved: true, ghostscript: gsInfo, checks };
      }
      gsInfo.note = `text layer differs from the original (${describeDiff(originalText, gsText ?? '')}); copy discarded`;
    }
    await fs.rm(dest, { force: true });
  }

  const bytes = await addPdfaIdentification(await fs.readFile(src), await fs.readFile(icc), meta);
  await fs.writeFile(dest, bytes);
  const checks = await inspectPdfa(dest, { originalText });
  const textCheck = checks.find((c) => c.id === 'text-layer-equals-original');
  return { method: METHOD_PDFLIB, textPreserved: textCheck?.ok ?? false, ghostscript: gsInfo, checks };
}

function describeDiff(a: string, b: string): string {
  const x = normaliseText(a);
  const y = normaliseText(b);
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  return `first difference at character ${i}: expected "${x.slice(i, i + 12)}", got "${y.slice(i, i + 12)}"`;
}

async function ghostscriptPdfa(src: string, dest: string, icc: string): Promise<{ ok: boolean; error?: string }> {
  const def = await findPdfaDef();
  if (!def) return { ok: false, error: 'PDFA_def.ps not found' };
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'banmian-pdfa-'));
  try {
    const psString = icc.replace(/[\\()]/g, (c) => `\\${c}`);
    const defText = (await fs.readFile(def, 'latin1'))
      .replace(/\/ICCProfile\s*\([^)]*\)/, `/ICCProfile (${psString})`)
      // The sample sets the title to "Title"; keep the document's own Info instead.
      .replace(/\[\s*\/Title\s*\([^)]*\)[^\n]*\n\s*\/DOCINFO\s+pdfmark/, '');
    const defPath = path.join(tmp, 'PDFA_def.ps');
    await fs.writeFile(defPath, defText, 'latin1');
    const r = await run(GS, [
      '-q',
      '-dBATCH',
      '-dNOPAUSE',
      '-dSAFER',
      `--permit-file-read=${icc}`,
      '-dPDFA=2',
      '-dPDFACompatibilityPolicy=1',
      '-sColorConversionStrategy=RGB',
      '-sDEVICE=pdfwrite',
      `-sOutputFile=${dest}`,
      defPath,
      src,
    ]);
    if (r.code !== 0) return { ok: false, error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ') };
    return { ok: true };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Route 2: PDF/A-2b identification with pdf-lib

const INFO_KEYS = ['Title', 'Author', 'Subject', 'Keywords', 'Creator', 'Producer', 'CreationDate', 'ModDate'] as const;

function infoDict(doc: PDFDocument): PDFDict | undefined {
  const ref = doc.context.trailerInfo.Info;
  return ref ? doc.context.lookupMaybe(ref, PDFDict) : undefined;
}

function textOf(obj: unknown): string | undefined {
  if (obj instanceof PDFString || obj instanceof PDFHexString) return obj.decodeText();
  return undefined;
}

function readInfo(doc: PDFDocument): Partial<Record<(typeof INFO_KEYS)[number], string>> {
  const dict = infoDict(doc);
  const out: Partial<Record<(typeof INFO_KEYS)[number], string>> = {};
  if (!dict) return out;
  for (const key of INFO_KEYS) {
    const v = textOf(dict.lookup(PDFName.of(key)));
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** `D:20211228093000+08'00'` → `2021-12-28T09:30:00+08:00` (XMP date). */
export function pdfDateToXmp(d: string): string | undefined {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz]|[+-]\d{2}'?\d{2}'?)?/.exec(d.trim());
  if (!m) return undefined;
  const [, y, mo = '01', da = '01', h = '00', mi = '00', s = '00', tz] = m;
  let zone = '';
  if (tz && /^[Zz]$/.test(tz)) zone = 'Z';
  else if (tz) {
    const t = tz.replace(/'/g, '');
    zone = `${t.slice(0, 3)}:${t.slice(3, 5)}`;
  }
  return `${y}-${mo}-${da}T${h}:${mi}:${s}${zone}`;
}

const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function buildXmp(info: Partial<Record<(typeof INFO_KEYS)[number], string>>, documentId: string): string {
  const e = xmlEscape;
  const lines: string[] = [];
  lines.push('<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>');
  lines.push('<x:xmpmeta xmlns:x="adobe:ns:meta/">');
  lines.push(' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">');
  lines.push('  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">');
  lines.push('   <pdfaid:part>2</pdfaid:part>');
  lines.push('   <pdfaid:conformance>B</pdfaid:conformance>');
  lines.push('  </rdf:Description>');
  lines.push('  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">');
  lines.push('   <dc:format>application/pdf</dc:format>');
  if (info.Title !== undefined)
    lines.push(`   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">${e(info.Title)}</rdf:li></rdf:Alt></dc:title>`);
  if (info.Author !== undefined) lines.push(`   <dc:creator><rdf:Seq><rdf:li>${e(info.Author)}</rdf:li></rdf:Seq></dc:creator>`);
  if (info.Subject !== undefined)
    lines.push(`   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">${e(info.Subject)}</rdf:li></rdf:Alt></dc:description>`);
  lines.push('  </rdf:Description>');
  lines.push('  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">');
  const created = info.CreationDate ? pdfDateToXmp(info.CreationDate) : undefined;
  const modified = info.ModDate ? pdfDateToXmp(info.ModDate) : undefined;
  if (created) lines.push(`   <xmp:CreateDate>${created}</xmp:CreateDate>`);
  if (modified) lines.push(`   <xmp:ModifyDate>${modified}</xmp:ModifyDate>`);
  if (modified ?? created) lines.push(`   <xmp:MetadataDate>${modified ?? created}</xmp:MetadataDate>`);
  if (info.Creator !== undefined) lines.push(`   <xmp:CreatorTool>${e(info.Creator)}</xmp:CreatorTool>`);
  lines.push('  </rdf:Description>');
  lines.push('  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">');
  if (info.Producer !== undefined) lines.push(`   <pdf:Producer>${e(info.Producer)}</pdf:Producer>`);
  if (info.Keywords !== undefined) lines.push(`   <pdf:Keywords>${e(info.Keywords)}</pdf:Keywords>`);
  lines.push('  </rdf:Description>');
  lines.push('  <rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">');
  lines.push(`   <xmpMM:DocumentID>uuid:${documentId}</xmpMM:DocumentID>`);
  lines.push(`   <xmpMM:InstanceID>uuid:${documentId}</xmpMM:InstanceID>`);
  lines.push('  </rdf:Description>');
  lines.push(' </rdf:RDF>');
  lines.push('</x:xmpmeta>');
  // Padding lets other tools edit the packet in place (recommended by the XMP spec).
  for (let i = 0; i < 20; i++) lines.push(' '.repeat(99));
  lines.push('<?xpacket end="w"?>');
  return lines.join('\n');
}

function uuidFromHex(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Add the PDF/A-2b identification to a PDF without touching its page content.
 * Deterministic: same input bytes → same output bytes (no clock, IDs from the input hash).
 */
export async function addPdfaIdentification(pdf: Uint8Array, iccProfile: Uint8Array, meta: PdfaMeta): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const ctx = doc.context;
  if (ctx.trailerInfo.Encrypt) throw new Error('PDF/A: encrypted PDFs cannot be archived');
  const inputHash = sha256(pdf);

  // Info dictionary: our title (Chinese, UTF-16BE), producer notes the added identification.
  let info = infoDict(doc);
  if (!info) {
    info = ctx.obj({});
    ctx.trailerInfo.Info = ctx.register(info);
  }
  info.set(PDFName.of('Title'), PDFHexString.fromText(meta.title));
  const oldProducer = textOf(info.lookup(PDFName.of('Producer')));
  info.set(PDFName.of('Producer'), PDFHexString.fromText(oldProducer ? `${oldProducer}; PDF/A-2b identification by Banmian (pdf-lib)` : 'Banmian (pdf-lib)'));
  // PDF/A-2 forbids Info keys without XMP equivalents only when inconsistent; drop keys we do not mirror.
  for (const key of info.keys()) {
    if (!(INFO_KEYS as readonly string[]).includes(key.asString().slice(1)) && key.asString() !== '/Trapped') info.delete(key);
  }
  const values = readInfo(doc);

  // XMP metadata stream (must be uncompressed in PDF/A).
  const documentId = uuidFromHex(inputHash);
  const xmp = ctx.stream(new Uint8Array(Buffer.from(buildXmp(values, documentId), 'utf8')), { Type: 'Metadata', Subtype: 'XML' });
  doc.catalog.set(PDFName.of('Metadata'), ctx.register(xmp));

  // sRGB OutputIntent.
  const profile = ctx.flateStream(iccProfile, { N: 3 });
  const intent = ctx.obj({
    Type: 'OutputIntent',
    S: 'GTS_PDFA1',
    OutputConditionIdentifier: PDFString.of('sRGB'),
    RegistryName: PDFString.of('http://www.color.org'),
    Info: PDFString.of('sRGB IEC61966-2.1'),
    DestOutputProfile: ctx.register(profile),
  });
  doc.catalog.set(PDFName.of('OutputIntents'), ctx.obj([ctx.register(intent)]));

  // File identifier, derived from the content.
  const id = PDFHexString.of(inputHash.slice(0, 32));
  ctx.trailerInfo.ID = ctx.obj([id, id]);

  // Annotations must be printable and not hidden (ISO 19005-2, 6.3.2).
  for (const page of doc.getPages()) {
    const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
    if (!annots) continue;
    for (let i = 0; i < annots.size(); i++) {
      const a = annots.lookupMaybe(i, PDFDict);
      if (!a) continue;
      const f = a.lookupMaybe(PDFName.of('F'), PDFNumber)?.asNumber() ?? 0;
      a.set(PDFName.of('F'), PDFNumber.of((f | 4) & ~(1 | 2 | 32)));
    }
  }

  ctx.header = PDFHeader.forVersion(1, 7);
  return doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
}

// ---------------------------------------------------------------------------------------------
// Inspection of a stored copy

function streamBytes(stream: PDFStream): Uint8Array {
  if (stream instanceof PDFRawStream) return decodePDFRawStream(stream).decode();
  return stream.getContents();
}

/** Check the PDF/A-2b requirements this tool can check without a validator. */
export async function inspectPdfa(file: string, opts: { originalText?: string | null } = {}): Promise<PdfaCheck[]> {
  const checks: PdfaCheck[] = [];
  const add = (id: string, ok: boolean, detail: string): void => {
    checks.push({ id, ok, detail });
  };
  const bytes = await fs.readFile(file);
  const header = bytes.subarray(0, 20).toString('latin1');
  const m = /^%PDF-(\d)\.(\d)\r?\n?%?/.exec(header);
  const binaryComment = /^%PDF-\d\.\d\r?\n%[\x80-\xff]{4}/.test(header);
  add('file-header', Boolean(m) && binaryComment, m ? `%PDF-${m[1]}.${m[2]}${binaryComment ? ' with binary comment' : ' without binary comment'}` : 'no %PDF header');

  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { updateMetadata: false });
  } catch (err) {
    add('parses', false, String(err));
    return checks;
  }
  const ctx = doc.context;
  add('not-encrypted', !ctx.trailerInfo.Encrypt, ctx.trailerInfo.Encrypt ? 'Encrypt in trailer' : 'no Encrypt');
  const id = ctx.trailerInfo.ID ? ctx.lookupMaybe(ctx.trailerInfo.ID, PDFArray) : undefined;
  add('document-id', Boolean(id && id.size() === 2), id ? `ID with ${id.size()} strings` : 'no ID in trailer');

  // XMP identification
  const metaStream = doc.catalog.lookupMaybe(PDFName.of('Metadata'), PDFStream);
  let xmp = '';
  if (metaStream) {
    add('xmp-unfiltered', !metaStream.dict.has(PDFName.of('Filter')), metaStream.dict.has(PDFName.of('Filter')) ? 'metadata stream has a Filter' : 'metadata stream is not filtered');
    xmp = Buffer.from(streamBytes(metaStream)).toString('utf8');
  }
  const part = /pdfaid:part\s*(?:=\s*["'](\d)["']|>\s*(\d)\s*<)/.exec(xmp);
  const conf = /pdfaid:conformance\s*(?:=\s*["']([A-Za-z])["']|>\s*([A-Za-z])\s*<)/.exec(xmp);
  const partV = part?.[1] ?? part?.[2];
  const confV = conf?.[1] ?? conf?.[2];
  add('xmp-pdfaid', partV === '2' && confV?.toUpperCase() === 'B', metaStream ? `pdfaid:part=${partV ?? '-'} conformance=${confV ?? '-'}` : 'no XMP metadata in catalog');

  // Info ↔ XMP consistency for the keys we write
  if (metaStream) {
    const info = readInfo(doc);
    const problems: string[] = [];
    const want = (key: string, xmpValue: string | undefined): void => {
      const v = info[key as keyof typeof info];
      if (v === undefined) return;
      const xv = key === 'CreationDate' || key === 'ModDate' ? pdfDateToXmp(v) : xmlEscape(v);
      if (xmpValue === undefined || (xv !== undefined && !xmpValue.includes(xv))) problems.push(key);
    };
    // Both element (<pdf:Producer>x</pdf:Producer>) and attribute (pdf:Producer='x') forms occur.
    const tag = (name: string): string | undefined =>
      new RegExp(`<${name}[^>]*>([\\s\\S]*?)</${name}>`).exec(xmp)?.[1] ??
      new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(xmp)?.slice(1).find((v) => v !== undefined);
    want('Title', tag('dc:title'));
    want('Producer', tag('pdf:Producer'));
    want('Creator', tag('xmp:CreatorTool'));
    want('CreationDate', tag('xmp:CreateDate'));
    want('ModDate', tag('xmp:ModifyDate'));
    add('info-matches-xmp', problems.length === 0, problems.length ? `differs: ${problems.join(', ')}` : 'Title, Producer, Creator, dates agree');
  }

  // OutputIntent with an RGB ICC profile
  const intents = doc.catalog.lookupMaybe(PDFName.of('OutputIntents'), PDFArray);
  let intentDetail = 'no OutputIntents';
  let intentOk = false;
  for (let i = 0; intents && i < intents.size(); i++) {
    const d = intents.lookupMaybe(i, PDFDict);
    const s = d?.lookupMaybe(PDFName.of('S'), PDFName)?.asString();
    const prof = d?.lookupMaybe(PDFName.of('DestOutputProfile'), PDFStream);
    if (s !== '/GTS_PDFA1' || !prof) {
      intentDetail = `OutputIntent S=${s ?? '-'} profile=${prof ? 'yes' : 'no'}`;
      continue;
    }
    const icc = streamBytes(prof);
    const space = Buffer.from(icc.subarray(16, 20)).toString('latin1');
    const n = prof.dict.lookupMaybe(PDFName.of('N'), PDFNumber)?.asNumber();
    intentOk = space === 'RGB ' && n === 3;
    intentDetail = `GTS_PDFA1, ICC ${icc.length} bytes, colour space "${space.trim()}", N=${n}`;
    break;
  }
  add('output-intent', intentOk, intentDetail);

  // No JavaScript, no embedded files, no document-level actions
  const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  const forbidden = [
    names?.has(PDFName.of('JavaScript')) ? 'Names/JavaScript' : '',
    names?.has(PDFName.of('EmbeddedFiles')) ? 'Names/EmbeddedFiles' : '',
    doc.catalog.has(PDFName.of('AA')) ? 'Catalog/AA' : '',
  ].filter(Boolean);
  add('no-javascript-or-attachments', forbidden.length === 0, forbidden.length ? forbidden.join(', ') : 'none found');

  // Annotations printable
  let badAnnots = 0;
  let annotCount = 0;
  for (const page of doc.getPages()) {
    const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
    for (let i = 0; annots && i < annots.size(); i++) {
      const a = annots.lookupMaybe(i, PDFDict);
      if (!a) continue;
      annotCount++;
      const f = a.lookupMaybe(PDFName.of('F'), PDFNumber)?.asNumber() ?? 0;
      if ((f & 4) === 0 || (f & (1 | 2 | 32)) !== 0) badAnnots++;
    }
  }
  add('annotations-printable', badAnnots === 0, `${annotCount} annotations, ${badAnnots} without the print flag or hidden`);

  const fonts = await allFontsEmbedded(file);
  if (fonts) add('fonts-embedded', fonts.ok, `pdffonts: ${fonts.detail}`);
  else add('fonts-embedded', false, 'pdffonts unavailable: not checked');

  if (opts.originalText !== undefined) {
    const text = await pdfText(file);
    if (opts.originalText === null || text === null) add('text-layer-equals-original', false, 'pdftotext unavailable: not checked');
    else {
      const same = normaliseText(text) === normaliseText(opts.originalText);
      add('text-layer-equals-original', same, same ? `pdftotext identical (${normaliseText(text).length} characters)` : describeDiff(opts.originalText, text));
    }
  }
  return checks;
}
