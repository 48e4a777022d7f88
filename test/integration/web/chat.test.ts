/**
 * The web chat in a real browser, end to end: Chromium → web adapter → Redis gateway and
 * BullMQ queue → worker → answer pipeline (knowledge base of the shipped articles on the
 * tiny CLIP fixture, real `ollama` client against the stand-in) → WebReply → Redis stream
 * → SSE → the page.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ChatRequest } from 'ollama';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedbackStore } from '../../../src/queue/feedback.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { startOllamaStandIn, type ChatScript, type OllamaStandIn } from '../../platforms/ollama-standin.js';
import { ARTICLES, askInPage, buildIndex, finalAnswer, launchBrowser, startWebStack, webEnv, workDir, type Browser, type WebStack } from './harness.js';

/** Decoded 8-bit RGB pixels (on white), as base64: equal for the same picture in any encoding. */
const pixels = async (bytes: Buffer) => (await sharp(bytes).flatten({ background: '#ffffff' }).toColourspace('srgb').raw().toBuffer()).toString('base64');

const work = workDir('chat');
let ollama: OllamaStandIn;
let stack: WebStack;
let browser: Browser;

/** The answer the stand-in streams, token by token, with a pause so that partial text shows. */
const ANSWER_TOKENS = ['The worker ', 'posts the answer ', 'back over REST [1], ', 'as the diagram shows [F1].'];
const reply = (tokens: string[], delayMs = 0) => (request: { stream?: boolean }): ChatScript =>
  request.stream === false ? { kind: 'reply', tokens: ['worker posting answers back to the chat platform'] } : { kind: 'reply', tokens, delayMs };

beforeAll(async () => {
  const dataDir = path.join(work.dir, 'data');
  await buildIndex(dataDir);
  ollama = await startOllamaStandIn({ chat: reply(ANSWER_TOKENS, 150) });
  stack = await startWebStack(webEnv(dataDir, { OLLAMA_HOST: ollama.url }));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await ollama?.close();
  work.cleanup();
});

/** Runs in the page: records every text the first answer shows while it streams (window.seen). */
const RECORD_ANSWER_TEXTS = `
  window.seen = [];
  new MutationObserver(() => {
    const text = document.querySelector('article.answer .answer-text')?.textContent;
    if (text && window.seen.at(-1) !== text) window.seen.push(text);
  }).observe(document.getElementById('messages'), { subtree: true, childList: true, characterData: true });
`;

/** The parts of an <img> the tests read (the Node test program has no DOM types). */
type Img = { complete: boolean; naturalWidth: number };

const lastAnswerRequest = () => ollama.chatRequests().filter((r) => r.stream !== false).at(-1) as ChatRequest;

describe('web chat in a browser', () => {
  it('streams the model\'s answer token by token, then shows the cited figure inline, the sources and why they were retrieved', async () => {
    const { page } = browser;
    await page.goto(stack.url);
    // Record every text the answer shows while it streams.
    await page.evaluate(RECORD_ANSWER_TEXTS);
    await askInPage(page, 'How does the worker post the answer back to the chat platform?');
    const article = await finalAnswer(page, 0);

    // Streamed: the page showed the beginning of the answer before its end.
    const seen = (await page.evaluate('window.seen')) as string[];
    expect(seen.some((t) => t.includes('The worker') && !t.includes('diagram shows'))).toBe(true);
    await expect.poll(() => article.locator('.answer-text').innerText()).toContain('The worker posts the answer back over REST [1], as the diagram shows [F1].');
    expect(await article.locator('[data-mode="llm"]').innerText()).toContain('language model');

    // The cited figure, inline, loaded, its caption as alt text, clickable to full size.
    const figure = article.locator('.figures img').first();
    await expect.poll(() => figure.evaluate((img) => ((img as unknown as Img).complete ? (img as unknown as Img).naturalWidth : 0))).toBeGreaterThan(0);
    const alt = await figure.getAttribute('alt');
    expect(alt?.length).toBeGreaterThan(10);
    expect(await article.locator('.figures figcaption').first().innerText()).toContain(alt!);
    const src = await figure.getAttribute('src');
    const served = Buffer.from(await (await page.request.get(new URL(src!, stack.url).href)).body());
    // Ingest normalises images (the shipped palette PNGs are stored as 8-bit RGB): compare pixels.
    const shipped = await Promise.all(readdirSync(path.join(ARTICLES, 'figures')).map((f) => pixels(readFileSync(path.join(ARTICLES, 'figures', f)))));
    expect(shipped).toContain(await pixels(served));
    await figure.click();
    await expect.poll(() => page.locator('#lightbox').evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
    expect(await page.locator('#lightbox-image').getAttribute('src')).toBe(src);
    await page.keyboard.press('Escape');

    // Sources: numbered, title › section, linking to the original file (served read-only).
    const sources = article.locator('.sources li');
    expect(await sources.count()).toBeGreaterThan(0);
    const firstSource = sources.first().locator('a');
    expect(await firstSource.innerText()).toMatch(/ › /);
    const href = (await firstSource.getAttribute('href'))!;
    const original = await page.request.get(new URL(href, stack.url).href);
    expect(original.status()).toBe(200);
    // The source as stored: its path under the folder it was ingested from (data/articles → "articles/…").
    const file = await sources.first().locator('.from').innerText();
    expect(file).toMatch(/^articles\//);
    expect(await original.text()).toBe(readFileSync(path.resolve('data', file), 'utf8'));

    // Why this answer: every retrieved chunk and figure with its fused score, and the timings.
    await article.getByText('Why this answer').click();
    const why = article.locator('details.why');
    const chunkRows = why.locator('table').nth(0).locator('tbody tr');
    const figureRows = why.locator('table').nth(1).locator('tbody tr');
    expect(await chunkRows.count()).toBeGreaterThan(2);
    expect(await figureRows.count()).toBeGreaterThan(0);
    for (const score of await why.locator('td[data-score="fused"]').allInnerTexts()) expect(Number(score)).toBeGreaterThan(0);
    // Per-signal columns (level 3 here: the fixture model loads): each list's rank and score, or — where it did not rank the item.
    const signalCells = await why.locator('td[data-signal]').allInnerTexts();
    for (const cell of signalCells) expect(cell).toMatch(/^(#\d+ · -?\d+(\.\d+)?|—)$/);
    for (const signal of ['vector', 'bm25']) expect(await why.locator(`td[data-signal="${signal}"]`, { hasText: '#' }).count()).toBeGreaterThan(0);
    expect(await article.locator('.badge[data-level="3"]').count()).toBe(1);
    const stages = await why.locator('.timings li').evaluateAll((items) => items.map((li) => li.getAttribute('data-stage')));
    expect(stages).toEqual(expect.arrayContaining(['retrieve', 'generate', 'total']));
    // The figure whose pixels the model saw is marked, and it is the one attached.
    expect(await why.locator('td[data-flag="Shown to the model"]', { hasText: 'yes' }).count()).toBe(1);
    expect(await why.locator('td[data-flag="Attached"]', { hasText: 'yes' }).count()).toBe(1);
    expect(browser.errors).toEqual([]);
  });

  it('answers a follow-up in the same conversation with the earlier turn in the model\'s context', async () => {
    const { page } = browser;
    ollama.setChat(reply(['It is ', 'BullMQ on Redis [1].']));
    await askInPage(page, 'And which queue does it use?');
    const article = await finalAnswer(page, 1);
    expect(await article.locator('.answer-text').innerText()).toContain('It is BullMQ on Redis');
    const messages = lastAnswerRequest().messages!.map((m) => m.content).join('\n');
    expect(messages).toContain('How does the worker post the answer back to the chat platform?');
    expect(messages).toContain('The worker posts the answer back over REST');
    expect(messages).toContain('And which queue does it use?');
    // One conversation in the sidebar, titled by its first question.
    expect(await page.locator('#conversations li').allInnerTexts()).toEqual(['How does the worker post the answer back to the chat platform?']);
  });

  it('stores a 👍 in the feedback store with the question, answer and sources, and shows it again after a reload', async () => {
    const { page } = browser;
    const article = page.locator('article.answer').nth(0);
    await article.getByRole('button', { name: 'Helpful', exact: true }).click();
    await expect.poll(() => article.getByRole('button', { name: 'Helpful', exact: true }).getAttribute('aria-pressed')).toBe('true');

    const connection = createRedisConnection(stack.config.redis.url);
    try {
      const entries = await createFeedbackStore(connection, stack.config.redis.prefix).export();
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ platform: 'web', rating: 'up', question: 'How does the worker post the answer back to the chat platform?' });
      expect(entries[0]!.answer).toContain('The worker posts the answer back over REST');
      expect(entries[0]!.sources.length).toBeGreaterThan(0);
      expect(entries[0]!.userId).toMatch(/^u[0-9a-f]{24}$/);
    } finally {
      await closeRedisConnection(connection);
    }
    await page.reload();
    const again = await finalAnswer(page, 0);
    await expect.poll(() => again.getByRole('button', { name: 'Helpful', exact: true }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('article.answer').count()).toBe(2);
  });

  it('sends an attached image to the model', async () => {
    const { page } = browser;
    ollama.setChat(reply(['That is the answer flow diagram [F1].']));
    await page.getByRole('button', { name: 'New conversation' }).click();
    expect(await page.locator('article.answer').count()).toBe(0);
    const image = path.join(ARTICLES, 'figures', 'answer-flow.png');
    await page.locator('#image').setInputFiles(image);
    expect(await page.locator('#attachment-name').innerText()).toBe('answer-flow.png');
    await askInPage(page, 'What does this diagram show?');
    const article = await finalAnswer(page, 0);
    expect(await article.locator('.answer-text').innerText()).toContain('answer flow diagram');
    expect(await page.locator('.question .chip').innerText()).toContain('answer-flow.png');
    const sent = lastAnswerRequest().messages!.flatMap((m) => (m.images ?? []) as string[]);
    // The worker normalises attachments before the model sees them: the same pixels.
    expect(await pixels(Buffer.from(sent[0]!, 'base64'))).toBe(await pixels(readFileSync(image)));
  });

  it('renders a model answer with HTML in it as text: no script runs, no handler survives', async () => {
    const { page } = browser;
    ollama.setChat(
      reply([
        'Careful: <img src=x onerror="window.__pwned=1"> and <script>window.__pwned2=1</script> ',
        'and [a link](javascript:window.__pwned3=1) and <a href="#" onclick="window.__pwned4=1">this</a>.',
      ]),
    );
    await askInPage(page, 'Show me something dangerous');
    const article = await finalAnswer(page, 1);
    const text = await article.locator('.answer-text').innerText();
    expect(text).toContain('<img src=x onerror="window.__pwned=1">');
    expect(text).toContain('<a href="#" onclick="window.__pwned4=1">this</a>');
    await article.locator('.answer-text a', { hasText: 'a link' }).click();
    const flags = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      return [w.__pwned, w.__pwned2, w.__pwned3, w.__pwned4];
    });
    expect(flags).toEqual([undefined, undefined, undefined, undefined]);
    expect(await article.locator('img[src="x"], script, [onerror], [onclick]').count()).toBe(0);
    expect(await article.locator('a[href^="javascript:"]').count()).toBe(0);
  });

  it('gives a browser that reconnects mid-answer the final answer', async () => {
    const { page, context } = browser;
    ollama.setChat(reply(['Slowly ', 'but ', 'surely ', 'the answer ', 'arrives [1].'], 400));
    await askInPage(page, 'Tell me slowly about retrieval');
    await expect.poll(() => page.locator('article.answer').nth(2).locator('.answer-text').innerText()).toContain('Slowly');
    const url = page.url();
    await page.close();
    const second = await context.newPage();
    await second.goto(url);
    const article = await finalAnswer(second, 2);
    expect(await article.locator('.answer-text').innerText()).toContain('Slowly but surely the answer arrives [1].');
    browser.page = second;
  });

  it('lists the knowledge base: documents, a figure gallery whose images load, and search with scores', async () => {
    const page = browser.page;
    await page.goto(`${stack.url}/kb`);
    const rows = page.locator('#documents tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await rows.allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining('How mrag-bot works')]));
    const images = page.locator('#gallery img');
    await expect.poll(() => images.count()).toBe(5);
    await expect
      .poll(() => images.evaluateAll((imgs) => (imgs as unknown as Img[]).every((img) => img.complete && img.naturalWidth > 0)))
      .toBe(true);
    for (const alt of await images.evaluateAll((imgs) => imgs.map((img) => img.getAttribute('alt')))) expect(alt?.length).toBeGreaterThan(10);

    await page.getByLabel('Search the knowledge base').fill('architecture diagram');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('#kb-results td[data-score="fused"]').count()).toBeGreaterThan(2);
    for (const score of await page.locator('#kb-results td[data-score="fused"]').allInnerTexts()) expect(Number(score)).toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);
  });
});
