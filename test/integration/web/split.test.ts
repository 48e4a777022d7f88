/**
 * `mrag web` and `mrag worker` as two separate apps that share only Redis (the web side
 * has an empty DATA_DIR: no index, no figure files), with Ollama down. The browser still
 * gets a labelled retrieval-only answer with its figure inline — the figure travelled
 * through Redis like an upload to a chat platform.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../../src/app/app.js';
import { loadConfig } from '../../../src/config/env.js';
import { freePort, uniquePrefix } from '../../helpers/redis.js';
import { askInPage, buildIndex, finalAnswer, launchBrowser, logger, startWebStack, webEnv, workDir, type Browser, type WebStack } from './harness.js';

const work = workDir('split');
let web: WebStack;
let worker: RunningApp;
let browser: Browser;

beforeAll(async () => {
  const indexDir = path.join(work.dir, 'worker-data');
  const emptyDir = path.join(work.dir, 'web-data');
  mkdirSync(emptyDir, { recursive: true });
  await buildIndex(indexDir);
  const prefix = uniquePrefix('split');
  const deadOllama = `http://127.0.0.1:${await freePort()}`;
  web = await startWebStack(webEnv(emptyDir, { OLLAMA_HOST: deadOllama }, prefix), { worker: false });
  worker = await startApp({ config: loadConfig(webEnv(indexDir, { OLLAMA_HOST: deadOllama }, prefix)), logger, worker: true, bots: false, local: false });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await web?.stop();
  work.cleanup();
});

describe('web chat and worker in separate processes, Ollama down', () => {
  it('shows a labelled retrieval-only answer with its figure, copied through Redis', async () => {
    const { page } = browser;
    await page.goto(web.url);
    await askInPage(page, 'How does the worker post the answer back to the chat platform?');
    const article = await finalAnswer(page, 0);
    expect(await article.locator('[data-mode="retrieval-only"]').innerText()).toBe('Retrieval-only answer (no language model)');
    expect(await article.locator('.answer-text').innerText()).toContain('the language model server is unreachable');
    const figure = article.locator('.figures img').first();
    await expect.poll(() => figure.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    expect(await article.locator('.sources li').count()).toBeGreaterThan(0);
    await article.getByText('Why this answer').click();
    expect(await article.locator('details.why').innerText()).toContain('No language model answer');
    // Nothing was shown to a model that did not answer.
    const shown = await article.locator('td[data-flag="Shown to the model"]').allInnerTexts();
    expect(shown.length).toBeGreaterThan(0);
    expect(new Set(shown)).toEqual(new Set(['no']));
  });

  it('says on the knowledge base page that the index and search are not on this machine', async () => {
    const { page } = browser;
    await page.goto(`${web.url}/kb`);
    await expect.poll(() => page.locator('#kb-summary').innerText()).toContain('There is no index under');
    expect(await page.getByLabel('Search the knowledge base').isDisabled()).toBe(true);
    expect(await page.locator('#kb-search-status').innerText()).toBe('Search is not available.');
    expect(browser.errors).toEqual([]);
  });
});
