/**
 * The local chat (`mrag start` with no platform configured): questions typed on the
 * terminal go through the same gateway, queue and worker as Discord and Slack; answers
 * come back through the terminal Reply. Follow-ups share one thread, so they keep context.
 *
 * Commands: `/image <file> <question>` attaches an image, `/new` starts a new
 * conversation, `/exit` (or Ctrl-D / Ctrl-C) quits.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { AskGateway } from '../queue/gateway.js';
import type { TerminalWorkerSide } from '../queue/terminal-reply.js';

export const TERMINAL_CHANNEL = 'local';

export interface TerminalChatOptions {
  gateway: AskGateway;
  side: TerminalWorkerSide;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  userId?: string;
}

type Parsed = { kind: 'exit' } | { kind: 'new' } | { kind: 'ask'; question: string; image?: string } | { kind: 'error'; message: string };

export function parseChatLine(line: string): Parsed | undefined {
  const text = line.trim();
  if (!text) return undefined;
  if (text === '/exit' || text === '/quit') return { kind: 'exit' };
  if (text === '/new') return { kind: 'new' };
  if (text.startsWith('/image')) {
    const match = /^\/image\s+(\S+)\s*(.*)$/.exec(text);
    if (!match) return { kind: 'error', message: 'Usage: /image <file> <question>' };
    const file = path.resolve(match[1]!);
    if (!existsSync(file)) return { kind: 'error', message: `No such file: ${file}` };
    return { kind: 'ask', image: file, question: match[2] || 'What does this image show?' };
  }
  return { kind: 'ask', question: text };
}

/** Run the chat until the input ends or the user types /exit. */
export async function runTerminalChat(options: TerminalChatOptions): Promise<void> {
  const output = options.output ?? process.stdout;
  const userId = options.userId ?? process.env.USER ?? 'local-user';
  const rl = readline.createInterface({ input: options.input ?? process.stdin, output, terminal: false });
  rl.on('SIGINT', () => rl.close());
  let threadId = `session-${Date.now()}`;
  output.write('Ask a question about your documents (/image <file> <question>, /new, /exit).\n');
  output.write('you> ');
  for await (const line of rl) {
    const parsed = parseChatLine(line);
    if (parsed?.kind === 'exit') break;
    if (parsed?.kind === 'new') {
      threadId = `session-${Date.now()}`;
      output.write('(new conversation)\n');
    } else if (parsed?.kind === 'error') {
      output.write(`${parsed.message}\n`);
    } else if (parsed?.kind === 'ask') {
      await ask(options, output, userId, threadId, parsed);
    }
    output.write('you> ');
  }
  rl.close();
  output.write('\n');
}

async function ask(
  options: TerminalChatOptions,
  output: NodeJS.WritableStream,
  userId: string,
  threadId: string,
  parsed: { question: string; image?: string },
): Promise<void> {
  const eventId = randomUUID();
  const admission = await options.gateway.admit({ platform: 'terminal', eventId, userId, channelId: TERMINAL_CHANNEL });
  if (!admission.ok) {
    if (admission.reason !== 'duplicate') output.write(`${admission.message}\n`);
    return;
  }
  const images = parsed.image ? [{ url: pathToFileURL(parsed.image).href, bytes: 0, name: path.basename(parsed.image) }] : [];
  const done = options.side.waitFor(eventId);
  const result = await options.gateway.enqueue({
    v: 1,
    platform: 'terminal',
    eventId,
    channelId: TERMINAL_CHANNEL,
    threadId,
    userId,
    question: parsed.question,
    images,
    createdAt: Date.now(),
  });
  if (!result.ok) {
    if (result.reason === 'invalid') output.write(`${result.message}\n`);
    return;
  }
  output.write('bot> ');
  await done;
}
