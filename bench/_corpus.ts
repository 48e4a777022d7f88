/**
 * A generated documentation corpus for bench/ingest.ts: Markdown documents with prose and
 * diagram-like figures (boxes, arrows and text labels rendered from SVG with sharp, so OCR
 * has words to read; every figure different, so nothing is shared through the OCR cache).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const TOPICS = ['queue', 'worker', 'gateway', 'index', 'embedding', 'shard', 'replica', 'cache', 'thread', 'webhook', 'token', 'retry'];
const PROSE =
  'The worker takes the next job from the queue, embeds the question, searches the index for text chunks and figures, ' +
  'and asks the vision model to answer from them. Retries back off exponentially; a stalled job is picked up again after its lock expires. ';

function diagram(d: number, k: number): string {
  const width = 560 + ((d * 7 + k * 13) % 5) * 80;
  const height = 320 + ((d + k) % 3) * 60;
  const boxes = [0, 1, 2].map((i) => {
    const x = 30 + i * ((width - 60) / 3);
    const label = `${TOPICS[(d + k + i) % TOPICS.length]} ${d}.${k}.${i}`;
    return `<rect x="${x}" y="${80 + (i % 2) * 60}" width="${(width - 60) / 3 - 30}" height="90" rx="8" fill="#${((d * 40 + i * 90 + k * 25) % 200 + 40).toString(16)}c0e0" stroke="#223"/>` +
      `<text x="${x + 12}" y="${130 + (i % 2) * 60}" font-family="DejaVu Sans" font-size="20">${label}</text>`;
  });
  const arrows = [0, 1].map((i) => `<line x1="${30 + (i + 1) * ((width - 60) / 3) - 30}" y1="150" x2="${30 + (i + 1) * ((width - 60) / 3)}" y2="150" stroke="#223" stroke-width="3"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="30" y="45" font-family="DejaVu Sans" font-size="24" font-weight="bold">Figure ${d}.${k}: ${TOPICS[(d * 3 + k) % TOPICS.length]} latency by ${TOPICS[(d + 5 * k) % TOPICS.length]}</text>` +
    `${boxes.join('')}${arrows.join('')}<text x="30" y="${height - 30}" font-family="DejaVu Sans" font-size="16">p50 ${10 + d} ms, p99 ${40 + k * 7} ms, ${d * 100 + k} requests per second</text></svg>`;
}

/** Writes `documents` Markdown files with `figuresPerDocument` figures each under `dir`; returns the counts. */
export async function writeCorpus(dir: string, documents: number, figuresPerDocument: number): Promise<{ documents: number; figures: number }> {
  mkdirSync(path.join(dir, 'img'), { recursive: true });
  for (let d = 0; d < documents; d++) {
    const parts: string[] = [`# Operations note ${d}`];
    for (let k = 0; k < figuresPerDocument; k++) {
      const file = `img/doc${d}-fig${k}.png`;
      writeFileSync(path.join(dir, file), await sharp(Buffer.from(diagram(d, k))).png().toBuffer());
      parts.push(`## ${TOPICS[(d + k) % TOPICS.length]} section ${k}`, PROSE.repeat(2 + ((d + k) % 3)) + `Note ${d}.${k}.`, `![Figure ${d}.${k}: the ${TOPICS[(d * 3 + k) % TOPICS.length]} diagram](${file})`);
    }
    writeFileSync(path.join(dir, `note-${d}.md`), parts.join('\n\n') + '\n');
  }
  return { documents, figures: documents * figuresPerDocument };
}
