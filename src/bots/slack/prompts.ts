/**
 * The suggested prompts of a new assistant thread (`assistant.threads.setSuggestedPrompts`,
 * at most 4): the ones configured in SLACK_SUGGESTED_PROMPTS, else one per document of the
 * knowledge base (its title) when the bot process can read the index under DATA_DIR, else
 * a few generic ones. Titles are read at most once per CACHE_MS.
 */
import type { Logger } from '../../log.js';
import { IndexStore } from '../../rag/index/store.js';
import { SLACK_MAX_SUGGESTED_PROMPTS } from './types.js';

export interface SuggestedPrompt {
  /** The short label Slack shows. */
  title: string;
  /** What is sent as the user's message when clicked. */
  message: string;
}

/** How long document titles are reused before the index is read again (ms). */
export const CACHE_MS = 10 * 60_000;
const MAX_TITLE_CHARS = 60;

export const GENERIC_PROMPTS: readonly SuggestedPrompt[] = [
  { title: 'What can you answer?', message: 'What topics do the documents you know cover?' },
  { title: 'How do I get started?', message: 'How do I get started? List the first steps the docs describe.' },
  { title: 'Show me a key diagram', message: 'Show me the most important diagram in the docs and explain it.' },
];

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`);

/** Configured prompts: the label is the prompt itself, clipped. */
export function configuredPrompts(prompts: readonly string[]): SuggestedPrompt[] {
  return prompts.slice(0, SLACK_MAX_SUGGESTED_PROMPTS).map((p) => ({ title: clip(p, MAX_TITLE_CHARS), message: p }));
}

/** One prompt per distinct document title (at most 4). */
export function promptsFromTitles(titles: readonly string[]): SuggestedPrompt[] {
  const distinct = [...new Set(titles.map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean))];
  return distinct.slice(0, SLACK_MAX_SUGGESTED_PROMPTS).map((title) => ({
    title: clip(`Explain “${title}”`, MAX_TITLE_CHARS),
    message: `What does “${title}” explain? Summarise the key points and show its figures.`,
  }));
}

/** The titles of the documents in the index under `dataDir` (empty when there is no readable index). */
export async function documentTitles(dataDir: string): Promise<string[]> {
  const store = await IndexStore.open(dataDir);
  if (!store) return [];
  try {
    return (await store.documents()).sort((a, b) => a.title.localeCompare(b.title)).map((d) => d.title);
  } finally {
    await store.close();
  }
}

/** A cached source of suggested prompts for the adapter. */
export function createPromptSource(deps: { configured: readonly string[]; dataDir: string; logger: Logger; now?: () => number }): () => Promise<SuggestedPrompt[]> {
  const now = deps.now ?? Date.now;
  let cached: { at: number; prompts: SuggestedPrompt[] } | undefined;
  return async () => {
    if (deps.configured.length > 0) return configuredPrompts(deps.configured);
    if (cached && now() - cached.at < CACHE_MS) return cached.prompts;
    let prompts: SuggestedPrompt[] = [];
    try {
      prompts = promptsFromTitles(await documentTitles(deps.dataDir));
    } catch (err) {
      deps.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'slack: index not readable for suggested prompts');
    }
    if (prompts.length === 0) prompts = [...GENERIC_PROMPTS];
    cached = { at: now(), prompts };
    return prompts;
  };
}
