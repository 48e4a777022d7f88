/**
 * Take the README's screenshot of the web chat (docs/img/web-chat.png): the real app and
 * knowledge base (the shipped articles on the tiny CLIP fixture), an answer streamed by the
 * Ollama stand-in of the tests, in Debian's Chromium.
 *
 *   node --import tsx scripts/web-screenshot.ts [out.png]
 *
 * Needs Redis at REDIS_URL (default 127.0.0.1:6379; keys under a throw-away prefix, removed
 * afterwards) and /usr/bin/chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startApp } from '../src/app/app.js';
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { ingest } from '../src/rag/ingest/ingest.js';
import { cleanPrefix, uniquePrefix } from '../test/helpers/redis.js';
import { startOllamaStandIn } from '../test/platforms/ollama-standin.js';

const out = path.resolve(process.argv[2] ?? 'docs/img/web-chat.png');
const work = mkdtempSync(path.join(os.tmpdir(), 'mrag-screenshot-'));
const logger = createLogger({ level: 'warn' });
const ANSWER =
  'The worker posts the answer back over the platform\'s REST API, so it needs no gateway connection [1]. ' +
  'It edits the placeholder the bot posted while the tokens stream in, then finishes the message with the figures attached and the sources cited [2].\n\n' +
  'The figure shows the way a question travels and how its answer comes back [F1].';
const ollama = await startOllamaStandIn({
  chat: (request) => (request.stream === false ? { kind: 'reply', tokens: ['worker posts answer back'] } : { kind: 'reply', tokens: ANSWER.split(/(?<= )/) }),
});
const config = loadConfig({
  REDIS_URL: process.env.REDIS_URL,
  REDIS_PREFIX: uniquePrefix('screenshot'),
  HTTP_PORT: '0',
  DATA_DIR: path.join(work, 'data'),
  EMBEDDING_MODEL: path.resolve('test/fixtures/clip-tiny'),
  OLLAMA_HOST: ollama.url,
});
try {
  await ingest([path.resolve('data/articles')], { config, logger });
  const app = await startApp({ config, logger, worker: true, bots: true, local: false, platforms: ['web'] });
  const browser = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport: { width: 1280, height: 1280 },
    colorScheme: 'light',
  });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(app.httpUrl!);
    await page.getByLabel('Ask a question').fill('How does the worker post the answer back to the chat platform?');
    await page.getByRole('button', { name: 'Send' }).click();
    const article = page.locator('article.answer[aria-busy="false"]').first();
    await article.waitFor({ timeout: 30_000 });
    await page.waitForFunction("[...document.querySelectorAll('article.answer img')].every((img) => img.naturalWidth > 0)");
    await article.getByText('Why this answer').click();
    await page.locator('#messages').evaluate((el) => (el.scrollTop = 0));
    await page.screenshot({ path: out });
    process.stdout.write(`screenshot: ${out}\n`);
  } finally {
    await browser.close();
    await app.stop();
  }
} finally {
  await cleanPrefix(config.redis.url, config.redis.prefix);
  await ollama.close();
  rmSync(work, { recursive: true, force: true });
}
