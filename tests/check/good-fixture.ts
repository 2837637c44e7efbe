/** The hand-set GOOD page used by good-pdf.test.ts: every rule met. */
import { HanSource, type Fixture } from './render.ts';

const han = new HanSource();
type Line = { html: string; text: string; cls?: string };

const start = (): Line => {
  const t = han.take(14);
  return { html: t, text: t, cls: 'start' };
};
const full = (): Line => {
  const t = han.take(16);
  return { html: t, text: t };
};
/** A full line ending with a full-width mark pulled half an em into the margin. */
const marked = (mark: string): Line => {
  const t = han.take(15);
  return { html: `${t}<span class="hw">${mark}</span>`, text: t + mark, cls: 'just' };
};
const last = (n: number, end = '。'): Line => {
  const t = han.take(n) + end;
  return { html: t, text: t };
};
/** A paragraph's last line with Latin words set 1/4 em from the Han text. */
const latin = (): Line => {
  const a = han.take(2);
  const b = han.take(2);
  const c = han.take(2);
  return {
    html: `${a}<span class="lat">GB/T</span>${b}<span class="lat">15834</span>${c}。`,
    text: `${a}GB/T${b}15834${c}。`,
  };
};

// Three columns of eight lines; each array is a column, `null` separates paragraphs.
const columns: (Line | null)[][] = [
  [start(), full(), marked('，'), full(), last(5), null, start(), marked('。'), last(3, '”。')],
  [start(), marked('、'), full(), latin(), null, start(), full(), marked('；'), last(4)],
  [start(), full(), full(), marked('：'), last(2), null, start(), full(), last(6, '！')],
];
export const HEADLINE = '版面检查样张';

export function paragraphs(): string[] {
  const out: string[] = [];
  let cur = '';
  for (const col of columns)
    for (const l of col) {
      if (l === null) {
        out.push(cur);
        cur = '';
      } else cur += l.text;
    }
  // A paragraph may run on into the next column; the last one ends the page.
  out.push(cur);
  return out.filter(Boolean);
}

export const goodFixture: Fixture = {
  size: '215mm 110mm',
  css: `
h1 { font-size: 28px; line-height: 48px; margin: 0; font-weight: 400; }
.cols { display: flex; gap: 2em; }
.col { width: 16em; }
.l { height: 24px; white-space: nowrap; }
.l.start { padding-left: 2em; }
.l.just { text-align: justify; text-align-last: justify; white-space: normal; }
.hw { margin-right: -0.5em; }
.lat { margin: 0 0.25em; }`,
  body:
    `<h1>${HEADLINE}</h1><div class="cols">` +
    columns
      .map(
        (col) =>
          `<div class="col">${col
            .filter((l): l is Line => l !== null)
            .map((l) => `<div class="l ${l.cls ?? ''}">${l.html}</div>`)
            .join('')}</div>`,
      )
      .join('') +
    `</div>`,
};


/** The manuscript of the good page, with front matter and a heading. */
export function goodManuscript(): string {
  return `---\ntitle: 样张\n---\n\n# ${HEADLINE}\n\n${paragraphs().join('\n\n')}\n`;
}
