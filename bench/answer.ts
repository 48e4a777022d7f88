/**
 * Answer pipeline overhead without the LLM's thinking time: prompt building + the real
 * `ollama` client + HTTP streaming against the local stand-in that answers at once, with
 * an in-memory retriever (no CLIP). Also the time to a retrieval-only answer when Ollama
 * refuses connections. `npm run bench -- answer [iterations]`
 */
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { createOllamaPool } from '../src/rag/llm/ollama-pool.js';
import { createAnswerPipeline } from '../src/rag/answer/pipeline.js';
import { freePort } from '../test/helpers/redis.js';
import { startOllamaStandIn } from '../test/platforms/ollama-standin.js';
import { FigureFiles, MemoryRetriever, chunk } from '../test/unit/answer/fixtures.js';

const iterations = Number(process.argv[2] ?? 200);
const logger = createLogger({ level: 'silent' });
const files = new FigureFiles();
const standIn = await startOllamaStandIn({
  chat: () => ({ kind: 'reply', tokens: Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? '[1] ' : 'word ')) }),
});

const retriever = new MemoryRetriever(
  Array.from({ length: 8 }, (_, i) => chunk(i + 1, `Paragraph ${i + 1}. ` + 'Some documentation text about the product. '.repeat(20))),
  Array.from({ length: 4 }, (_, i) => files.figure(i + 1, `Figure ${i + 1}: a chart`, 0.5 - i * 0.05)),
);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(name: string, host: string, n: number, stage?: string) {
  const config = loadConfig({ OLLAMA_HOST: host, OLLAMA_MAX_IMAGES: '1' });
  const pipeline = createAnswerPipeline({ retriever, llm: createOllamaPool(config, logger), config, logger });
  const totals: number[] = [];
  const stages: number[] = [];
  let mode = '';
  for (let i = 0; i < n + 10; i++) {
    const started = performance.now();
    const answer = await pipeline.answer(`Question ${i} about the product?`, { onToken: () => {} });
    if (i < 10) continue; // warm-up
    totals.push(performance.now() - started);
    if (stage) stages.push(answer.timings[stage] ?? 0);
    mode = answer.mode;
  }
  totals.sort((a, b) => a - b);
  stages.sort((a, b) => a - b);
  const row = {
    name,
    mode,
    p50Ms: +percentile(totals, 50).toFixed(2),
    p99Ms: +percentile(totals, 99).toFixed(2),
    ...(stage ? { [`${stage}P50Ms`]: +percentile(stages, 50).toFixed(2) } : {}),
  };
  console.log(`${name}: p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms (${mode})`);
  return row;
}

const streamed = await measure('answer via stand-in (40 tokens, 8 sources, 4 figures, 1 image)', standIn.url, iterations, 'prompt');
const refused = await measure('retrieval-only when Ollama refuses connections', `http://127.0.0.1:${await freePort()}`, Math.min(iterations, 100));
await standIn.close();
files.cleanup();
console.log(JSON.stringify({ bench: 'answer', iterations, streamed, refused }));
