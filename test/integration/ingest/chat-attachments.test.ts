/**
 * chat-unsupported-image field case: images users attach in chat go through the same
 * normaliser before CLIP and the vision model (the model never gets BMP/AVIF/TIFF bytes or SVG
 * source), and one that cannot be read becomes a one-line note while the question is still
 * answered. The real queue worker on Redis, the recording platform and the stub answerer.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/recording-platform.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { askInput, startHarness, type Harness } from '../queue/harness.js';

const FIELD = path.resolve('test/fixtures/field/chat-unsupported-image');
const url = (name: string) => `https://cdn.example.test/${name}`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const formatOf = (bytes: Uint8Array) => {
  const head = Buffer.from(bytes.subarray(0, 16));
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  return head.toString('latin1');
};

async function ask(harness: Harness, images: string[]) {
  const input = askInput({ images: images.map((name) => ({ url: url(name), bytes: 1000 })) });
  await harness.gateway.enqueue(input);
  return waitFor(() => harness.platform.events.find((e) => e.eventId === input.eventId && (e.type === 'finish' || e.type === 'fail')), { what: `answer to ${input.eventId}` });
}

describe('images attached in chat', () => {
  const files = ['screenshot.png', 'screenshot.bmp', 'screenshot.avif', 'screenshot.tiff', 'diagram.svg'];

  it('reach the answerer as PNG or JPEG whatever the user sent (PNG, BMP, AVIF, TIFF, SVG)', async () => {
    const answerer = createStubAnswerer();
    h = await startHarness({ answerer, platform: { images: Object.fromEntries(files.map((f) => [url(f), new Uint8Array(readFileSync(path.join(FIELD, f)))])) } });
    for (const file of files) {
      const done = await ask(h, [file]);
      expect(done.type).toBe('finish');
      expect(done.text).not.toMatch(/Note:/);
    }
    expect(answerer.calls.map((c) => c.images.map(formatOf))).toEqual([['png'], ['png'], ['jpeg'], ['png'], ['png']]);
  });

  it('an attachment that cannot be read becomes a one-line note; the question is still answered with the other image', async () => {
    const answerer = createStubAnswerer({ text: (q) => `Answer to: ${q}` });
    const broken = new Uint8Array(readFileSync(path.join(FIELD, 'screenshot.png')).subarray(0, 120));
    h = await startHarness({ answerer, platform: { images: { [url('broken.png')]: broken, [url('screenshot.bmp')]: new Uint8Array(readFileSync(path.join(FIELD, 'screenshot.bmp'))) } } });

    const done = await ask(h, ['broken.png', 'screenshot.bmp']);
    expect(done.type).toBe('finish');
    const [note, blank, answer, ...rest] = done.text!.split('\n');
    expect(note).toMatch(/^_Note: the attached image could not be read \(corrupt or unsupported image data.*\); this answer is based on your text alone\._$/);
    expect([blank, answer, rest]).toEqual(['', 'Answer to: What is CLIP?', []]);
    expect(answerer.calls[0]!.images.map(formatOf)).toEqual(['png']);

    const missing = await ask(h, ['gone.png']);
    expect(missing.type).toBe('finish');
    expect(missing.text).toMatch(/^_Note: the attached image was not used \(it could not be downloaded\); this answer is based on your text alone\._\n\nAnswer to: What is CLIP\?$/);
    expect(answerer.calls[1]!.images).toEqual([]);
  });
});
