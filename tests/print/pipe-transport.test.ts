/**
 * The DevTools pipe sets a printed PDF aside as bytes (its answer goes on with a token for `data`), so
 * that a megabyte of base64 is not decoded as UTF-8 and parsed as JSON first. Only the answers to
 * Page.printToPDF calls with ReturnAsBase64 are touched; every other message arrives as it was sent.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PipeTransport, pipeStats, printedPdfBytes } from '../../src/print/spawn-chrome.ts';

function pipe() {
  const toChrome = new PassThrough();
  const fromChrome = new PassThrough();
  const transport = new PipeTransport(toChrome, fromChrome);
  const received: string[] = [];
  transport.onmessage = (m) => received.push(m);
  /** what Chromium would write: the message and its NUL, cut in pieces of `size` bytes */
  const answer = async (message: string, size = 65_536) => {
    const bytes = Buffer.concat([Buffer.from(message), Buffer.from([0])]);
    for (let i = 0; i < bytes.length; i += size) fromChrome.write(bytes.subarray(i, i + size));
    await new Promise((r) => setImmediate(r));
  };
  return { transport, received, answer };
}

describe('the DevTools pipe', () => {
  it('sets a printed PDF aside as bytes and passes its answer on with a token', async () => {
    const { transport, received, answer } = pipe();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4 中文\n'), randomBytes(300_000)]);
    transport.send(JSON.stringify({ method: 'Page.printToPDF', params: { transferMode: 'ReturnAsBase64', printBackground: true }, id: 41, sessionId: 'S1' }));
    const before = pipeStats.pdfsSetAside;
    await answer(`{"id":41,"result":{"data":"${pdf.toString('base64')}"},"sessionId":"S1"}`, 10_000);
    expect(pipeStats.pdfsSetAside).toBe(before + 1);
    expect(received).toHaveLength(1);
    const message = JSON.parse(received[0]!) as { id: number; result: { data: string }; sessionId: string };
    expect(message.id).toBe(41);
    expect(message.sessionId).toBe('S1');
    expect(message.result.data.length).toBeLessThan(100);
    expect(Buffer.from(printedPdfBytes(message.result.data)).equals(pdf)).toBe(true);
    // taken once
    expect(() => printedPdfBytes(message.result.data)).toThrow();
  });

  it('decodes a PDF as it comes, however Chromium cuts its answer, and passes the messages around it on as they came', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(20_000 + 2)]); // (padded base64)
    const data = pdf.toString('base64');
    expect(data.endsWith('=')).toBe(true);
    for (const size of [1, 2, 3, 5, 7, 31, 32, 33, 4096, 65_536]) {
      const { transport, received, answer } = pipe();
      transport.send(JSON.stringify({ method: 'Page.printToPDF', params: { transferMode: 'ReturnAsBase64' }, id: 9, sessionId: 'S' }));
      const before = pipeStats.pdfsSetAside;
      const event = '{"method":"Page.frameNavigated","params":{"name":"版面"}}';
      // an event, the answer and another event, all in one stream cut every `size` bytes
      await answer(`${event}\0{"id":9,"result":{"data":"${data}"},"sessionId":"S"}\0${event}`, size);
      expect(pipeStats.pdfsSetAside, `pieces of ${size}`).toBe(before + 1);
      expect(received).toHaveLength(3);
      expect(received[0]).toBe(event);
      expect(received[2]).toBe(event);
      const message = JSON.parse(received[1]!) as { id: number; result: { data: string }; sessionId: string };
      expect(message).toMatchObject({ id: 9, sessionId: 'S' });
      expect(Buffer.from(printedPdfBytes(message.result.data)).equals(pdf), `pieces of ${size}`).toBe(true);
    }
  });

  it('passes every other message on as it came: a screenshot, an answer to another call, a PDF with escapes, text split inside a character', async () => {
    const { transport, received, answer } = pipe();
    const image = randomBytes(200_000).toString('base64');
    transport.send(JSON.stringify({ method: 'Page.printToPDF', params: { transferMode: 'ReturnAsBase64' }, id: 7 }));
    const screenshot = `{"id":8,"result":{"data":"${image}"}}`;
    const escaped = `{"id":7,"result":{"data":"${image.slice(0, 100_000)}\\/${image.slice(100_000)}"}}`;
    const event = JSON.stringify({ method: 'Runtime.consoleAPICalled', params: { text: '正文'.repeat(5000) } });
    await answer(screenshot);
    await answer(escaped);
    await answer(event, 7); // pieces of 7 bytes: every CJK character (3 bytes) split somewhere
    // a character that is not base64 far into the data, where part of it was decoded already
    transport.send(JSON.stringify({ method: 'Page.printToPDF', params: { transferMode: 'ReturnAsBase64' }, id: 10 }));
    const odd = `{"id":10,"result":{"data":"${image.slice(0, 150_001)}\n${image.slice(150_001)}"}}`;
    await answer(odd, 4_099);
    expect(received).toEqual([screenshot, escaped, event, odd]);
    // an answer to a call the pipe never saw, and data from a browser reached another way
    expect(Buffer.from(printedPdfBytes(Buffer.from('%PDF').toString('base64'))).toString()).toBe('%PDF');
  });
});
