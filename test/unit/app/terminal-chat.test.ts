import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChatScreen, startTerminalChat } from '../../../src/app/terminal-chat.js';
import { PermanentJobError } from '../../../src/queue/errors.js';
import type { AskGateway } from '../../../src/queue/gateway.js';
import type { ReplyContext } from '../../../src/queue/reply.js';
import { createTerminalWorkerSide, type TerminalWorkerSide } from '../../../src/queue/terminal-reply.js';
import { createLogger } from '../../../src/log.js';

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

describe('ChatScreen (log lines vs the prompt)', () => {
  it('clears the prompt line before a log line and redraws the prompt after it', () => {
    const terminal = new PassThrough();
    const all = collect(terminal);
    const screen = new ChatScreen(terminal, terminal);
    const prompt = { showing: true, redraw: () => screen.write('you> what is') };
    screen.attachPrompt(prompt);
    screen.write('you> what is');
    screen.log.write('WARN: Redis connection lost\n');
    expect(all()).toBe('you> what is\r\x1b[2KWARN: Redis connection lost\nyou> what is');
  });

  it('puts a log line that arrives mid-answer on its own line', () => {
    const terminal = new PassThrough();
    const all = collect(terminal);
    const screen = new ChatScreen(terminal, terminal);
    screen.attachPrompt({ showing: false, redraw: () => undefined });
    screen.write('bot> The answer is');
    screen.log.write('WARN: slow\n');
    screen.write(' here.\n');
    screen.log.write('WARN: again\n');
    expect(all()).toBe('bot> The answer is\nWARN: slow\n here.\nWARN: again\n');
  });

  it('routes a real logger through it', () => {
    const terminal = new PassThrough();
    const all = collect(terminal);
    const screen = new ChatScreen(terminal, terminal);
    screen.attachPrompt({ showing: true, redraw: () => screen.write('you> ') });
    createLogger({ destination: screen.log, pretty: false }).warn('careful');
    const text = all();
    expect(text.startsWith('\r\x1b[2K{')).toBe(true);
    expect(text.endsWith('"msg":"careful"}\nyou> ')).toBe(true);
  });
});

describe('terminal chat session', () => {
  const gateway: AskGateway = {
    admit: async () => ({ ok: true }),
    enqueue: async () => ({ ok: true, jobId: 'terminal-1' }),
    isBotThread: async () => false,
    markBotThread: async () => undefined,
  };

  it('close() ends the chat even while it waits for an answer', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const printed = collect(output);
    // A worker side whose answers never come.
    const side: TerminalWorkerSide = { ...createTerminalWorkerSide({ output }), waitFor: () => new Promise(() => undefined) };
    const chat = startTerminalChat({ gateway, side, input, output });
    input.write('A question nobody answers\n');
    await expect.poll(printed).toContain('bot> ');
    chat.close();
    await chat.finished;
  });

  it('answers the questions already read when the input ends', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const asked: string[] = [];
    const side = createTerminalWorkerSide({ output });
    const chat = startTerminalChat({
      gateway: { ...gateway, enqueue: async (job) => (asked.push(job.question), { ok: true, jobId: 'x' }) },
      side: { ...side, waitFor: async () => 'finished' },
      input,
      output,
    });
    input.end('first\nsecond\n');
    await chat.finished;
    expect(asked).toEqual(['first', 'second']);
  });

  it('drops a question left over from an earlier chat session instead of printing its answer', async () => {
    const output = new PassThrough();
    const printed = collect(output);
    const side = createTerminalWorkerSide({ output, startedAt: 1000 });
    const context = (createdAt: number) =>
      ({ job: { v: 1, platform: 'terminal', eventId: 'e', channelId: 'local', userId: 'u', question: 'q', images: [], meta: {}, createdAt }, answerId: 'a' }) as unknown as ReplyContext;
    await expect(side.createReply(context(999)).start()).rejects.toBeInstanceOf(PermanentJobError);
    await side.createReply(context(999)).fail('Sorry');
    await side.createReply(context(1000)).fail('Sorry');
    expect(printed()).toBe('Sorry\n\n');
  });
});
