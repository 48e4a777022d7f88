/**
 * `mrag chat` on a real terminal (a pseudo-terminal made by util-linux `script`): one
 * Ctrl-C quits cleanly — at the prompt, and while an answer is still streaming (the
 * answer is abandoned: the model request is cancelled).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanPrefix, uniquePrefix } from '../../helpers/redis.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';
import { buildIndex, webEnv, workDir } from './harness.js';

const work = workDir('terminal');
const dataDir = path.join(work.dir, 'data');
let ollama: OllamaStandIn;
const prefixes: string[] = [];

beforeAll(async () => {
  await buildIndex(dataDir);
  ollama = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['A slow ', 'answer ', 'that ', 'never ', 'ends ', 'soon.'], delayMs: 1500 }) });
});

afterAll(async () => {
  await ollama?.close();
  for (const prefix of prefixes) await cleanPrefix(webEnv(dataDir).REDIS_URL!, prefix);
  work.cleanup();
});

interface Terminal {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  waitFor(text: string, after?: number): Promise<void>;
  exited: Promise<number | null>;
  type(keys: string): void;
}

function openChat(): Terminal {
  const prefix = uniquePrefix('chat');
  prefixes.push(prefix);
  const env = { ...process.env, ...webEnv(dataDir, { OLLAMA_HOST: ollama.url }, prefix), TERM: 'xterm' };
  // `script` runs the command on a new pseudo-terminal and relays our pipe to it.
  const child = spawn('script', ['-qfec', `${process.execPath} bin/mrag.js chat`, '/dev/null'], { env });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    type: (keys) => child.stdin.write(keys),
    async waitFor(needle, after = 0) {
      await expect.poll(() => text.indexOf(needle, after), { timeout: 45_000, interval: 100 }).toBeGreaterThanOrEqual(0);
    },
  };
}

describe('mrag chat on a terminal', () => {
  it('quits on one Ctrl-C at the prompt', async () => {
    const terminal = openChat();
    await terminal.waitFor('you> ');
    terminal.type('\x03');
    expect(await terminal.exited).toBe(0);
    expect(terminal.output()).not.toContain('second signal');
  });

  it('quits on one Ctrl-C while an answer is streaming, cancelling the model request', async () => {
    const terminal = openChat();
    await terminal.waitFor('you> ');
    const aborts = ollama.clientAborts;
    terminal.type('How does retrieval work?\r');
    await terminal.waitFor('A slow ');
    terminal.type('\x03');
    expect(await terminal.exited).toBe(0);
    await ollama.waitForClientAborts(aborts + 1);
    expect(terminal.output()).not.toContain('soon.');
    expect(terminal.output()).not.toContain('second signal');
  });
});
