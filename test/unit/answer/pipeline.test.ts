/**
 * Pipeline rules that need no server: input validation and what reaches the model. The
 * model here is a plain recording `ChatModel` (the Ollama path is covered against the
 * stand-in in test/integration/answer).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { condenseQuestion } from '../../../src/rag/answer/condense.js';
import { LlmUnavailableError, type ChatCallOptions, type ChatMessage, type ChatModel } from '../../../src/rag/llm/llm.js';
import { createAnswerPipeline } from '../../../src/rag/answer/pipeline.js';
import { FigureFiles, MemoryRetriever, chunk } from './fixtures.js';

class RecordingModel implements ChatModel {
  readonly calls: Array<{ messages: ChatMessage[]; options?: ChatCallOptions }> = [];
  constructor(private readonly reply: (n: number) => string | Error) {}
  async chat(messages: ChatMessage[], options?: ChatCallOptions): Promise<string> {
    this.calls.push({ messages, options });
    const r = this.reply(this.calls.length - 1);
    if (r instanceof Error) throw r;
    options?.onToken?.(r);
    return r;
  }
}

const logger = createLogger({ level: 'silent' });
const config = loadConfig({});

describe('answer pipeline', () => {
  it('rejects an empty or too long question with a user-facing error', async () => {
    const p = createAnswerPipeline({ retriever: new MemoryRetriever([]), llm: new RecordingModel(() => 'x'), config, logger });
    await expect(p.answer('   ')).rejects.toMatchObject({ code: 'question_empty' });
    await expect(p.answer('x'.repeat(config.limits.maxQuestionChars + 1))).rejects.toMatchObject({ code: 'question_too_long' });
  });

  it('searches with the user image, and attaches the top figure when the model cites none', async () => {
    const files = new FigureFiles();
    try {
      const retriever = new MemoryRetriever([chunk(1, 'text')], [files.figure(1, 'chart', 0.9), files.figure(2, 'map', 0.8)]);
      const llm = new RecordingModel(() => 'The documents do not cover this.');
      const image = Uint8Array.from([7, 7]);
      const answer = await createAnswerPipeline({ retriever, llm, config, logger }).answer('What is it?', { images: [image] });
      expect(retriever.queries[0]!.query).toEqual({ text: 'What is it?', image });
      // OLLAMA_MAX_IMAGES=1 by default: only the user's image is sent.
      expect(llm.calls[0]!.messages.at(-1)!.images).toEqual([image]);
      expect(answer.figures.map((f) => f.n)).toEqual([1]);
      expect(answer.sources.map((s) => s.n)).toEqual([1]);
      // "Why this answer": both figures were retrieved, but the only image slot held the user's image.
      expect(answer.retrieval?.figures.map((f) => f.caption)).toEqual(['chart', 'map']);
      expect(answer.retrieval?.shownToModel).toEqual([]);
      const roomy = await createAnswerPipeline({ retriever, llm, config: { ...config, ollama: { ...config.ollama, maxImages: 2 } }, logger }).answer('What is it?', { images: [image] });
      expect(roomy.retrieval?.shownToModel).toEqual([answer.retrieval!.figures[0]!.id]);
    } finally {
      files.cleanup();
    }
  });

  it('falls back when the model returns nothing', async () => {
    const p = createAnswerPipeline({ retriever: new MemoryRetriever([chunk(1, 'text')]), llm: new RecordingModel(() => '  '), config, logger });
    expect((await p.answer('q?')).mode).toBe('retrieval-only');
  });
});

describe('condenseQuestion', () => {
  const history = [{ question: 'What is Lance?', answer: 'A columnar format [1].' }];

  it('passes a question without history through untouched, with no model call', async () => {
    const llm = new RecordingModel(() => 'unused');
    expect(await condenseQuestion('What is Lance?', [], llm, { timeoutMs: 1000 })).toEqual({ query: 'What is Lance?', method: 'as-is' });
    expect(llm.calls).toHaveLength(0);
  });

  it('keeps the first line of the reply without labels or quotes', async () => {
    const llm = new RecordingModel(() => '\n"Standalone query: Lance file format versions"\nBecause…');
    const out = await condenseQuestion('Which versions exist?', history, llm, { timeoutMs: 1000 });
    expect(out).toEqual({ query: 'Lance file format versions', method: 'llm' });
    expect(llm.calls[0]!.options).toMatchObject({ stream: false, timeoutMs: 1000 });
  });

  it('joins the last question when the model is unavailable, and reports the failure', async () => {
    const llm = new RecordingModel(() => new LlmUnavailableError('unreachable', 'down'));
    const out = await condenseQuestion('Which versions exist?', history, llm, { timeoutMs: 1000 });
    expect(out.query).toBe('What is Lance? Which versions exist?');
    expect(out.method).toBe('joined');
    expect(out.failure?.failure).toBe('unreachable');
  });
});
