/**
 * The terminal chat (`mrag chat`): questions typed on the terminal go through the same
 * gateway, queue and worker as every platform; answers come back through the terminal
 * Reply. Follow-ups share one thread, so they keep context.
 *
 * Commands: `/image <file> <question>` attaches an image, `/new` starts a new
 * conversation, `/exit` (or Ctrl-D, or one Ctrl-C) quits — also while an answer is still
 * being written.
 *
 * Log lines never land inside the prompt line: give the logger `ChatScreen.log` and the
 * chat `ChatScreen` as its output; a log line then clears the prompt, prints, and redraws
 * the prompt with what was typed so far.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { AskGateway } from '../queue/gateway.js';
import type { TerminalWorkerSide } from '../queue/terminal-reply.js';

export const TERMINAL_CHANNEL = 'local';
const PROMPT = 'you> ';
/** The one local user of the terminal is limited like the web chat's local user, not like a shared channel's. */
const LOCAL_USER_PER_MINUTE = 60;

export interface TerminalChatOptions {
  gateway: AskGateway;
  side: TerminalWorkerSide;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  userId?: string;
}

export interface TerminalChat {
  /** Resolves when the user quit (or `close()` was called). */
  finished: Promise<void>;
  /** End the chat now (e.g. on SIGTERM); an answer still being written is abandoned. */
  close(): void;
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

/**
 * The terminal as the chat sees it: the output stream (it tracks whether the cursor is
 * mid-line) plus `log`, a stream for the logger that keeps log lines off the prompt line.
 */
export class ChatScreen extends Writable {
  readonly log: Writable;
  private midLine = false;
  private prompt?: { showing: boolean; redraw(): void };

  constructor(private readonly target: NodeJS.WritableStream = process.stdout, logTarget: NodeJS.WritableStream = process.stderr) {
    super();
    this.log = new Writable({
      write: (chunk: Buffer | string, _enc, callback) => {
        if (this.prompt?.showing) this.target.write('\r\x1b[2K');
        else if (this.midLine) this.target.write('\n');
        this.midLine = false;
        logTarget.write(chunk, () => undefined);
        if (this.prompt?.showing) this.prompt.redraw();
        callback();
      },
    });
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = chunk.toString();
    if (text.length > 0) this.midLine = !text.endsWith('\n');
    this.target.write(text, () => undefined);
    callback();
  }

  /** A terminal when its target is one (readline then edits lines in place). */
  get isTTY(): boolean {
    return (this.target as { isTTY?: boolean }).isTTY === true;
  }

  get columns(): number | undefined {
    return (this.target as { columns?: number }).columns;
  }

  /** Called by the chat: how to know the prompt is showing, and how to redraw it. */
  attachPrompt(prompt: { showing: boolean; redraw(): void } | undefined): void {
    this.prompt = prompt;
  }
}

/** Start the chat; it runs until the input ends, the user quits, or `close()`. */
export function startTerminalChat(options: TerminalChatOptions): TerminalChat {
  const output = options.output ?? process.stdout;
  const input = options.input ?? process.stdin;
  const userId = options.userId ?? process.env.USER ?? 'local-user';
  const tty = (input as { isTTY?: boolean }).isTTY === true && (output as { isTTY?: boolean }).isTTY === true;
  const rl = readline.createInterface({ input, output, terminal: tty, prompt: PROMPT });
  const prompt = {
    showing: false,
    redraw: () => (tty ? rl.prompt(true) : output.write(PROMPT)),
  };
  if (output instanceof ChatScreen) output.attachPrompt(prompt);

  let closed = false;
  let onClosed: () => void = () => undefined;
  const whenClosed = new Promise<void>((resolve) => (onClosed = resolve));
  const close = () => {
    if (closed) return;
    closed = true;
    prompt.showing = false;
    rl.close();
    onClosed();
  };
  // One Ctrl-C quits, abandoning an answer in progress (readline reports it in terminal
  // mode; otherwise the process gets SIGINT and the app calls close()). The end of the
  // input (Ctrl-D, a pipe) only ends the loop: questions already read are still answered.
  rl.on('SIGINT', close);
  const showPrompt = () => {
    if (closed) return;
    prompt.showing = true;
    prompt.redraw();
  };

  const run = async () => {
    let threadId = `session-${Date.now()}`;
    output.write('Ask a question about your documents (/image <file> <question>, /new, /exit).\n');
    showPrompt();
    for await (const line of rl) {
      prompt.showing = false;
      const parsed = parseChatLine(line);
      if (parsed?.kind === 'exit') break;
      if (parsed?.kind === 'new') {
        threadId = `session-${Date.now()}`;
        output.write('(new conversation)\n');
      } else if (parsed?.kind === 'error') {
        output.write(`${parsed.message}\n`);
      } else if (parsed?.kind === 'ask') {
        await Promise.race([ask(options, output, userId, threadId, parsed), whenClosed]);
      }
      showPrompt();
    }
  };
  const finished = run().finally(() => {
    close();
    if (output instanceof ChatScreen) output.attachPrompt(undefined);
    output.write('\n');
  });
  return { finished, close };
}

async function ask(
  options: TerminalChatOptions,
  output: NodeJS.WritableStream,
  userId: string,
  threadId: string,
  parsed: { question: string; image?: string },
): Promise<void> {
  const eventId = randomUUID();
  const admission = await options.gateway.admit({ platform: 'terminal', eventId, userId, channelId: TERMINAL_CHANNEL, userPerMinute: LOCAL_USER_PER_MINUTE });
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
