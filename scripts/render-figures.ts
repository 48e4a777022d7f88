/**
 * Renders the diagrams of the shipped articles (data/articles/figures/*.png) from SVG with
 * sharp. The diagrams are described here as boxes and arrows so that they stay in sync with
 * the code review, not drawn by hand.
 *
 *   npx tsx scripts/render-figures.ts
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  lines: string[];
  fill?: string;
}
interface Arrow {
  from: string;
  to: string;
  label?: string;
  /** Which sides to connect: right→left (default), or bottom→top. */
  dir?: 'h' | 'v';
  /** Where the label goes (start-anchored) when the midpoint would collide. */
  labelAt?: [number, number];
}
interface Diagram {
  file: string;
  title: string;
  width: number;
  height: number;
  boxes: Box[];
  arrows: Arrow[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function renderSvg(d: Diagram): string {
  const byId = new Map(d.boxes.map((b) => [b.id, b]));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${d.width}" height="${d.height}" font-family="DejaVu Sans, sans-serif">`,
    '<defs><marker id="head" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#333"/></marker></defs>',
    `<rect width="${d.width}" height="${d.height}" fill="#ffffff"/>`,
    `<text x="${d.width / 2}" y="30" font-size="20" font-weight="bold" text-anchor="middle" fill="#222">${esc(d.title)}</text>`,
  ];
  for (const b of d.boxes) {
    parts.push(`<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8" fill="${b.fill ?? '#e8f0fe'}" stroke="#335" stroke-width="1.5"/>`);
    const top = b.y + b.h / 2 - ((b.lines.length - 1) * 17) / 2 + 5;
    b.lines.forEach((line, i) => {
      const weight = i === 0 ? ' font-weight="bold"' : '';
      parts.push(`<text x="${b.x + b.w / 2}" y="${top + i * 17}" font-size="${i === 0 ? 14 : 12}"${weight} text-anchor="middle" fill="#111">${esc(line)}</text>`);
    });
  }
  for (const a of d.arrows) {
    const f = byId.get(a.from)!;
    const t = byId.get(a.to)!;
    const [x1, y1, x2, y2] =
      a.dir === 'v'
        ? f.y < t.y
          ? [f.x + f.w / 2, f.y + f.h, t.x + t.w / 2, t.y]
          : [f.x + f.w / 2, f.y, t.x + t.w / 2, t.y + t.h]
        : f.x < t.x
          ? [f.x + f.w, f.y + f.h / 2, t.x, t.y + t.h / 2]
          : [f.x, f.y + f.h / 2, t.x + t.w, t.y + t.h / 2];
    parts.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#333" stroke-width="1.6" marker-end="url(#head)"/>`);
    if (a.label && a.labelAt) {
      parts.push(`<text x="${a.labelAt[0]}" y="${a.labelAt[1]}" font-size="11" fill="#a33">${esc(a.label)}</text>`);
    } else if (a.label) {
      const lx = (x1 + x2) / 2 + (a.dir === 'v' ? 8 : 0);
      const ly = (y1 + y2) / 2 - (a.dir === 'v' ? 0 : 7);
      parts.push(`<text x="${lx}" y="${ly}" font-size="11" text-anchor="${a.dir === 'v' ? 'start' : 'middle'}" fill="#a33">${esc(a.label)}</text>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export const DIAGRAMS: Diagram[] = [
  {
    file: 'architecture-diagram.png',
    title: 'mrag-bot architecture: bots listen, workers work',
    width: 1060,
    height: 440,
    boxes: [
      { id: 'discord', x: 20, y: 70, w: 170, h: 60, lines: ['Discord gateway', 'messages, /ask command'], fill: '#ede7f6' },
      { id: 'slack', x: 20, y: 170, w: 170, h: 60, lines: ['Slack', 'Socket Mode or HTTP'], fill: '#ede7f6' },
      { id: 'bot', x: 260, y: 110, w: 190, h: 80, lines: ['Bot process (src/bots)', 'validate, ack within 3 s,', 'post placeholder'] },
      { id: 'queue', x: 530, y: 110, w: 160, h: 80, lines: ['Redis + BullMQ', '"ask" queue, thread', 'memory, rate limits'], fill: '#fff3e0' },
      { id: 'worker', x: 770, y: 110, w: 170, h: 80, lines: ['Worker', 'retrieve, prompt,', 'generate, reply'], fill: '#e8f5e9' },
      { id: 'kb', x: 260, y: 330, w: 190, h: 80, lines: ['Knowledge base', 'CLIP index of text', 'chunks and figures'], fill: '#fff3e0' },
      { id: 'ollama', x: 530, y: 330, w: 160, h: 80, lines: ['Ollama', 'vision LLM', '(llama3.2-vision)'], fill: '#fce4ec' },
      { id: 'rest', x: 770, y: 330, w: 170, h: 80, lines: ['Platform REST API', 'Discord REST or', 'Slack Web API'], fill: '#e0f7fa' },
    ],
    arrows: [
      { from: 'discord', to: 'bot', label: 'question' },
      { from: 'slack', to: 'bot', label: 'question' },
      { from: 'bot', to: 'queue', label: 'enqueue' },
      { from: 'queue', to: 'worker', label: 'take job' },
      { from: 'worker', to: 'kb', label: '1. search text + figures', dir: 'v', labelAt: [420, 262] },
      { from: 'worker', to: 'ollama', label: '2. prompt with figures', dir: 'v', labelAt: [615, 300] },
      { from: 'worker', to: 'rest', label: '3. post answer + figures in thread', dir: 'v', labelAt: [862, 262] },
    ],
  },
  {
    file: 'answer-flow.png',
    title: 'From question to answer',
    width: 900,
    height: 300,
    boxes: [
      { id: 'ask', x: 20, y: 70, w: 190, h: 70, lines: ['1. User asks', 'mention or /ask in a', 'channel or thread'], fill: '#ede7f6' },
      { id: 'ack', x: 240, y: 70, w: 190, h: 70, lines: ['2. Bot acknowledges', 'posts "Searching the', 'docs…" placeholder'] },
      { id: 'job', x: 460, y: 70, w: 190, h: 70, lines: ['3. Job in Redis', 'no secrets, versioned', 'job schema'], fill: '#fff3e0' },
      { id: 'condense', x: 680, y: 70, w: 200, h: 70, lines: ['4. Worker condenses', 'follow-up with thread', 'memory'], fill: '#e8f5e9' },
      { id: 'embed', x: 680, y: 190, w: 200, h: 70, lines: ['5. CLIP embeds query', 'text and/or image'], fill: '#e8f5e9' },
      { id: 'search', x: 460, y: 190, w: 190, h: 70, lines: ['6. Hybrid search', 'vector + BM25 fused', 'with RRF'], fill: '#fff3e0' },
      { id: 'llm', x: 240, y: 190, w: 190, h: 70, lines: ['7. Ollama answers', 'from chunks and', 'figures, streaming'], fill: '#fce4ec' },
      { id: 'post', x: 20, y: 190, w: 190, h: 70, lines: ['8. Reply edited', 'answer, figures', 'attached, sources'], fill: '#e0f7fa' },
    ],
    arrows: [
      { from: 'ask', to: 'ack' },
      { from: 'ack', to: 'job' },
      { from: 'job', to: 'condense' },
      { from: 'condense', to: 'embed', dir: 'v' },
      { from: 'embed', to: 'search' },
      { from: 'search', to: 'llm' },
      { from: 'llm', to: 'post' },
    ],
  },
  {
    file: 'retrieval-pipeline.png',
    title: 'Ingest and retrieval pipeline',
    width: 960,
    height: 330,
    boxes: [
      { id: 'files', x: 20, y: 70, w: 170, h: 80, lines: ['Documents', 'Markdown, HTML, PDF,', 'images, URLs'], fill: '#ede7f6' },
      { id: 'parse', x: 210, y: 70, w: 170, h: 80, lines: ['Parse', 'sections, paragraphs,', 'figures + captions'] },
      { id: 'chunk', x: 400, y: 70, w: 170, h: 80, lines: ['Chunk', '77-token CLIP windows', 'with overlap'] },
      { id: 'clip', x: 590, y: 70, w: 160, h: 80, lines: ['CLIP embed', 'text encoder +', 'vision encoder'], fill: '#e8f5e9' },
      { id: 'index', x: 780, y: 70, w: 160, h: 80, lines: ['LanceDB index', 'vectors + BM25', 'under DATA_DIR'], fill: '#fff3e0' },
      { id: 'query', x: 20, y: 220, w: 170, h: 70, lines: ['Query', 'text, image or both'], fill: '#ede7f6' },
      { id: 'qclip', x: 210, y: 220, w: 170, h: 70, lines: ['CLIP embed query'], fill: '#e8f5e9' },
      { id: 'both', x: 400, y: 220, w: 170, h: 70, lines: ['Vector search', '+ BM25 keyword search'], fill: '#fff3e0' },
      { id: 'rrf', x: 590, y: 220, w: 160, h: 70, lines: ['RRF fusion', 'per-modality quotas'] },
      { id: 'out', x: 780, y: 220, w: 160, h: 70, lines: ['Top text chunks', '+ top figures'], fill: '#e0f7fa' },
    ],
    arrows: [
      { from: 'files', to: 'parse' },
      { from: 'parse', to: 'chunk' },
      { from: 'chunk', to: 'clip' },
      { from: 'clip', to: 'index' },
      { from: 'query', to: 'qclip' },
      { from: 'qclip', to: 'both' },
      { from: 'both', to: 'rrf' },
      { from: 'rrf', to: 'out' },
    ],
  },
  {
    file: 'slack-message-flow.png',
    title: 'Slack: how a question travels',
    width: 960,
    height: 230,
    boxes: [
      { id: 'user', x: 20, y: 80, w: 160, h: 80, lines: ['Slack user', '@mentions the app', 'in a channel'], fill: '#ede7f6' },
      { id: 'socket', x: 205, y: 80, w: 170, h: 80, lines: ['Socket Mode', 'WebSocket (xapp- token)', 'or signed HTTP'] },
      { id: 'bolt', x: 400, y: 80, w: 170, h: 80, lines: ['Bolt adapter', 'acks the envelope,', 'posts placeholder'] },
      { id: 'worker', x: 595, y: 80, w: 150, h: 80, lines: ['Worker', 'search + Ollama'], fill: '#e8f5e9' },
      { id: 'web', x: 770, y: 80, w: 170, h: 80, lines: ['Slack Web API', 'chat.update + file', 'upload in the thread'], fill: '#e0f7fa' },
    ],
    arrows: [
      { from: 'user', to: 'socket', label: 'event' },
      { from: 'socket', to: 'bolt', label: 'envelope' },
      { from: 'bolt', to: 'worker', label: 'job' },
      { from: 'worker', to: 'web', label: 'xoxb- token' },
    ],
  },
  {
    file: 'discord-setup-steps.png',
    title: 'Discord set-up in five steps',
    width: 960,
    height: 220,
    boxes: [
      { id: 'app', x: 20, y: 80, w: 170, h: 80, lines: ['1. New Application', 'in the Developer', 'Portal'], fill: '#ede7f6' },
      { id: 'token', x: 205, y: 80, w: 170, h: 80, lines: ['2. Bot tab', 'reset + copy token', '→ DISCORD_TOKEN'] },
      { id: 'intent', x: 390, y: 80, w: 170, h: 80, lines: ['3. Enable the', 'Message Content', 'intent'] },
      { id: 'invite', x: 575, y: 80, w: 170, h: 80, lines: ['4. OAuth2 URL', 'scopes bot +', 'applications.commands'] },
      { id: 'start', x: 760, y: 80, w: 180, h: 80, lines: ['5. mrag start', 'bot joins, /ask', 'command registered'], fill: '#e8f5e9' },
    ],
    arrows: [
      { from: 'app', to: 'token' },
      { from: 'token', to: 'intent' },
      { from: 'intent', to: 'invite' },
      { from: 'invite', to: 'start' },
    ],
  },
];

export async function renderFigures(outDir: string): Promise<Array<{ file: string; bytes: number }>> {
  mkdirSync(outDir, { recursive: true });
  const out = [];
  for (const d of DIAGRAMS) {
    const file = path.join(outDir, d.file);
    // A palette PNG keeps these flat-colour diagrams small (well under 60 KB).
    const info = await sharp(Buffer.from(renderSvg(d))).png({ palette: true, compressionLevel: 9 }).toFile(file);
    out.push({ file, bytes: info.size });
  }
  return out;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  for (const r of await renderFigures(path.resolve(process.argv[2] ?? 'data/articles/figures'))) console.log(`${r.file} ${r.bytes} bytes`);
}
