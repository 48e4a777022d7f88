import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import type { AskJob } from '../../../src/queue/job.js';
import type { ReplyState } from '../../../src/queue/reply.js';
import { createTerminalWorkerSide } from '../../../src/queue/terminal-reply.js';
import type { Answer } from '../../../src/rag/types.js';

const job: AskJob = { v: 1, platform: 'terminal', eventId: 'e1', channelId: 'local', userId: 'me', question: 'q', images: [], meta: {}, createdAt: 0 };
const state: ReplyState = { get: async () => undefined, set: async () => undefined };
const answer: Answer = {
  text: 'CLIP maps text and images into one space [1].',
  sources: [{ n: 1, id: 'c1', title: 'CLIP', section: 'Intro', source: 'data/clip.md', snippet: '' }],
  figures: [{ n: 1, id: 'f1', imagePath: '/data/figures/f1.png', caption: 'Architecture', title: 'CLIP', section: 'Intro', source: 'data/clip.md' }],
  mode: 'llm',
  timings: {},
};

function collect() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, text: () => text };
}

describe('terminal reply', () => {
  it('streams new text only, then the rest, figures by path and sources', async () => {
    const { out, text } = collect();
    const side = createTerminalWorkerSide({ output: out });
    const reply = side.createReply({ job, answerId: 'a1', state, logger: createLogger({ level: 'silent' }), editIntervalMs: loadConfig({}).reply.editIntervalMs });
    const done = side.waitFor('e1');
    await reply.start();
    await reply.update('CLIP maps');
    await reply.update('CLIP maps text');
    await reply.finish(answer);
    expect(await done).toBe('finished');
    const printed = text();
    expect(printed.startsWith('CLIP maps text and images into one space [1].')).toBe(true);
    expect(printed).toContain('[F1] Architecture — /data/figures/f1.png');
    expect(printed).toContain('[1] CLIP › Intro (data/clip.md)');
  });

  it('reports failure to the waiting chat, even when it started waiting late', async () => {
    const { out, text } = collect();
    const side = createTerminalWorkerSide({ output: out });
    const reply = side.createReply({ job: { ...job, eventId: 'e2' }, answerId: 'a2', state, logger: createLogger({ level: 'silent' }), editIntervalMs: 100 });
    await reply.fail('Sorry — try again.');
    expect(await side.waitFor('e2')).toBe('failed');
    expect(text()).toContain('Sorry — try again.');
  });
});
