/**
 * The terminal "platform": a Reply that streams the answer to a terminal (or any writable
 * stream), lists figures by file path and the sources, and lets the local chat wait for
 * the answer to a question it enqueued.
 */
import type { Answer } from '../rag/types.js';
import { PermanentJobError } from './errors.js';
import { fetchImageBytes } from './fetch-image.js';
import type { PlatformWorkerSide, Reply, ReplyContext } from './reply.js';

export type TerminalOutcome = 'finished' | 'failed';

export interface TerminalWorkerSide extends PlatformWorkerSide {
  /** Resolves once the job of this event id has finished or failed. */
  waitFor(eventId: string): Promise<TerminalOutcome>;
}

/** Figure files (the terminal cannot show images, so their paths) and sources after the answer text. */
export function formatAnswerFooter(answer: Answer): string {
  const lines: string[] = [];
  if (answer.figures.length > 0) {
    lines.push('', 'Figures:');
    for (const f of answer.figures) lines.push(`  [F${f.n}] ${f.caption || f.title} — ${f.imagePath}`);
  }
  if (answer.sources.length > 0) {
    lines.push('', 'Sources:');
    for (const s of answer.sources) {
      const where = [s.title, s.section].filter(Boolean).join(' › ');
      lines.push(`  [${s.n}] ${where} (${s.source}${s.page !== undefined ? `, p. ${s.page}` : ''})`);
    }
  }
  return lines.join('\n');
}

class TerminalReply implements Reply {
  private printed = '';
  constructor(
    private readonly output: NodeJS.WritableStream,
    private readonly done: (outcome: TerminalOutcome) => void,
  ) {}

  async start(): Promise<void> {}

  async update(partialText: string): Promise<void> {
    // Print only what is new; a rewrite (not an extension) waits for the final text.
    if (partialText.startsWith(this.printed) && partialText.length > this.printed.length) {
      this.output.write(partialText.slice(this.printed.length));
      this.printed = partialText;
    }
  }

  async finish(answer: Answer): Promise<void> {
    if (answer.text.startsWith(this.printed)) this.output.write(answer.text.slice(this.printed.length));
    else this.output.write(`\n${answer.text}`);
    this.printed = answer.text;
    this.output.write(`${formatAnswerFooter(answer)}\n\n`);
    this.done('finished');
  }

  async fail(reason: string): Promise<void> {
    this.output.write(`${this.printed ? '\n' : ''}${reason}\n\n`);
    this.done('failed');
  }
}

/** A question asked in an earlier chat session (quit mid-answer, handed back to the queue): nobody is waiting for it. */
class StaleTerminalReply implements Reply {
  async start(): Promise<void> {
    throw new PermanentJobError('terminal question from an earlier chat session', '');
  }
  async update(): Promise<void> {}
  async finish(): Promise<void> {}
  async fail(): Promise<void> {}
}

/** `startedAt`: jobs created before it belong to an earlier chat session and are dropped unanswered. */
export function createTerminalWorkerSide(options: { output?: NodeJS.WritableStream; startedAt?: number } = {}): TerminalWorkerSide {
  const output = options.output ?? process.stdout;
  const startedAt = options.startedAt ?? 0;
  const outcomes = new Map<string, TerminalOutcome>();
  const waiters = new Map<string, (outcome: TerminalOutcome) => void>();
  const settle = (eventId: string, outcome: TerminalOutcome) => {
    const waiter = waiters.get(eventId);
    if (waiter) {
      waiters.delete(eventId);
      waiter(outcome);
    } else {
      outcomes.set(eventId, outcome);
    }
  };
  return {
    createReply: (context: ReplyContext) =>
      context.job.createdAt < startedAt ? new StaleTerminalReply() : new TerminalReply(output, (outcome) => settle(context.job.eventId, outcome)),
    fetchImage: (url, maxBytes) => fetchImageBytes(url, maxBytes),
    waitFor(eventId) {
      const known = outcomes.get(eventId);
      if (known) {
        outcomes.delete(eventId);
        return Promise.resolve(known);
      }
      return new Promise((resolve) => waiters.set(eventId, resolve));
    },
  };
}
