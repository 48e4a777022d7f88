/**
 * The web chat under test: the real app (`startApp`, what `mrag start` / `mrag web` run)
 * with the real knowledge base (the shipped articles ingested on the tiny CLIP fixture),
 * the real answer pipeline against the Ollama stand-in (real `ollama` client), real Redis,
 * and Debian's Chromium driven by playwright-core.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startApp, type AppOptions, type RunningApp } from '../../../src/app/app.js';
import { loadConfig, type Config } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

export const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
export const FIXTURE = path.resolve('test/fixtures/clip-tiny');
export const ARTICLES = path.resolve('data/articles');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** A temp work dir; `cleanup()` removes it. */
export function workDir(label: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mrag-web-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Environment of a web test: its own key prefix, any free port, the fixture model. */
export function webEnv(dataDir: string, env: Record<string, string> = {}, prefix = uniquePrefix('web')): Record<string, string> {
  return {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    HTTP_PORT: '0',
    DATA_DIR: dataDir,
    EMBEDDING_MODEL: FIXTURE,
    OLLAMA_TIMEOUT_MS: '15000',
    ...env,
  };
}

/** Ingest the shipped articles into `dataDir` (the real ingest, tiny CLIP). */
export async function buildIndex(dataDir: string): Promise<void> {
  const summary = await ingest([ARTICLES], { config: loadConfig(webEnv(dataDir)), logger });
  expect(summary.failures).toEqual([]);
}

export interface WebStack {
  config: Config;
  app: RunningApp;
  url: string;
  stop(): Promise<void>;
}

/** Start the app (web chat, and the worker unless `worker: false`) and wait for its URL. */
export async function startWebStack(env: Record<string, string>, options: Partial<AppOptions> = {}): Promise<WebStack> {
  const config = loadConfig(env);
  const app = await startApp({ config, logger, worker: true, bots: true, local: false, platforms: ['web'], ...options });
  return {
    config,
    app,
    url: app.httpUrl!,
    async stop() {
      await app.stop();
      await cleanPrefix(config.redis.url, config.redis.prefix);
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** JavaScript errors the pages threw. */
  errors: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh user-data dir (no cookies, no cache). */
export async function launchBrowser(): Promise<Browser> {
  const profile = workDir('profile');
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  const errors: string[] = [];
  context.on('weberror', (e) => errors.push(e.error().message));
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      profile.cleanup();
    },
  };
}

/** Type a question into the form and send it. */
export async function askInPage(page: Page, question: string): Promise<void> {
  await page.getByLabel('Ask a question').fill(question);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** The n-th answer `<article>` (0-based), once it is final. */
export async function finalAnswer(page: Page, n: number, timeout = 30_000) {
  const article = page.locator('article.answer').nth(n);
  await expect.poll(async () => await article.getAttribute('aria-busy'), { timeout }).toBe('false');
  return article;
}
